// Forecast answers (a series or a grid) in the representation asked for: the
// JSON in the configured shape (FORECAST_SHAPE, contract/shape.ts), as stored
// or built, or the binary layout made from it (binary-format.ts), each cached
// and tagged apart (serve-cached.ts).
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { BINARY_MEDIA_TYPE, binaryGzip, binaryLayoutFor, binaryTag, negotiateFormat } from "./binary-format.ts";
import { shapeEtag, shapePath, type ForecastShape } from "./contract/shape.ts";
import { serveCached, type Gzip } from "./serve-cached.ts";

export interface ServeForecastOptions {
  /** What is asked, below the version in the cache key, e.g. `h30/c1/s1/p1` (shape 1's path; shapePath adds the shape). */
  cachePath: string;
  /** Strong ETag of the gzip JSON body in shape 1 (shapeEtag tags the others). */
  etag: string;
  /** Reads and builds the gzip JSON body of a shape on a cache miss (throws for 4xx/5xx). */
  load: (shape: ForecastShape) => Promise<Gzip>;
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
  const configured = config.production.forecastShape;
  if (!binary) {
    const path = shapePath(configured, cachePath);
    return serveCached(c, { path, etag: shapeEtag(configured, etag), published: published && (() => published(path)), load: () => load(configured), options });
  }
  const layout = binaryLayoutFor(configured, config.production.binaryLayout);
  // Layout 3 is made from shape 2; layouts 1 and 2 from shape 1, as before shape 2 existed.
  const shape: ForecastShape = layout === "v3" ? "v2" : "v1";
  const tag = binaryTag(layout);
  const path = `${tag}/${shapePath(shape, cachePath)}`;
  return serveCached(c, {
    path,
    etag: `${shapeEtag(shape, etag).slice(0, -1)}.${tag}"`,
    published: published && (() => published(path)),
    load: async () => binaryGzip(await load(shape), layout),
    options,
  });
}
