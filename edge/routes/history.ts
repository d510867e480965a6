// GET /v1/history/:city/:store/:product — one series' recent actuals and
// backtest accuracy, published with the version (so readers need no database),
// its stored gzip bytes passed through. GET /v1/history?city=&store=&product=
// — many series in one store round trip, spliced like the forecast grid.
// History is JSON only: the binary format carries forecast arrays.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { fromBase64 } from "../contract/codec.ts";
import { sha256Hex } from "../contract/digest.ts";
import { seriesField } from "../contract/keys.ts";
import { NotFoundError } from "../errors.ts";
import { canonicalGridQuery, gridFields, planGrid, type GridQuery } from "../contract/grid.ts";
import { gridBody } from "../contract/grid-body.ts";
import { loadManifest } from "../manifest.ts";
import { historyGridQuery, seriesParams } from "../params.ts";
import { describeHistory, describeHistoryGrid } from "../openapi/describe.ts";
import { describeRoutes } from "../openapi/documented.ts";
import { valid } from "../openapi/validate.ts";
import { serveHistory } from "../serve-history.ts";
import { stage } from "../timing.ts";
import { withForecastContext } from "../middleware/forecast-context.ts";

export const historyRoute = new Hono<AppEnv>()
  .get("/history/:city/:store/:product", withForecastContext((c) => {
    const { city, store: storeCode, product } = valid(c, "param", seriesParams);
    const field = seriesField(city, storeCode, product);
    const store = c.get("store");
    const version = c.get("version");
    return serveHistory(c, {
      cachePath: `history/${field}`,
      etag: `"${version.id}:history:${field}"`,
      load: async () => {
        const started = performance.now();
        const stored = await store.history(version.id, field);
        stage(c, "store", started);
        if (stored === null) {
          throw new NotFoundError(
            "series_not_found",
            `no history for ${field} in version ${version.id}: the series is not in it, or the trainer published none (PUBLISHED_HISTORY_DAYS=0); GET /v1/meta lists the series`,
          );
        }
        return fromBase64(stored) as Uint8Array<ArrayBuffer>;
      },
    });
  }))
  .get("/history", withForecastContext(async (c) => {
    const query: GridQuery = valid(c, "query", historyGridQuery);
    const config = c.get("config");
    const store = c.get("store");
    const version = c.get("version");
    const digest = await sha256Hex(`${version.id}|history|${canonicalGridQuery(query)}`);

    return serveHistory(c, {
      cachePath: `history/grid/${digest}`,
      etag: `"${version.id}:history:grid-${digest.slice(0, 24)}"`,
      load: async () => {
        let started = performance.now();
        const loaded = await loadManifest(config, store, version.id);
        stage(c, "manifest", started);
        const fields = gridFields(planGrid(loaded, query, config.production.maxGridSeries));
        started = performance.now();
        const values = await store.historyMany(version.id, fields);
        stage(c, "store", started);
        const { origin, historyDays = 0 } = loaded.manifest;
        return gridBody({ version: version.id, origin, days: historyDays }, fields, values);
      },
    });
  }));

describeRoutes(historyRoute, { "GET /history/:city/:store/:product": describeHistory, "GET /history": describeHistoryGrid });
