// GET /v1/history/:city/:store/:product — one series' recent actuals and
// backtest accuracy, published with the version (so readers need no database),
// its stored gzip bytes passed through. GET /v1/history?city=&store=&product=
// — many series in one store round trip, spliced like the forecast grid.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { fromBase64 } from "../contract/codec.ts";
import { seriesField } from "../contract/keys.ts";
import { BadRequestError, NotFoundError } from "../errors.ts";
import { canonicalGridQuery, gridFields, planGrid, type GridQuery } from "../grid.ts";
import { gridBody } from "../grid-body.ts";
import { loadManifest } from "../manifest.ts";
import { parseCode, parseCodeList } from "../params.ts";
import { serveForecast } from "../serve-forecast.ts";

export const historyRoute = new Hono<AppEnv>()
  .get("/v1/history/:city/:store/:product", (c) => {
    const field = seriesField(
      parseCode("city", c.req.param("city")),
      parseCode("store", c.req.param("store")),
      parseCode("product", c.req.param("product")),
    );
    const { store, timing, version } = c.var;
    return serveForecast(c, {
      cachePath: `history/${field}`,
      etag: `"${version.id}:history:${field}"`,
      load: async () => {
        const stored = await timing.measure("store", () => store.history(version.id, field));
        if (stored === null) {
          throw new NotFoundError(
            "series_not_found",
            `no history for ${field} in version ${version.id}: the series is not in it, or the trainer published none (PUBLISHED_HISTORY_DAYS=0); GET /v1/meta lists the series`,
          );
        }
        return fromBase64(stored) as Uint8Array<ArrayBuffer>;
      },
    });
  })
  .get("/v1/history", async (c) => {
    const query: GridQuery = {
      city: parseCodeList("city", c.req.query("city")),
      store: parseCodeList("store", c.req.query("store")),
      product: parseCodeList("product", c.req.query("product")),
    };
    const { config, store, timing, version } = c.var;
    const canonical = new TextEncoder().encode(`${version.id}|history|${canonicalGridQuery(query)}`);
    const digest = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", canonical)), (b) => b.toString(16).padStart(2, "0")).join("");

    return serveForecast(c, {
      cachePath: `history/grid/${digest}`,
      etag: `"${version.id}:history:grid-${digest.slice(0, 24)}"`,
      load: async () => {
        const loaded = await timing.measure("manifest", () => loadManifest(config, store, version.id));
        const plan = planGrid(loaded, query);
        const maxSeries = config.production.maxGridSeries;
        if (plan.size > maxSeries) {
          throw new BadRequestError(
            "grid_too_large",
            `the request names ${plan.size} series; at most ${maxSeries} per request (MAX_GRID_SERIES): narrow city, store or product, or split the request`,
          );
        }
        const fields = gridFields(plan);
        const values = await timing.measure("store", () => store.historyMany(version.id, fields));
        const { origin, historyDays = 0 } = loaded.manifest;
        return gridBody({ version: version.id, origin, days: historyDays }, fields, values);
      },
    });
  });
