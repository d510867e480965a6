import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeStored } from "../../edge/contract/codec.ts";
import { edgeKeys } from "../../edge/contract/edge-keys.ts";
import { memoryTier } from "../../edge/forecast-cache.ts";
import { canonicalGridQuery, gridCachePath, hotGridMember } from "../../edge/contract/grid.ts";
import worker from "../../edge/index.ts";
import { flushMetrics, resetIsolateMetrics } from "../../edge/metrics.ts";
import { edgeHarness, readJson, serverTiming, testBindings, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion } from "./publish.ts";

const CRON = "45 6 * * *";

describe("predictive prefetch: hot counters, published bodies, the Cron Trigger", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
    resetIsolateMetrics();
  });
  afterEach(() => edge.cleanup());

  async function runCron(env: Record<string, string>, cron = CRON): Promise<void> {
    const controller = createScheduledController({ scheduledTime: new Date(), cron });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, { ...testBindings, KEY_PREFIX: edge.prefix, ...env }, ctx);
    await waitOnExecutionContext(ctx);
  }

  it("samples grid and series requests into the store's hot counters", async () => {
    await publishVersion(edge.redis, catalogue(1, 2, 2), { prefix: edge.prefix });
    const env = { HOT_SAMPLE_RATE: "1", METRICS_FLUSH_SECONDS: "0" };
    await edge.get("/v1/forecast?city=c1&store=*&product=p2,p1&h=7", { env });
    await edge.get("/v1/forecast?city=c1&store=*&product=p1,p2&h=7", { env });
    await edge.get("/v1/forecast/c1/s2/p1?h=60", { env });
    const k = edgeKeys(edge.prefix);
    const member = hotGridMember(7, canonicalGridQuery({ city: ["c1"], store: "*", product: ["p1", "p2"] }));
    expect(Number(await edge.redis.zscore(k.hotGrids, member))).toBe(2);
    expect(Number(await edge.redis.zscore(k.hotSeries, "h60|c1/s2/p1"))).toBe(1);
    // HOT_SAMPLE_RATE=0 stops counting.
    await edge.get("/v1/forecast/c1/s1/p1?h=60", { env: { ...env, HOT_SAMPLE_RATE: "0" } });
    await flushMetrics(edge.redis as never, edge.prefix, 0, true);
    expect(await edge.redis.zscore(k.hotSeries, "h60|c1/s1/p1")).toBeNull();
  });

  it("the Cron Trigger puts the version's published bodies into the cache before the first request", async () => {
    const { version } = await publishVersion(edge.redis, catalogue(1, 2, 2), { prefix: edge.prefix });
    const canonical = canonicalGridQuery({ city: ["c1"], store: "*", product: "*" });
    // What the trainer publishes (trainer/publish/prefetch.ts); a marker payload proves the cache, not the store, answered.
    const { cachePath } = await gridCachePath(version, 30, canonical);
    const marker = { version, origin: "2026-10-31", h: 30, level: 0.8, series: [], missing: [], warmed: true };
    await edge.redis.hset(edgeKeys(edge.prefix).prefetch(version), { [`s2/${cachePath}`]: await encodeStored(marker) });
    const env = { PUBLIC_ORIGIN: "http://edge.test", PREFETCH_CRON: CRON };

    // Another trigger, or warming turned off, leaves the cache cold.
    await runCron(env, "0 * * * *");
    await runCron({ ...env, PREFETCH_CRON: "off" });
    memoryTier.clear();
    await runCron({ ...env, PUBLIC_ORIGIN: "" });
    expect(serverTiming(await edge.get("/v1/forecast?city=c1&store=*&product=p9&h=30"))).toMatchObject({ cache: "miss" });

    await runCron(env);
    memoryTier.clear();
    const res = await edge.get("/v1/forecast?city=c1&store=*&product=*&h=30");
    expect(serverTiming(res)).toMatchObject({ cache: "hit", tier: "edge" });
    expect(await readJson(res)).toEqual(marker);
  });
});
