// The cached read path the forecast and history answers share: 304 if the
// client holds the representation already, else memory → Cache API → a
// published body → the store, filling the caches on a miss, each stage
// recorded in Server-Timing. What representation is asked for is decided by
// the callers (serve-forecast.ts, serve-history.ts).
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { cacheKey, ForecastCache, remembered, type CacheTier, type RememberedBody } from "./forecast-cache.ts";
import { forecastResponse, notModified, type ForecastResponseOptions } from "./forecast-response.ts";
import { recordCache } from "./metrics.ts";
import { requestOrigin } from "./middleware/forecast-context.ts";
import { note, stage } from "./timing.ts";

export type Gzip = Uint8Array<ArrayBuffer>;

export interface CachedRead {
  /** The representation's path below the version in the cache key, e.g. `h30/c1/s1/p1` or `bin2/h30/grid/<digest>`. */
  path: string;
  /** Strong ETag of the representation's gzip body; derivable up front because versions never change. */
  etag: string;
  /** On a cache miss, before load: a ready-made body of this representation, or null. */
  published?: () => Promise<Gzip | null>;
  /** Reads and builds the gzip body on a cache miss (throws for 4xx/5xx). */
  load: () => Promise<Gzip>;
  options: ForecastResponseOptions;
}

export async function serveCached(c: Context<AppEnv>, { path, etag, published, load, options }: CachedRead): Promise<Response> {
  // `If-None-Match: *` waits for the body: it must not answer 304 for something that does not exist.
  const unchanged = notModified(c.req.raw, etag, options, false);
  if (unchanged) return unchanged;

  const config = c.get("config");
  const key = cacheKey(config, options.version.id, path);
  const started = performance.now();
  // The memory tier first, with no promise and no cache object for the request.
  const inMemory = remembered(config, key);
  if (inMemory) return hit(c, started, "memory", inMemory, etag, options);
  const cache = new ForecastCache(config, requestOrigin(c), (work) => c.executionCtx.waitUntil(work));
  const cached = cache.enabled ? await cache.get(key) : null;
  if (cached) return hit(c, started, cached.tier, cached.body, etag, options);
  stage(c, "cache", started, cache.enabled ? "miss" : "off");
  recordCache(cache.enabled ? "miss" : "off");
  const gzip = (await published?.()) ?? (await load());
  const body = { gzip, etag };
  const kept = cache.put(key, body);
  // Headers are kept for the next answer only when the body is kept.
  return forecastResponse(c.req.raw, body, options, cache.enabled ? kept : undefined);
}

function hit(c: Context<AppEnv>, started: number, tier: CacheTier, body: RememberedBody, etag: string, options: ForecastResponseOptions): Response {
  stage(c, "cache", started, "hit");
  note(c, "tier", tier);
  recordCache(options.version.stale === "if-error" ? "stale" : "hit", tier);
  return forecastResponse(c.req.raw, { gzip: body.gzip, etag }, options, body);
}
