// GET /v1/forecast/:city/:store/:product?h= — one series, its stored gzip
// bytes passed through as they were published.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { fromBase64 } from "../contract/codec.ts";
import { edgeKeys } from "../contract/edge-keys.ts";
import { seriesField } from "../contract/keys.ts";
import { NotFoundError } from "../errors.ts";
import { sampleHot } from "../metrics.ts";
import { chooseVariant, readVariant, variantPath, withVariantHeaders } from "../model-choice.ts";
import { parseCode, parseHorizon } from "../params.ts";
import { serveForecast } from "../serve-forecast.ts";
import { streamRefinement, wantsStream } from "./forecast-stream.ts";

export const forecastRoute = new Hono<AppEnv>().get("/v1/forecast/:city/:store/:product", async (c) => {
  const field = seriesField(
    parseCode("city", c.req.param("city")),
    parseCode("store", c.req.param("store")),
    parseCode("product", c.req.param("product")),
  );
  const h = parseHorizon(c.req.query("h"));
  const { config, store, timing, version } = c.var;
  sampleHot(edgeKeys(config.keyPrefix).hotSeries, `h${h}|${field}`, config.production.hotSampleRate);
  if (wantsStream(c)) return streamRefinement(c, field, h);
  // mode=fast|accurate and PROPHET_ONLY pick the hash; see model-choice.ts.
  const variant = await chooseVariant(c);

  return withVariantHeaders(await serveForecast(c, {
    cachePath: variantPath(variant, `h${h}/${field}`),
    etag: `"${version.id}:${variantPath(variant, `h${h}`)}:${field}"`,
    load: async () => {
      const stored = await timing.measure("store", async () => (variant.tag ? (await readVariant(config, variant, version.id, h, [field]))[0] : store.series(version.id, h, field)));
      if (stored === null) {
        throw new NotFoundError("series_not_found", `no forecast for ${field} at h=${h} in version ${version.id}; GET /v1/meta lists the cities, stores and products`);
      }
      // fromBase64 allocates a fresh ArrayBuffer; the type just cannot say so.
      return fromBase64(stored) as Uint8Array<ArrayBuffer>;
    },
  }), variant);
});
