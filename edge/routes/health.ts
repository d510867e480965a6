// GET /health — for load balancers and on-call: can this Worker serve? It
// reads the live pointer (or checks the pinned version) fresh from the store.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { readConfig } from "../config.ts";
import { ApiError, ConfigError, StoreUnavailableError, errorBody } from "../errors.ts";
import { storeFor } from "../store.ts";
import { resolveVersion } from "../version.ts";

const noStore = { "Cache-Control": "no-store" };

export const healthRoute = new Hono<AppEnv>().get("/health", async (c) => {
  try {
    const config = readConfig(c.env);
    const version = await c.var.timing.measure("store", () => resolveVersion(config, storeFor(config), { fresh: true }));
    return c.json({ status: "ok", version: version.id, pinned: version.pinned, store: "reachable" }, 200, noStore);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const store = err instanceof StoreUnavailableError ? "unreachable" : err instanceof ConfigError ? "unknown" : "reachable";
    return c.json({ status: "down", store, ...errorBody(err.code, err.message) }, 503, noStore);
  }
});
