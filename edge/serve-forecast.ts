// The read path the forecast, grid and history routes share: 304 if the
// client holds the version's bytes already, else memory → Cache API → store,
// filling the caches on a miss, each stage recorded in Server-Timing.
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { BINARY_MEDIA_TYPE, binaryGzip, binaryTag, negotiateFormat } from "./binary-format.ts";
import { BadRequestError } from "./errors.ts";
import { cacheKey, ForecastCache, remembered, type CacheTier, type RememberedBody } from "./forecast-cache.ts";
import { forecastResponse, notModified, type ForecastResponseOptions } from "./forecast-response.ts";
import { recordCache } from "./metrics.ts";
import { requestOrigin } from "./middleware/forecast-context.ts";
import { note, stage } from "./timing.ts";

type Gzip = Uint8Array<ArrayBuffer>;

export interface ServeForecastOptions {
  /** What is asked, below the version in the cache key, e.g. `h30/c1/s1/p1`. */
  cachePath: string;
  /** Strong ETag of the gzip body; derivable up front because versions never change. */
  etag: string;
  /** Reads and builds the gzip JSON body on a cache miss (throws for 4xx/5xx). */
  load: () => Promise<Gzip>;
  /** On a cache miss, before load: a ready-made body of the representation at this cache path, or null. */
  published?: (path: string) => Promise<Gzip | null>;
  /** False: JSON only (history); format=f32 is refused and Accept ignored. */
  binary?: boolean;
  /** More headers for the answer (the variant served). */
  headers?: Record<string, string>;
  /** Overrides CACHE_MAX_AGE for the client's Cache-Control. */
  maxAgeSeconds?: number;
}

export async function serveForecast(c: Context<AppEnv>, { cachePath, etag, load, published, binary: offered = true, headers, maxAgeSeconds }: ServeForecastOptions): Promise<Response> {
  const config = c.get("config");
  const version = c.get("version");
  const format = negotiateFormat(c.req.query("format"), offered ? c.req.header("Accept") : null, config.production.binaryFormat);
  if (format === "f32" && !offered) throw new BadRequestError("bad_format", "this route answers in JSON only: drop format=f32 (the binary format carries forecasts)");
  const binary = format === "f32";
  const options: ForecastResponseOptions = {
    version,
    cacheMaxAgeSeconds: maxAgeSeconds ?? config.cacheMaxAgeSeconds,
    contentType: binary ? BINARY_MEDIA_TYPE : undefined,
    headers,
  };
  const layout = config.production.binaryLayout;
  const tag = binaryTag(layout);
  const representationEtag = binary ? `${etag.slice(0, -1)}.${tag}"` : etag;
  // `If-None-Match: *` waits for the body: it must not answer 304 for something that does not exist.
  const unchanged = notModified(c.req.raw, representationEtag, options, false);
  if (unchanged) return unchanged;

  const path = binary ? `${tag}/${cachePath}` : cachePath;
  const key = cacheKey(config, version.id, path);
  const started = performance.now();
  // The memory tier first, with no promise and no cache object for the request.
  const inMemory = remembered(config, key);
  if (inMemory) return hit(c, started, "memory", inMemory, representationEtag, options);
  const cache = new ForecastCache(config, requestOrigin(c), (work) => c.executionCtx.waitUntil(work));
  const cached = await cache.get(key);
  if (cached) return hit(c, started, cached.tier, cached.body, representationEtag, options);
  stage(c, "cache", started, cache.enabled ? "miss" : "off");
  recordCache(cache.enabled ? "miss" : "off");
  const ready = await published?.(path);
  const gzip = ready ?? (binary ? binaryGzip(await load(), layout) : await load());
  const body = { gzip, etag: representationEtag };
  return forecastResponse(c.req.raw, body, options, cache.put(key, body));
}

function hit(c: Context<AppEnv>, started: number, tier: CacheTier, body: RememberedBody, etag: string, options: ForecastResponseOptions): Response {
  stage(c, "cache", started, "hit");
  note(c, "tier", tier);
  recordCache(options.version.stale === "if-error" ? "stale" : "hit", tier);
  return forecastResponse(c.req.raw, { gzip: body.gzip, etag }, options, body);
}
