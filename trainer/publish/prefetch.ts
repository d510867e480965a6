// With every version, the ready-made gzip bodies of the grid requests the
// edge saw most (its sampled hot-grid counters), so the Worker's Cron Trigger
// can put them into the cache before peak hours without building them. The
// bodies are byte for byte what the Worker would build: same code (gridBody),
// same cache path (gridCachePath), so a warmed entry is indistinguishable
// from one a request filled.
import type { Redis } from "@upstash/redis";
import { toBase64 } from "../../edge/contract/codec.ts";
import { edgeKeys } from "../../edge/contract/edge-keys.ts";
import { isHorizon, keys } from "../../edge/contract/keys.ts";
import type { Manifest } from "../../edge/contract/payload.ts";
import { gridBody } from "../../edge/grid-body.ts";
import { gridCachePath, gridFields, MAX_GRID_SERIES, parseHotGridMember, planGrid } from "../../edge/grid.ts";

export interface PrefetchOptions {
  prefix: string;
  version: string;
  manifest: Manifest;
  /** How many of the hottest grid requests to publish; 0 publishes none. */
  topN: number;
  /**
   * Lifetime of the bodies: the trainer's retention window. They are an
   * optimisation, written after the version is live, so they expire on their
   * own instead of joining the version's keys; a Cron Trigger that finds none
   * simply warms nothing.
   */
  ttlSeconds: number;
}

export interface PrefetchReport {
  published: number;
  /** Hot entries that no longer make sense for this version (unknown horizon, too large, malformed). */
  skipped: number;
  bytes: number;
}

export async function publishPrefetch(redis: Redis, options: PrefetchOptions): Promise<PrefetchReport> {
  const report: PrefetchReport = { published: 0, skipped: 0, bytes: 0 };
  if (options.topN <= 0) return report;
  const { prefix, version, manifest } = options;
  const hot = await redis.zrange<string[]>(edgeKeys(prefix).hotGrids, 0, options.topN - 1, { rev: true });
  if (hot.length === 0) return report;
  await trimHot(redis, edgeKeys(prefix).hotSeries);
  const loaded = { raw: "", manifest, storeCity: new Map(manifest.dimensions.stores.map((s) => [s.code, s.city])) };
  const bodies: Record<string, string> = {};
  for (const member of hot) {
    const parsed = parseHotGridMember(String(member));
    if (!parsed || !isHorizon(parsed.h) || !manifest.horizons.includes(parsed.h)) {
      report.skipped++;
      continue;
    }
    const plan = planGrid(loaded, parsed.query);
    if (plan.size === 0 || plan.size > MAX_GRID_SERIES) {
      report.skipped++;
      continue;
    }
    const fields = gridFields(plan);
    const values = (await redis.hmget(keys(prefix).horizon(version, parsed.h), ...fields)) as unknown as (string | null)[];
    const body = gridBody({ version, origin: manifest.origin, h: parsed.h, level: manifest.level }, fields, values);
    const { cachePath } = await gridCachePath(version, parsed.h, parsed.canonical);
    bodies[cachePath] = toBase64(body);
    report.bytes += body.byteLength;
    report.published++;
  }
  await trimHot(redis, edgeKeys(prefix).hotGrids);
  if (report.published > 0) {
    const key = edgeKeys(prefix).prefetch(version);
    const pipeline = redis.pipeline();
    pipeline.hset(key, bodies);
    pipeline.expire(key, options.ttlSeconds);
    await pipeline.exec();
  }
  return report;
}

/** Distinct requests kept in a hot counter set; the long tail below them is dropped at each publish. */
export const HOT_KEEP = 1000;

async function trimHot(redis: Redis, key: string): Promise<void> {
  const edge = (await redis.zrange<(string | number)[]>(key, HOT_KEEP - 1, HOT_KEEP - 1, { rev: true, withScores: true }));
  if (edge.length < 2) return;
  await redis.zremrangebyscore(key, "-inf", `(${Number(edge[1])}`);
}
