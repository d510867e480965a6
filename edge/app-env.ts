// The Hono environment every route and middleware of the Worker shares.
import type { Env } from "./config.ts";
import type { AccessVariables } from "./middleware/access.ts";
import type { ForecastContextVariables } from "./middleware/forecast-context.ts";
import type { FrameVariables } from "./middleware/request-frame.ts";

export interface AppEnv {
  Bindings: Env;
  Variables: FrameVariables & AccessVariables & ForecastContextVariables;
}
