// The read path both forecast routes share: 304 if the client holds the
// version's bytes already, else memory → Cache API → store, filling the
// caches on a miss, each stage recorded in Server-Timing.
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { BINARY_MEDIA_TYPE, binaryGzip, binaryTag, negotiateFormat } from "./binary-format.ts";
import { ForecastCache } from "./forecast-cache.ts";
import { forecastResponse, notModified } from "./forecast-response.ts";
import { recordCache } from "./metrics.ts";

export interface ServeForecastOptions {
  /** What is asked, below the version in the cache key, e.g. `h30/c1/s1/p1`. */
  cachePath: string;
  /** Strong ETag of the gzip body; derivable up front because versions never change. */
  etag: string;
  /** Reads and builds the gzip JSON body on a cache miss (throws for 4xx/5xx). */
  load: () => Promise<Uint8Array<ArrayBuffer>>;
  /** On a cache miss, before load: a ready-made body of the representation at this cache path, or null. */
  published?: (path: string) => Promise<Uint8Array<ArrayBuffer> | null>;
}

export async function serveForecast(c: Context<AppEnv>, { cachePath, etag, load, published }: ServeForecastOptions): Promise<Response> {
  const { config, timing, version } = c.var;
  const format = negotiateFormat(c.req.query("format"), c.req.header("Accept"), config.production.binaryFormat);
  const binary = format === "f32";
  const options = { version, cacheMaxAgeSeconds: config.cacheMaxAgeSeconds, contentType: binary ? BINARY_MEDIA_TYPE : undefined };
  const tag = binaryTag(config.production.binaryLayout);
  const representationEtag = binary ? `${etag.slice(0, -1)}.${tag}"` : etag;
  const unchanged = notModified(c.req.raw, representationEtag, options);
  if (unchanged) return unchanged;

  const cache = new ForecastCache(config, new URL(c.req.url).origin, (work) => c.executionCtx.waitUntil(work));
  const path = binary ? `${tag}/${cachePath}` : cachePath;
  const key = cache.key(version.id, path);
  const cached = await timing.measure("cache", () => cache.get(key), (hit) => (hit ? "hit" : cache.enabled ? "miss" : "off"));
  if (cached) {
    timing.add("tier", undefined, cached.tier);
    recordCache(version.stale === "if-error" ? "stale" : "hit", cached.tier);
    return forecastResponse(c.req.raw, { gzip: cached.gzip, etag: representationEtag }, options);
  }
  recordCache(cache.enabled ? "miss" : "off");
  const ready = await published?.(path);
  const gzip = ready ?? (binary ? binaryGzip(await load(), config.production.binaryLayout) : await load());
  const body = { gzip, etag: representationEtag };
  cache.put(key, body);
  return forecastResponse(c.req.raw, body, options);
}
