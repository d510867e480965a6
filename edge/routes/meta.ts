// GET /v1/meta — the manifest of the version in use, and whether it is pinned.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { loadManifest } from "../manifest.ts";
import { stage } from "../timing.ts";
import { withForecastContext } from "../middleware/forecast-context.ts";
import { describeMeta } from "../openapi/describe.ts";
import { describeRoutes } from "../openapi/documented.ts";

export const metaRoute = new Hono<AppEnv>().get("/meta", withForecastContext(async (c) => {
  const config = c.get("config");
  const version = c.get("version");
  const started = performance.now();
  const loaded = await loadManifest(config, c.get("store"), version.id);
  stage(c, "manifest", started);
  // The stored manifest text is spliced in as is: it was JSON when published.
  // planLoadedAt: when the promotion plan these forecasts were made with was loaded (null: never, or PROMO_PLAN=off).
  const planLoadedAt = JSON.stringify(loaded.manifest.plan?.loadedAt ?? null);
  const body = `{"version":${JSON.stringify(version.id)},"pinned":${version.pinned},"planLoadedAt":${planLoadedAt},"manifest":${loaded.raw}}`;
  return c.body(body, 200, {
    "Content-Type": "application/json; charset=utf-8",
    // The version in use can move with the pointer, so caches keep this no longer than the isolate does.
    "Cache-Control": `public, max-age=${Math.floor(config.pointerTtlMs / 1000)}`,
    "X-Forecast-Version": version.id,
  });
}));

describeRoutes(metaRoute, { "GET /meta": describeMeta });
