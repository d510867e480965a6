// Samples of the forecasts asked for most, for the trainer's prefetch (it
// publishes ready-made bodies for the hottest grids with each version). Only
// successful answers for series and grids the manifest holds are sampled
// (routes decide), an isolate holds a bounded number of distinct members
// between flushes, and each store set is cut back to HOT_SET_MAX members at
// flush: no stream of made-up queries can grow the store without bound.
import type { Pipeline } from "@upstash/redis/cloudflare";

/** Distinct members an isolate collects per set between two flushes; more are dropped. */
export const MAX_MEMBERS_PER_FLUSH = 256;
/** Members each hot set keeps in the store (the trainer reads the top PREFETCH_TOP_N). */
export const HOT_SET_MAX = 2000;
/** Longer grid queries are not sampled: hot dashboards ask short ones, and members are stored whole. */
export const MAX_MEMBER_LENGTH = 1024;

const pending = new Map<string, Map<string, number>>();

/** Counts one answer with weight 1/rate when it falls in the sample and is `eligible` (asked only then). */
export function sampleHot(key: string, member: string, rate: number, eligible: () => boolean = () => true, random: () => number = Math.random): void {
  if (rate <= 0 || random() >= rate || member.length > MAX_MEMBER_LENGTH || !eligible()) return;
  let members = pending.get(key);
  if (!members) pending.set(key, (members = new Map()));
  const count = members.get(member);
  if (count === undefined && members.size >= MAX_MEMBERS_PER_FLUSH) return;
  members.set(member, (count ?? 0) + 1 / rate);
}

export function hasHotSamples(): boolean {
  return pending.size > 0;
}

/**
 * Moves the samples into the pipeline (ZADD INCR, which every Upstash-compatible
 * store has), each key's ZCARD after its ZADDs; returns each key with the
 * position of its ZCARD reply, counting from `first`.
 */
export function drainHotSamples(pipeline: Pipeline, first: number): { key: string; at: number }[] {
  const written: { key: string; at: number }[] = [];
  let at = first;
  for (const [key, members] of pending) {
    for (const [member, by] of members) pipeline.zadd(key, { incr: true }, { score: by, member });
    at += members.size;
    pipeline.zcard(key);
    written.push({ key, at: at++ });
  }
  pending.clear();
  return written;
}

/** For tests: forget this isolate's unflushed samples. */
export function resetHotSamples(): void {
  pending.clear();
}
