// The forecast Worker: wiring only. Routes live one per file in routes/,
// middleware in middleware/, and every error becomes one JSON shape here.
import { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import type { Env } from "./config.ts";
import { handleError, handleNotFound } from "./errors.ts";
import { adminToken } from "./middleware/admin-token.ts";
import { requestFrame } from "./middleware/request-frame.ts";
import { warmPrefetched } from "./prefetch-warm.ts";
import { adminBodyLimit } from "./routes/admin-body.ts";
import { adminRetrainRoute } from "./routes/admin-retrain.ts";
import { adminVersionsRoute } from "./routes/admin-versions.ts";
import { explorerRoute } from "./routes/explorer.ts";
import { forecastRoute } from "./routes/forecast.ts";
import { gridRoute } from "./routes/grid.ts";
import { healthRoute } from "./routes/health.ts";
import { historyRoute } from "./routes/history.ts";
import { metaRoute } from "./routes/meta.ts";
import { metricsRoute } from "./routes/metrics.ts";
import { docsPageRoute, DOCS_PATH, openApiRoute, type Documented } from "./openapi/reference.ts";

export type { Env };
// The Hono app itself, for what reads its routes (the OpenAPI test).
export { app };

// Everything under /v1: the key and the rate limit are decided first by the
// request frame for every path under /v1 (middleware/access.ts), so a route
// added here is guarded without being listed. Admin routes add the admin
// token; read routes take the forecast context (middleware/forecast-context.ts)
// themselves.
const api = new Hono<AppEnv>()
  .use("/admin/*", adminToken(), adminBodyLimit())
  .route("/", forecastRoute)
  .route("/", gridRoute)
  .route("/", metaRoute)
  .route("/", historyRoute)
  .route("/", adminVersionsRoute)
  .route("/", adminRetrainRoute)
  .route("/", openApiRoute((): Documented => app));

// The frame runs CORS first, so every answer carries its headers, refusals
// included; then the key and the limit for /v1 and the reference page.
const app = new Hono<AppEnv>()
  .use(requestFrame())
  .route("/v1", api)
  .use("/metrics", adminToken())
  .route("/", metricsRoute)
  .route("/", healthRoute)
  .route("/", docsPageRoute)
  .route("/", explorerRoute);

app.notFound(handleNotFound);
app.onError(handleError);

export default {
  fetch: app.fetch,
  // The Cron Trigger (wrangler.toml [triggers]) warms the cache for the hot grids.
  scheduled: (controller, env, ctx) => ctx.waitUntil(warmPrefetched(env, controller)),
} satisfies ExportedHandler<Env>;
