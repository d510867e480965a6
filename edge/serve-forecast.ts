// Forecast answers (a series or a grid) in the representation asked for: the
// JSON as stored or built, or the binary layout made from it
// (binary-format.ts), each cached and tagged apart (serve-cached.ts).
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { BINARY_MEDIA_TYPE, binaryGzip, binaryTag, negotiateFormat } from "./binary-format.ts";
import { serveCached, type Gzip } from "./serve-cached.ts";

export interface ServeForecastOptions {
  /** What is asked, below the version in the cache key, e.g. `h30/c1/s1/p1`. */
  cachePath: string;
  /** Strong ETag of the gzip JSON body. */
  etag: string;
  /** Reads and builds the gzip JSON body on a cache miss (throws for 4xx/5xx). */
  load: () => Promise<Gzip>;
  /** On a cache miss, before load: a ready-made body of the representation at this cache path, or null. */
  published?: (path: string) => Promise<Gzip | null>;
  /** More headers for the answer (the variant served). */
  headers?: Readonly<Record<string, string>>;
  /** Overrides CACHE_MAX_AGE for the client's Cache-Control. */
  maxAgeSeconds?: number;
}

export function serveForecast(c: Context<AppEnv>, { cachePath, etag, load, published, headers, maxAgeSeconds }: ServeForecastOptions): Promise<Response> {
  const config = c.get("config");
  const binary = negotiateFormat(c.req.query("format"), c.req.header("Accept"), config.production.binaryFormat) === "f32";
  const options = {
    version: c.get("version"),
    cacheMaxAgeSeconds: maxAgeSeconds ?? config.cacheMaxAgeSeconds,
    contentType: binary ? BINARY_MEDIA_TYPE : undefined,
    headers,
  };
  if (!binary) return serveCached(c, { path: cachePath, etag, published: published && (() => published(cachePath)), load, options });
  const layout = config.production.binaryLayout;
  const tag = binaryTag(layout);
  const path = `${tag}/${cachePath}`;
  return serveCached(c, {
    path,
    etag: `${etag.slice(0, -1)}.${tag}"`,
    published: published && (() => published(path)),
    load: async () => binaryGzip(await load(), layout),
    options,
  });
}
