// Request validation with the route's schema (edge/params.ts), inside the
// handler rather than as a middleware layer of its own, refused the API's
// own way: a 400 with the code the parameter has always had and the
// parser's message. It reads only the schema's own keys, one lookup each,
// and remembers what short inputs parsed to: the schemas are pure, and a hot
// series or grid is asked with the same parameters again and again, so a
// repeat costs a map lookup instead of a parse (bench/edge/profile.ts).
import type { Context } from "hono";
import type { z } from "zod";
import { BadRequestError } from "../errors.ts";
import { PARAMETER_CODES } from "../params.ts";

interface SchemaMemo {
  keys: string[];
  /** The parameters' values joined → the parsed (frozen) output. */
  parsed: Map<string, unknown>;
}

const memos = new WeakMap<z.ZodObject, SchemaMemo>();
/** Inputs longer than this are parsed every time: long grid queries are rare and would crowd the memo. */
const MAX_MEMO_KEY = 256;
const MAX_MEMO_ENTRIES = 2048;

export function valid<S extends z.ZodObject>(c: Context, target: "param" | "query", schema: S): z.output<S> {
  let memo = memos.get(schema);
  if (!memo) memos.set(schema, (memo = { keys: Object.keys(schema.shape), parsed: new Map() }));
  const input: Record<string, string | undefined> = {};
  // A value can hold any character, so each one is tagged by its length: no two inputs share a key.
  let key = "";
  for (const name of memo.keys) {
    const value = target === "param" ? c.req.param(name) : c.req.query(name);
    input[name] = value;
    key += value === undefined ? "-|" : `${value.length}:${value}|`;
  }
  const known = memo.parsed.get(key);
  if (known !== undefined) return known as z.output<S>;
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = String(issue.path[0]);
    throw new BadRequestError(PARAMETER_CODES[field] ?? "bad_identifier", issue.message);
  }
  if (key.length <= MAX_MEMO_KEY) {
    if (memo.parsed.size >= MAX_MEMO_ENTRIES) memo.parsed.clear();
    // Shared by every request that asks the same: frozen, so no route can change it for the next.
    memo.parsed.set(key, deepFreeze(result.data));
  }
  return result.data;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
