// Argument parsing and reply formatting with Redis's own rules and error texts,
// so the in-memory store answers byte for byte like the real one.
import { CommandError } from "../errors.ts";
import type { Argv, Reply } from "../protocol.ts";
import type { Keyspace } from "./keyspace.ts";

/** One command of the in-memory store, described the way Redis does. */
export interface CommandSpec {
  /** argv length including the name; negative means "at least" (Redis's convention). */
  arity: number;
  run(keyspace: Keyspace, argv: Argv): Reply;
}

export type CommandTable = Record<string, CommandSpec>;

export const syntaxError = (): CommandError => new CommandError("ERR syntax error");
export const wrongArity = (argv: Argv): CommandError =>
  new CommandError(`ERR wrong number of arguments for '${argv[0].toLowerCase()}' command`);
export const notInteger = (): CommandError => new CommandError("ERR value is not an integer or out of range");
export const notFloat = (): CommandError => new CommandError("ERR value is not a valid float");

// Redis's string2ll: no sign on zero, no leading zeros, no spaces, no "+".
const INTEGER = /^(?:0|-?[1-9][0-9]{0,18})$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A signed 64-bit integer as Redis reads one; beyond JS's safe range the value is refused. */
export function parseInteger(text: string): number {
  if (!INTEGER.test(text)) throw notInteger();
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw notInteger();
  return value;
}

/** Exact 64-bit arithmetic for INCR and friends, where Redis reports overflow. */
export function parseInt64(text: string): bigint {
  if (!INTEGER.test(text)) throw notInteger();
  const value = BigInt(text);
  if (value < INT64_MIN || value > INT64_MAX) throw notInteger();
  return value;
}

export function checkInt64(value: bigint): bigint {
  if (value < INT64_MIN || value > INT64_MAX) {
    throw new CommandError("ERR increment or decrement would overflow");
  }
  return value;
}

/** A double as Redis's string2d reads one: "inf" spelled out, no spaces, no NaN, no overflow. */
export function parseDouble(text: string, error: () => CommandError = notFloat): number {
  switch (text.toLowerCase()) {
    case "inf": case "+inf": case "infinity": case "+infinity": return Infinity;
    case "-inf": case "-infinity": return -Infinity;
  }
  if (text === "" || text.trim() !== text) throw error();
  const value = Number(text);
  if (!Number.isFinite(value)) throw error();
  return value;
}

/** A score range end such as "1.5", "(1.5" (exclusive), "-inf" or "+inf". */
export interface ScoreBound {
  value: number;
  exclusive: boolean;
}

export function parseScoreBound(text: string): ScoreBound {
  const minOrMax = () => new CommandError("ERR min or max is not a float");
  if (text.startsWith("(")) return { value: parseDouble(text.slice(1), minOrMax), exclusive: true };
  return { value: parseDouble(text, minOrMax), exclusive: false };
}

/**
 * Redis 7.0 writes scores with printf's "%.17g" (7.2 moved to the shortest
 * form); matching the local Redis keeps raw replies identical across backends.
 */
export function formatScore(score: number): string {
  if (score === Infinity) return "inf";
  if (score === -Infinity) return "-inf";
  if (score === 0) return Object.is(score, -0) ? "-0" : "0";
  const [mantissa, exponentText] = score.toExponential(16).split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 17) {
    const sign = exponent < 0 ? "-" : "+";
    const digits = String(Math.abs(exponent)).padStart(2, "0");
    return `${trimZeros(mantissa)}e${sign}${digits}`;
  }
  return trimZeros(score.toFixed(Math.max(0, 16 - exponent)));
}

function trimZeros(text: string): string {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

/** Case-insensitive option match; the length check settles most mismatches without upper-casing. */
export function isOption(arg: string, option: string): boolean {
  return arg.length === option.length && arg.toUpperCase() === option;
}
