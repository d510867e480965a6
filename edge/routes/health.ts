// GET /health — for monitors and on-call: can this Worker serve, and is what
// it serves fresh? It reads the live pointer (or checks the pinned version)
// fresh from the store, then the version's age from its manifest:
//   ok    200  the version is younger than REFRESH_INTERVAL + HEALTH_GRACE
//   stale 503  it is older: the trainer has missed its refresh
//   down  503  the store cannot be reached or nothing is published
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { readConfig } from "../config.ts";
import { ApiError, ConfigError, StoreUnavailableError, errorBody } from "../errors.ts";
import { loadManifest } from "../manifest.ts";
import { storeFor } from "../store.ts";
import { resolveVersion } from "../version.ts";

const noStore = { "Cache-Control": "no-store" };

export const healthRoute = new Hono<AppEnv>().get("/health", async (c) => {
  try {
    const config = readConfig(c.env);
    const store = storeFor(config);
    const version = await c.var.timing.measure("store", () => resolveVersion(config, store, { fresh: true }));
    const { manifest } = await loadManifest(config, store, version.id);
    const ageSeconds = Math.max(0, Math.round((Date.now() - Date.parse(manifest.trainedAt)) / 1000));
    const { refreshIntervalSeconds, healthGraceSeconds } = config.production;
    const maxAgeSeconds = refreshIntervalSeconds + healthGraceSeconds;
    const status = ageSeconds > maxAgeSeconds ? "stale" : "ok";
    return c.json(
      { status, version: version.id, pinned: version.pinned, store: "reachable", trainedAt: manifest.trainedAt, ageSeconds, maxAgeSeconds },
      status === "ok" ? 200 : 503,
      noStore,
    );
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const store = err instanceof StoreUnavailableError ? "unreachable" : err instanceof ConfigError ? "unknown" : "reachable";
    return c.json({ status: "down", store, ...errorBody(err.code, err.message) }, 503, noStore);
  }
});
