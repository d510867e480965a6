// GET /v1/forecast/:city/:store/:product?h= — one series, its stored gzip
// bytes passed through as they were published.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { fromBase64 } from "../contract/codec.ts";
import { edgeKeys } from "../contract/edge-keys.ts";
import { seriesField } from "../contract/keys.ts";
import { NotFoundError } from "../errors.ts";
import { sampleHot } from "../metrics.ts";
import { parseCode, parseHorizon } from "../params.ts";
import { serveForecast } from "../serve-forecast.ts";
import { streamRefinement, wantsStream } from "./forecast-stream.ts";

export const forecastRoute = new Hono<AppEnv>().get("/v1/forecast/:city/:store/:product", (c) => {
  const field = seriesField(
    parseCode("city", c.req.param("city")),
    parseCode("store", c.req.param("store")),
    parseCode("product", c.req.param("product")),
  );
  const h = parseHorizon(c.req.query("h"));
  const { config, store, timing, version } = c.var;
  sampleHot(edgeKeys(config.keyPrefix).hotSeries, `h${h}|${field}`, config.production.hotSampleRate);
  if (wantsStream(c)) return streamRefinement(c, field, h);

  return serveForecast(c, {
    cachePath: `h${h}/${field}`,
    etag: `"${version.id}:h${h}:${field}"`,
    load: async () => {
      const stored = await timing.measure("store", () => store.series(version.id, h, field));
      if (stored === null) {
        throw new NotFoundError("series_not_found", `no forecast for ${field} at h=${h} in version ${version.id}; GET /v1/meta lists the cities, stores and products`);
      }
      // fromBase64 allocates a fresh ArrayBuffer; the type just cannot say so.
      return fromBase64(stored) as Uint8Array<ArrayBuffer>;
    },
  });
});
