// GET /metrics — Prometheus text of the counters every isolate adds to the
// store (see metrics.ts); this isolate's own counts are added first.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { edgeKeys } from "../contract/edge-keys.ts";
import { readConfig } from "../config.ts";
import { flushMetrics, renderMetrics } from "../metrics.ts";
import { hashEntries, redisFor, storeCall } from "../store.ts";
import { describeMetrics } from "../openapi/describe.ts";
import { describeRoutes } from "../openapi/documented.ts";

export const metricsRoute = new Hono<AppEnv>().get("/metrics", async (c) => {
  const config = readConfig(c.env);
  const redis = redisFor(config);
  await storeCall(config, "flush metrics", () => flushMetrics(redis, config.keyPrefix, 0, true));
  const stored = await storeCall(config, "HGETALL metrics", () => redis.hgetall(edgeKeys(config.keyPrefix).metrics));
  return c.body(renderMetrics(Object.fromEntries(hashEntries(stored))), 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store" });
});

describeRoutes(metricsRoute, { "GET /metrics": describeMetrics });
