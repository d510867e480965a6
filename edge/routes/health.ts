// GET /health — for monitors and on-call: can this Worker serve, and is what
// it serves fresh? It reads the live pointer (or checks the pinned version)
// from the store, then the version's age from its manifest:
//   ok    200  the version is younger than REFRESH_INTERVAL + HEALTH_GRACE
//   stale 503  it is older: the trainer has missed its refresh
//   down  503  the store cannot be reached or nothing is published
// Anyone may call it, so an isolate answers from its last check for
// HEALTH_MEMO_MS: a flood of health checks costs the store one read a second.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { readConfig, type EdgeConfig } from "../config.ts";
import { ApiError, ConfigError, StoreUnavailableError, errorBody } from "../errors.ts";
import { loadManifest } from "../manifest.ts";
import { storeFor } from "../store.ts";
import { stage } from "../timing.ts";
import { resolveVersion } from "../version.ts";
import { describeHealth } from "../openapi/describe.ts";
import { describeRoutes } from "../openapi/documented.ts";

const noStore = { "Cache-Control": "no-store" };
export const HEALTH_MEMO_MS = 1000;

interface Checked {
  at: number;
  status: 200 | 503;
  body: Record<string, unknown>;
}

const checked = new WeakMap<EdgeConfig, Checked>();

async function check(config: EdgeConfig): Promise<Omit<Checked, "at">> {
  const store = storeFor(config);
  const version = await resolveVersion(config, store, { fresh: true });
  const { manifest } = await loadManifest(config, store, version.id);
  const ageSeconds = Math.max(0, Math.round((Date.now() - Date.parse(manifest.trainedAt)) / 1000));
  const { refreshIntervalSeconds, healthGraceSeconds } = config.production;
  const maxAgeSeconds = refreshIntervalSeconds + healthGraceSeconds;
  const status = ageSeconds > maxAgeSeconds ? "stale" : "ok";
  return {
    status: status === "ok" ? 200 : 503,
    body: { status, version: version.id, pinned: version.pinned, store: "reachable", trainedAt: manifest.trainedAt, ageSeconds, maxAgeSeconds },
  };
}

function down(err: ApiError): Omit<Checked, "at"> {
  const store = err instanceof StoreUnavailableError ? "unreachable" : err instanceof ConfigError ? "unknown" : "reachable";
  if (err instanceof ConfigError) console.warn(`${err.code}: ${err.detail}`);
  return { status: 503, body: { status: "down", store, ...errorBody(err.code, err.message) } };
}

export const healthRoute = new Hono<AppEnv>().get("/health", async (c) => {
  let config: EdgeConfig;
  try {
    config = readConfig(c.env);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const { status, body } = down(err);
    return c.json(body, status, noStore);
  }
  let answer = checked.get(config);
  if (!answer || Date.now() - answer.at >= HEALTH_MEMO_MS) {
    const started = performance.now();
    try {
      answer = { at: Date.now(), ...(await check(config)) };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      answer = { at: Date.now(), ...down(err) };
    }
    stage(c, "store", started);
    checked.set(config, answer);
  }
  return c.json(answer.body, answer.status, noStore);
});

describeRoutes(healthRoute, { "GET /health": describeHealth });
