// GET /v1/forecast?city=&store=&product=&h= — a grid of series in one store
// round trip (HMGET on the horizon hash), recompressed once.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { BadRequestError } from "../errors.ts";
import { edgeKeys } from "../contract/edge-keys.ts";
import { canonicalGridQuery, gridCachePath, gridFields, hotGridMember, planGrid, type GridPlan, type GridQuery } from "../grid.ts";
import { gridBody } from "../grid-body.ts";
import { loadManifest, type LoadedManifest } from "../manifest.ts";
import { publishedGridBody } from "../published-grid.ts";
import { sampleHot } from "../metrics.ts";
import { chooseVariant, readVariant, variantPath, withVariantHeaders } from "../model-choice.ts";
import { parseCodeList, parseHorizon } from "../params.ts";
import { serveForecast } from "../serve-forecast.ts";

export const gridRoute = new Hono<AppEnv>().get("/v1/forecast", async (c) => {
  const query: GridQuery = {
    city: parseCodeList("city", c.req.query("city")),
    store: parseCodeList("store", c.req.query("store")),
    product: parseCodeList("product", c.req.query("product")),
  };
  const h = parseHorizon(c.req.query("h"));
  const { config, store, timing, version } = c.var;
  const canonical = canonicalGridQuery(query);
  sampleHot(edgeKeys(config.keyPrefix).hotGrids, hotGridMember(h, canonical), config.production.hotSampleRate);
  const { cachePath, digest } = await gridCachePath(version.id, h, canonical);
  const maxSeries = config.production.maxGridSeries;
  // mode=fast|accurate and PROPHET_ONLY pick the hash; see model-choice.ts.
  const variant = await chooseVariant(c);
  let planning: Promise<{ loaded: LoadedManifest; plan: GridPlan }> | undefined;
  const planned = () => (planning ??= (async () => {
    const loaded = await timing.measure("manifest", () => loadManifest(config, store, version.id));
    const plan = planGrid(loaded, query);
    if (plan.size > maxSeries) {
      throw new BadRequestError(
        "grid_too_large",
        `the grid holds ${plan.size} series; at most ${maxSeries} per request (MAX_GRID_SERIES): narrow city, store or product, or split the request`,
      );
    }
    return { loaded, plan };
  })());

  return withVariantHeaders(await serveForecast(c, {
    cachePath: variantPath(variant, cachePath),
    etag: `"${version.id}:${variantPath(variant, `h${h}`)}:grid-${digest.slice(0, 24)}"`,
    // Bodies the trainer built with the version pass through (published-grid.ts); the size check still comes first.
    published: async (path) => (variant.tag ? null : publishedGridBody(config, (await planned()).loaded.manifest, { h, canonical, path }, timing)),
    load: async () => {
      const { loaded, plan } = await planned();
      const fields = gridFields(plan);
      const values = await timing.measure("store", () => (variant.tag ? readVariant(config, variant, version.id, h, fields) : store.seriesMany(version.id, h, fields)));
      const { origin, level } = loaded.manifest;
      return gridBody({ version: version.id, origin, h, level }, fields, values);
    },
  }), variant);
});

