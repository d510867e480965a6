// Sorted-set commands, with ZRANGE's option rules and error texts taken from
// Redis 7's zrangeGenericCommand so both backends refuse the same input.
import { CommandError } from "../errors.ts";
import type { Argv, Reply } from "../protocol.ts";
import {
  formatScore, isOption, parseDouble, parseInteger, parseScoreBound, syntaxError, type CommandTable,
} from "./arguments.ts";
import type { Keyspace } from "./keyspace.ts";
import type { SortedSet } from "./sorted-set.ts";

type Direction = "auto" | "forward" | "reverse";
type RangeType = "auto" | "rank" | "score" | "lex";

export const sortedSetCommands: CommandTable = {
  ZADD: { arity: -4, run: zadd },
  ZREM: {
    arity: -3,
    run(keyspace, argv) {
      const zset = keyspace.read(argv[1], "zset");
      if (zset === undefined) return 0;
      let removed = 0;
      for (let i = 2; i < argv.length; i++) if (zset.delete(argv[i])) removed++;
      keyspace.dropIfEmpty(argv[1], zset.size);
      return removed;
    },
  },
  ZCARD: { arity: 2, run: (keyspace, argv) => keyspace.read(argv[1], "zset")?.size ?? 0 },
  ZSCORE: {
    arity: 3,
    run(keyspace, argv) {
      const score = keyspace.read(argv[1], "zset")?.scores.get(argv[2]);
      return score === undefined ? null : formatScore(score);
    },
  },
  ZRANGE: { arity: -4, run: (keyspace, argv) => zrange(keyspace, argv, "auto", "auto") },
  ZREVRANGE: { arity: -4, run: (keyspace, argv) => zrange(keyspace, argv, "reverse", "rank") },
  ZRANGEBYSCORE: { arity: -4, run: (keyspace, argv) => zrange(keyspace, argv, "forward", "score") },
  ZREVRANGEBYSCORE: { arity: -4, run: (keyspace, argv) => zrange(keyspace, argv, "reverse", "score") },
  ZREMRANGEBYSCORE: {
    arity: 4,
    run(keyspace, argv) {
      const min = parseScoreBound(argv[2]);
      const max = parseScoreBound(argv[3]);
      const zset = keyspace.read(argv[1], "zset");
      if (zset === undefined) return 0;
      const doomed = zset.inScoreRange(min, max);
      for (const member of doomed) zset.delete(member);
      keyspace.dropIfEmpty(argv[1], zset.size);
      return doomed.length;
    },
  },
};

/** ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...] */
function zadd(keyspace: Keyspace, argv: Argv): Reply {
  const flags = { NX: false, XX: false, GT: false, LT: false, CH: false, INCR: false };
  let first = 2;
  for (; first < argv.length; first++) {
    const flag = argv[first].toUpperCase();
    if (!(flag in flags)) break;
    flags[flag as keyof typeof flags] = true;
  }
  const elements = argv.length - first;
  if (elements === 0 || elements % 2 === 1) throw syntaxError();
  if (flags.INCR && elements > 2) throw new CommandError("ERR INCR option supports a single increment-element pair");
  if (flags.NX && flags.XX) throw new CommandError("ERR XX and NX options at the same time are not compatible");
  if ((flags.GT && flags.NX) || (flags.LT && flags.NX) || (flags.GT && flags.LT)) {
    throw new CommandError("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  // Every score is checked before anything changes, as in Redis.
  const scores: number[] = [];
  for (let i = first; i < argv.length; i += 2) scores.push(parseDouble(argv[i]));

  const existing = keyspace.read(argv[1], "zset");
  if (existing === undefined && flags.XX) return flags.INCR ? null : 0;
  const zset = existing ?? keyspace.readForUpdate(argv[1], "zset");
  let added = 0;
  let changed = 0;
  let incremented: number | null = null;
  for (let i = 0; i < scores.length; i++) {
    const member = argv[first + 2 * i + 1];
    const current = zset.scores.get(member);
    let score = scores[i];
    if (current === undefined) {
      if (flags.XX) continue;
      zset.set(member, score);
      added++;
      incremented = score;
      continue;
    }
    if (flags.NX) continue;
    if (flags.INCR) {
      score += current;
      if (Number.isNaN(score)) throw new CommandError("ERR resulting score is not a number (NaN)");
    }
    if ((flags.LT && score >= current) || (flags.GT && score <= current)) continue;
    incremented = score;
    if (score !== current) {
      zset.set(member, score);
      changed++;
    }
  }
  if (flags.INCR) return incremented === null ? null : formatScore(incremented);
  return flags.CH ? added + changed : added;
}

/** ZRANGE and its older spellings: by rank, or by score with LIMIT; REV flips the order. */
function zrange(keyspace: Keyspace, argv: Argv, direction: Direction, rangeType: RangeType): Reply {
  let withScores = false;
  let limited = false;
  let offset = 0;
  let count = -1;
  for (let i = 4; i < argv.length; i++) {
    const option = argv[i];
    if (isOption(option, "WITHSCORES")) withScores = true;
    else if (isOption(option, "LIMIT") && i + 2 < argv.length) {
      offset = parseInteger(argv[i + 1]);
      count = parseInteger(argv[i + 2]);
      limited = true;
      i += 2;
    } else if (direction === "auto" && isOption(option, "BYSCORE")) rangeType = "score";
    else if (direction === "auto" && isOption(option, "BYLEX")) rangeType = "lex";
    else if (direction === "auto" && isOption(option, "REV")) direction = "reverse";
    else throw syntaxError();
  }
  const reverse = direction === "reverse";
  if (rangeType === "auto") rangeType = "rank";
  if (limited && rangeType === "rank") {
    throw new CommandError("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  if (rangeType === "lex") {
    throw new CommandError("ERR BYLEX is not supported by the in-memory store; start upstash-local with --redis-url");
  }

  if (rangeType === "rank") {
    const start = parseInteger(argv[2]);
    const stop = parseInteger(argv[3]);
    const zset = keyspace.read(argv[1], "zset");
    return zset === undefined ? [] : reply(zset, byRank(zset, start, stop, reverse), withScores);
  }

  // A reversed score range is written max first: ZREVRANGEBYSCORE key max min.
  const min = parseScoreBound(argv[reverse ? 3 : 2]);
  const max = parseScoreBound(argv[reverse ? 2 : 3]);
  const zset = keyspace.read(argv[1], "zset");
  if (zset === undefined || offset < 0) return [];
  const members = zset.inScoreRange(min, max);
  if (reverse) members.reverse();
  return reply(zset, members.slice(offset, count < 0 ? undefined : offset + count), withScores);
}

function byRank(zset: SortedSet, start: number, stop: number, reverse: boolean): string[] {
  const length = zset.size;
  if (start < 0) start += length;
  if (stop < 0) stop += length;
  if (start < 0) start = 0;
  if (start > stop || start >= length) return [];
  if (stop >= length) stop = length - 1;
  const ordered = zset.ordered();
  if (!reverse) return ordered.slice(start, stop + 1);
  return ordered.slice(length - 1 - stop, length - start).reverse();
}

function reply(zset: SortedSet, members: string[], withScores: boolean): Reply {
  if (!withScores) return members;
  const flat: Reply[] = new Array(members.length * 2);
  for (let i = 0; i < members.length; i++) {
    flat[2 * i] = members[i];
    flat[2 * i + 1] = formatScore(zset.scores.get(members[i])!);
  }
  return flat;
}
