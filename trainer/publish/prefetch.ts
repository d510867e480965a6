// With every version, the ready-made gzip bodies of the grid requests asked
// for most: the whole grid at each horizon (what the explorer page and most
// dashboards read) and the ones the edge saw most (its sampled hot-grid
// counters), each as JSON and in the binary format. They are staged with the
// version's other keys and committed with it, so a Worker that misses its
// caches passes a body through instead of reading every series, and the Cron
// Trigger can warm the cache before peak hours. The bodies are what the
// Worker would build: same code (gridBody, binaryGzip), same cache paths
// (gridCachePath), only compressed harder, since it is done once.
import type { Redis } from "@upstash/redis";
import { binaryGzip, binaryLayoutFor, binaryTag } from "../../edge/binary-format.ts";
import { toBase64 } from "../../edge/contract/codec.ts";
import { edgeKeys } from "../../edge/contract/edge-keys.ts";
import { isHorizon, keys } from "../../edge/contract/keys.ts";
import type { Manifest } from "../../edge/contract/payload.ts";
import { gridBody, PUBLISHED_GZIP_LEVEL } from "../../edge/contract/grid-body.ts";
import { fieldIdentity, gridEntryText, shapePath, type ForecastShape } from "../../edge/contract/shape.ts";
import { canonicalGridQuery, gridCachePath, gridFields, hotGridMember, MAX_GRID_SERIES, parseHotGridMember, planGrid } from "../../edge/contract/grid.ts";

export interface PrefetchOptions {
  prefix: string;
  version: string;
  manifest: Manifest;
  /** How many of the hottest grid requests to publish besides the whole grids; 0 publishes none of either. */
  topN: number;
  /** Lifetime of the staged bodies; the version's commit makes them permanent (keys.versionKeys). */
  ttlSeconds: number;
  /** The JSON shape the version's payloads are stored in (FORECAST_SHAPE): its bodies are published in it, at its paths. */
  shape?: ForecastShape;
}

export interface PrefetchReport {
  published: number;
  /** Hot entries that no longer make sense for this version (unknown horizon, too large, malformed). */
  skipped: number;
  bytes: number;
  /** The requests published (`h<h>|<canonical query>`), for Manifest.prebuiltGrids. */
  grids: string[];
}

/** Upstash refuses requests over 10 MB; bodies are written in pipelines well under it. */
const WRITE_BATCH_BYTES = 4 * 1024 * 1024;

export async function publishPrefetch(redis: Redis, options: PrefetchOptions): Promise<PrefetchReport> {
  const report: PrefetchReport = { published: 0, skipped: 0, bytes: 0, grids: [] };
  if (options.topN <= 0) return report;
  const { prefix, version, manifest } = options;
  const shape = options.shape ?? "v2";
  // The paths the Worker reads with the same shape (serve-forecast.ts); the binary body is the layout that goes with it.
  const layout = binaryLayoutFor(shape, "v2");
  const hot = await redis.zrange<string[]>(edgeKeys(prefix).hotGrids, 0, options.topN - 1, { rev: true });
  await trimHot(redis, edgeKeys(prefix).hotSeries);
  await trimHot(redis, edgeKeys(prefix).hotGrids);
  const whole = canonicalGridQuery({ city: "*", store: "*", product: "*" });
  const wanted = [...manifest.horizons.map((h) => hotGridMember(h, whole)), ...hot.map(String)];
  const done = new Set<string>();

  const loaded = { raw: "", manifest, storeCity: new Map(manifest.dimensions.stores.map((s) => [s.code, s.city])) };
  const key = keys(prefix).prefetch(version);
  let batch: Record<string, string> = {};
  let batchBytes = 0;
  const write = async () => {
    if (batchBytes === 0) return;
    const pipeline = redis.pipeline();
    pipeline.hset(key, batch);
    pipeline.expire(key, options.ttlSeconds);
    await pipeline.exec();
    batch = {};
    batchBytes = 0;
  };
  for (const member of wanted) {
    const parsed = parseHotGridMember(member);
    if (!parsed || !isHorizon(parsed.h) || !manifest.horizons.includes(parsed.h)) {
      report.skipped++;
      continue;
    }
    const published = hotGridMember(parsed.h, parsed.canonical);
    if (done.has(published)) continue;
    done.add(published);
    const plan = planGrid(loaded, parsed.query);
    if (plan.size === 0 || plan.size > MAX_GRID_SERIES) {
      report.skipped++;
      continue;
    }
    const fields = gridFields(plan);
    const values = (await redis.hmget(keys(prefix).horizon(version, parsed.h), ...fields)) as unknown as (string | null)[];
    const h = parsed.h;
    const json = gridBody({ version, origin: manifest.origin, h, level: manifest.level }, fields, values,
      { level: PUBLISHED_GZIP_LEVEL, entry: (text, field) => gridEntryText(text, shape, fieldIdentity(field, version, h)) });
    const binary = binaryGzip(json, layout, PUBLISHED_GZIP_LEVEL);
    const { cachePath } = await gridCachePath(version, h, parsed.canonical);
    const jsonPath = shapePath(shape, cachePath);
    const binaryPath = `${binaryTag(layout)}/${jsonPath}`;
    batch[jsonPath] = toBase64(json);
    batch[binaryPath] = toBase64(binary);
    batchBytes += batch[jsonPath]!.length + batch[binaryPath]!.length;
    report.bytes += json.byteLength + binary.byteLength;
    report.published++;
    report.grids.push(published);
    if (batchBytes >= WRITE_BATCH_BYTES) await write();
  }
  await write();
  return report;
}

/** Distinct requests kept in a hot counter set; the long tail below them is dropped at each publish. */
export const HOT_KEEP = 1000;

async function trimHot(redis: Redis, key: string): Promise<void> {
  const edge = (await redis.zrange<(string | number)[]>(key, HOT_KEEP - 1, HOT_KEEP - 1, { rev: true, withScores: true }));
  if (edge.length < 2) return;
  await redis.zremrangebyscore(key, "-inf", `(${Number(edge[1])}`);
}
