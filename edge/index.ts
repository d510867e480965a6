// The forecast Worker: wiring only. Routes live one per file in routes/,
// middleware in middleware/, and every error becomes one JSON shape here.
import { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import { handleError, handleNotFound } from "./errors.ts";
import { edgeContext } from "./middleware/edge-context.ts";
import { forecastVersion } from "./middleware/forecast-version.ts";
import { serverTiming } from "./middleware/server-timing.ts";
import { forecastRoute } from "./routes/forecast.ts";
import { gridRoute } from "./routes/grid.ts";
import { healthRoute } from "./routes/health.ts";
import { metaRoute } from "./routes/meta.ts";

export type { Env } from "./config.ts";

const app = new Hono<AppEnv>();

app.use(serverTiming());

// Routes that read forecasts need the configuration, the store and a resolved
// version; registering them per path keeps unknown routes a plain 404.
for (const path of ["/v1/forecast", "/v1/forecast/:city/:store/:product", "/v1/meta"]) {
  app.use(path, edgeContext(), forecastVersion());
}

app.route("/", forecastRoute);
app.route("/", gridRoute);
app.route("/", metaRoute);
app.route("/", healthRoute);

app.notFound(handleNotFound);
app.onError(handleError);

export default app;
