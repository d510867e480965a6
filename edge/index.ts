// The forecast Worker: wiring only. Routes live one per file in routes/,
// middleware in middleware/, and every error becomes one JSON shape here.
import { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import { handleError, handleNotFound } from "./errors.ts";
import { access } from "./middleware/access.ts";
import { adminToken } from "./middleware/admin-token.ts";
import { cors } from "./middleware/cors.ts";
import { edgeContext } from "./middleware/edge-context.ts";
import { forecastVersion } from "./middleware/forecast-version.ts";
import { requestContext } from "./middleware/request-context.ts";
import { serverTiming } from "./middleware/server-timing.ts";
import { warmPrefetched } from "./prefetch-warm.ts";
import { adminRetrainRoute } from "./routes/admin-retrain.ts";
import { adminVersionsRoute } from "./routes/admin-versions.ts";
import { forecastRoute } from "./routes/forecast.ts";
import { gridRoute } from "./routes/grid.ts";
import { explorerRoute } from "./routes/explorer.ts";
import { healthRoute } from "./routes/health.ts";
import { historyRoute } from "./routes/history.ts";
import { metaRoute } from "./routes/meta.ts";
import { metricsRoute } from "./routes/metrics.ts";

import type { Env } from "./config.ts";

export type { Env };

const app = new Hono<AppEnv>();

app.use(requestContext(), cors(), serverTiming());

// Routes that read forecasts need the configuration, the store and a resolved
// version; registering them per path keeps unknown routes a plain 404.
for (const path of ["/v1/forecast", "/v1/forecast/:city/:store/:product", "/v1/meta", "/v1/history", "/v1/history/:city/:store/:product"]) {
  app.use(path, access(), edgeContext(), forecastVersion());
}
// Operations: the admin token (ADMIN_TOKEN) guards the admin routes and /metrics.
app.use("/v1/admin/*", adminToken());
app.use("/metrics", adminToken());

app.route("/", forecastRoute);
app.route("/", gridRoute);
app.route("/", metaRoute);
app.route("/", healthRoute);
app.route("/", historyRoute);
app.route("/", explorerRoute);
app.route("/", adminVersionsRoute);
app.route("/", adminRetrainRoute);
app.route("/", metricsRoute);

app.notFound(handleNotFound);
app.onError(handleError);

export default {
  fetch: app.fetch,
  // The Cron Trigger (wrangler.toml [triggers]) warms the cache for the hot grids.
  scheduled: (controller, env, ctx) => ctx.waitUntil(warmPrefetched(env, controller)),
} satisfies ExportedHandler<Env>;
