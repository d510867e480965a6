// GET /v1/forecast?city=&store=&product=&h= — a grid of series in one store
// round trip (HMGET on the horizon hash), recompressed once.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { edgeKeys } from "../contract/edge-keys.ts";
import { canonicalGridQuery, checkGridSize, gridCachePath, rememberedGridPath, gridFields, hotGridMember, manifestHolds, planGrid, type GridQuery } from "../contract/grid.ts";
import { gridBody } from "../contract/grid-body.ts";
import { fieldIdentity, gridEntryText } from "../contract/shape.ts";
import { loadedManifest, loadManifest, type LoadedManifest } from "../manifest.ts";
import { publishedGridBody } from "../published-grid.ts";
import { sampleHot } from "../hot-sample.ts";
import { gridQuery } from "../params.ts";
import { describeGrid } from "../openapi/describe.ts";
import { describeRoutes } from "../openapi/documented.ts";
import { valid } from "../openapi/validate.ts";
import { serveForecast } from "../serve-forecast.ts";
import { stage } from "../timing.ts";
import { chooseVariant, variantHeaders, variantNow, variantMaxAge, variantPath } from "../variant.ts";
import { withForecastContext } from "../middleware/forecast-context.ts";

export const gridRoute = new Hono<AppEnv>().get("/forecast", withForecastContext(async (c) => {
  const { city, store: storeCodes, product, h } = valid(c, "query", gridQuery);
  const query: GridQuery = { city, store: storeCodes, product };
  const config = c.get("config");
  const store = c.get("store");
  const version = c.get("version");
  const canonical = canonicalGridQuery(query);
  const { cachePath, digest } = rememberedGridPath(version.id, h, canonical) ?? (await gridCachePath(version.id, h, canonical));
  // mode=fast|accurate and PROPHET_ONLY pick the hash; see variant.ts.
  const variant = variantNow(c) ?? (await chooseVariant(c));
  // On a miss: the manifest, and the size check before anything else is read.
  let checking: Promise<LoadedManifest> | undefined;
  const checked = () => (checking ??= (async () => {
    const started = performance.now();
    const loaded = await loadManifest(config, store, version.id);
    stage(c, "manifest", started);
    checkGridSize(loaded, query, config.production.maxGridSeries);
    return loaded;
  })());

  const response = await serveForecast(c, {
    cachePath: variantPath(variant, cachePath),
    etag: `"${version.id}:${variantPath(variant, `h${h}`)}:grid-${digest.slice(0, 24)}"`,
    headers: variantHeaders(variant),
    maxAgeSeconds: variantMaxAge(variant),
    // Bodies the trainer built with the version pass through (published-grid.ts); the size check still comes first.
    published: async (path) => (variant.tag ? null : publishedGridBody(config, (await checked()).manifest, { h, canonical, path }, c)),
    load: async (shape) => {
      const loaded = await checked();
      const fields = gridFields(planGrid(loaded, query));
      const started = performance.now();
      const values = await (variant.tag ? store.variantMany(variant.tag, version.id, h, fields) : store.seriesMany(version.id, h, fields));
      stage(c, "store", started);
      const { origin, level } = loaded.manifest;
      return gridBody({ version: version.id, origin, h, level }, fields, values, { entry: (text, field) => gridEntryText(text, shape, fieldIdentity(field, version.id, h)) });
    },
  });
  // Sampled only once answered, and only for grids of known codes: made-up queries never reach the hot set.
  sampleHot(edgeKeys(config.keyPrefix).hotGrids, hotGridMember(h, canonical), config.production.hotSampleRate, () => {
    const loaded = loadedManifest(config, version.id);
    return loaded !== undefined && manifestHolds(loaded, query);
  });
  return response;
}));

describeRoutes(gridRoute, { "GET /forecast": describeGrid });
