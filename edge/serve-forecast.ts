// The read path both forecast routes share: 304 if the client holds the
// version's bytes already, else memory → Cache API → store, filling the
// caches on a miss, each stage recorded in Server-Timing.
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { ForecastCache } from "./forecast-cache.ts";
import { forecastResponse, notModified } from "./forecast-response.ts";

export interface ServeForecastOptions {
  /** What is asked, below the version in the cache key, e.g. `h30/c1/s1/p1`. */
  cachePath: string;
  /** Strong ETag of the gzip body; derivable up front because versions never change. */
  etag: string;
  /** Reads and builds the gzip body on a cache miss (throws for 4xx/5xx). */
  load: () => Promise<Uint8Array<ArrayBuffer>>;
}

export async function serveForecast(c: Context<AppEnv>, { cachePath, etag, load }: ServeForecastOptions): Promise<Response> {
  const { config, timing, version } = c.var;
  const options = { version, cacheMaxAgeSeconds: config.cacheMaxAgeSeconds };
  const unchanged = notModified(c.req.raw, etag, options);
  if (unchanged) return unchanged;

  const cache = new ForecastCache(config, new URL(c.req.url).origin, (work) => c.executionCtx.waitUntil(work));
  const key = cache.key(version.id, cachePath);
  const cached = await timing.measure("cache", () => cache.get(key), (hit) => (hit ? "hit" : cache.enabled ? "miss" : "off"));
  if (cached) {
    timing.add("tier", undefined, cached.tier);
    return forecastResponse(c.req.raw, { gzip: cached.gzip, etag }, options);
  }
  const body = { gzip: await load(), etag };
  cache.put(key, body);
  return forecastResponse(c.req.raw, body, options);
}
