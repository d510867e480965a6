// The Hono environment every route and middleware of the Worker shares.
import type { RequestIdVariables } from "hono/request-id";
import type { TimingVariables } from "hono/timing";
import type { Env } from "./config.ts";
import type { AccessVariables } from "./middleware/access.ts";
import type { ForecastContextVariables } from "./middleware/forecast-context.ts";

export interface AppEnv {
  Bindings: Env;
  Variables: RequestIdVariables & TimingVariables & AccessVariables & ForecastContextVariables;
}
