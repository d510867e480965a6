// The Hono environment every route and middleware of the Worker shares.
import type { Env } from "./config.ts";
import type { EdgeContextVariables } from "./middleware/edge-context.ts";
import type { ForecastVersionVariables } from "./middleware/forecast-version.ts";
import type { RequestContextVariables } from "./middleware/request-context.ts";
import type { ServerTimingVariables } from "./middleware/server-timing.ts";

export interface AppEnv {
  Bindings: Env;
  Variables: EdgeContextVariables & ServerTimingVariables & ForecastVersionVariables & RequestContextVariables;
}
