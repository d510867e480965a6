// GET /v1/forecast?city=&store=&product=&h= — a grid of series in one store
// round trip (HMGET on the horizon hash), recompressed once.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { BadRequestError } from "../errors.ts";
import { canonicalGridQuery, gridFields, MAX_GRID_SERIES, planGrid, type GridQuery } from "../grid.ts";
import { gridBody } from "../grid-body.ts";
import { loadManifest } from "../manifest.ts";
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
  // Grid queries can be long, so the cache key and ETag use a digest of the canonical form.
  const digest = await sha256Hex(`${version.id}|h${h}|${canonicalGridQuery(query)}`);

  return serveForecast(c, {
    cachePath: `h${h}/grid/${digest}`,
    etag: `"${version.id}:h${h}:grid-${digest.slice(0, 24)}"`,
    load: async () => {
      const loaded = await timing.measure("manifest", () => loadManifest(config, store, version.id));
      const plan = planGrid(loaded, query);
      if (plan.size > MAX_GRID_SERIES) {
        throw new BadRequestError(
          "grid_too_large",
          `the grid holds ${plan.size} series; at most ${MAX_GRID_SERIES} per request: narrow city, store or product, or split the request`,
        );
      }
      const fields = gridFields(plan);
      const values = await timing.measure("store", () => store.seriesMany(version.id, h, fields));
      const { origin, level } = loaded.manifest;
      return gridBody({ version: version.id, origin, h, level }, fields, values);
    },
  });
});

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
