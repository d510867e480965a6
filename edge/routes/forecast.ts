// GET /v1/forecast/:city/:store/:product?h= — one series, its stored gzip
// bytes passed through as they were published (converted once when the
// version was stored in the other JSON shape, contract/shape.ts).
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { fromBase64 } from "../contract/codec.ts";
import { edgeKeys } from "../contract/edge-keys.ts";
import { seriesField } from "../contract/keys.ts";
import { fieldIdentity, shapedSeries } from "../contract/shape.ts";
import { NotFoundError } from "../errors.ts";
import { sampleHot } from "../hot-sample.ts";
import { forecastQuery, seriesParams } from "../params.ts";
import { describeForecast } from "../openapi/describe.ts";
import { describeRoutes } from "../openapi/documented.ts";
import { valid } from "../openapi/validate.ts";
import { serveForecast } from "../serve-forecast.ts";
import { stage } from "../timing.ts";
import { chooseVariant, variantHeaders, variantNow, variantMaxAge, variantPath } from "../variant.ts";
import { streamRefinement, wantsStream } from "./forecast-stream.ts";
import { withForecastContext } from "../middleware/forecast-context.ts";

export const forecastRoute = new Hono<AppEnv>().get("/forecast/:city/:store/:product", withForecastContext(async (c) => {
  const { city, store: storeCode, product } = valid(c, "param", seriesParams);
  const field = seriesField(city, storeCode, product);
  const { h } = valid(c, "query", forecastQuery);
  const config = c.get("config");
  const store = c.get("store");
  const version = c.get("version");
  if (wantsStream(c)) return streamRefinement(c, field, h);
  // mode=fast|accurate and PROPHET_ONLY pick the hash; see variant.ts.
  const variant = variantNow(c) ?? (await chooseVariant(c));

  const response = await serveForecast(c, {
    cachePath: variantPath(variant, `h${h}/${field}`),
    etag: `"${version.id}:${variantPath(variant, `h${h}`)}:${field}"`,
    headers: variantHeaders(variant),
    maxAgeSeconds: variantMaxAge(variant),
    load: async (shape) => {
      const started = performance.now();
      const stored = variant.tag ? (await store.variantMany(variant.tag, version.id, h, [field]))[0] : await store.series(version.id, h, field);
      stage(c, "store", started);
      if (stored === null || stored === undefined) {
        throw new NotFoundError("series_not_found", `no forecast for ${field} at h=${h} in version ${version.id}; GET /v1/meta lists the cities, stores and products`);
      }
      // fromBase64 allocates a fresh ArrayBuffer; the type just cannot say so. Stored bytes of the shape asked for pass through.
      return shapedSeries(fromBase64(stored) as Uint8Array<ArrayBuffer>, shape, fieldIdentity(field, version.id, h));
    },
  });
  // Sampled only once answered: a series that does not exist never reaches the hot set.
  sampleHot(edgeKeys(config.keyPrefix).hotSeries, `h${h}|${field}`, config.production.hotSampleRate);
  return response;
}));

describeRoutes(forecastRoute, { "GET /forecast/:city/:store/:product": describeForecast });
