// The Cron Trigger's work: before the configured peak hours, put the
// ready-made grid bodies the trainer published with the live version (its
// prefetch hash, the top hot grid requests) into this data centre's Cache API
// and this isolate's memory, so the first requests of the peak are hits.
// The Cache API is per data centre: a Cron Trigger runs in one, so it warms
// that one only; elsewhere the first request of each grid still misses.
import { edgeKeys } from "./contract/edge-keys.ts";
import { fromBase64 } from "./contract/codec.ts";
import { readConfig, type Env } from "./config.ts";
import { ForecastCache } from "./forecast-cache.ts";
import { hashEntries, redisFor, storeCall, storeFor } from "./store.ts";
import { resolveVersion } from "./version.ts";

export interface WarmReport {
  warmed: number;
  version?: string;
  skipped?: string;
}

/** Cloudflare's controller, as much of it as warming reads. */
export interface CronEvent {
  cron: string;
  scheduledTime: number;
}

export async function warmPrefetched(env: Env, event: CronEvent): Promise<WarmReport> {
  const config = readConfig(env);
  const { prefetchCron, prefetchTopN, publicOrigin } = config.production;
  if (prefetchCron === null) return { warmed: 0, skipped: "PREFETCH_CRON=off" };
  if (event.cron.replace(/\s+/g, " ") !== prefetchCron) return { warmed: 0, skipped: `trigger "${event.cron}" is not PREFETCH_CRON "${prefetchCron}"` };
  if (prefetchTopN === 0) return { warmed: 0, skipped: "PREFETCH_TOP_N=0" };
  if (!config.edgeCache) return { warmed: 0, skipped: "EDGE_CACHE=off" };
  // Cache API keys carry the origin requests arrive on; a trigger has no request, so it must be told.
  if (publicOrigin === null) return { warmed: 0, skipped: "PUBLIC_ORIGIN is not set" };

  const version = await resolveVersion(config, storeFor(config), { fresh: true });
  const redis = redisFor(config);
  const published = await storeCall(config, "HGETALL prefetch", () => redis.hgetall(edgeKeys(config.keyPrefix).prefetch(version.id)));
  const writes: Promise<unknown>[] = [];
  const cache = new ForecastCache(config, publicOrigin, (work) => writes.push(work));
  let warmed = 0;
  for (const [cachePath, stored] of hashEntries(published).slice(0, prefetchTopN)) {
    if (!/^((bin[23]|f32)\/)?(s2\/)?h\d+\/grid\/[0-9a-f]{64}$/.test(cachePath)) continue;
    const gzip = fromBase64(stored) as Uint8Array<ArrayBuffer>;
    // The ETag is not part of the cached entry's use: routes derive it from the version and query.
    cache.put(cache.key(version.id, cachePath), { gzip, etag: `"${version.id}:${cachePath}"` });
    warmed++;
  }
  await Promise.all(writes);
  console.log(JSON.stringify({ level: "info", msg: "prefetch warmed", version: version.id, warmed, cron: event.cron }));
  return { warmed, version: version.id };
}
