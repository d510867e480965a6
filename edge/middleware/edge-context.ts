// Reads the validated configuration and the store client for this request.
// Both are built once per isolate; a bad environment fails here, with every
// problem listed, before any route runs.
import type { MiddlewareHandler } from "hono";
import { readConfig, type EdgeConfig, type Env } from "../config.ts";
import { storeFor, type ForecastStore } from "../store.ts";

export interface EdgeContextVariables {
  config: EdgeConfig;
  store: ForecastStore;
}

export interface EdgeContextOptions {
  /** How a configuration gets its store; tests and benchmarks may swap it. */
  store?: (config: EdgeConfig) => ForecastStore;
}

export function edgeContext(options: EdgeContextOptions = {}): MiddlewareHandler<{ Bindings: Env; Variables: EdgeContextVariables }> {
  const makeStore = options.store ?? storeFor;
  return async function edgeContextMiddleware(c, next) {
    const config = readConfig(c.env);
    c.set("config", config);
    c.set("store", makeStore(config));
    await next();
  };
}
