// Abuse cases: what an anonymous caller on the internet can make the Worker
// do, and the bounds that hold. Each test drives the Worker the way an
// attacker would and checks what was spent or refused.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { issueApiKey } from "../../edge/contract/api-keys.ts";
import { encodeStored } from "../../edge/contract/codec.ts";
import { edgeKeys } from "../../edge/contract/edge-keys.ts";
import { keys } from "../../edge/contract/keys.ts";
import { planGrid } from "../../edge/contract/grid.ts";
import { HOT_SET_MAX, MAX_MEMBERS_PER_FLUSH, sampleHot } from "../../edge/hot-sample.ts";
import app from "../../edge/index.ts";
import { describeManifest } from "../../edge/manifest.ts";
import { flushMetrics, resetIsolateMetrics } from "../../edge/metrics.ts";
import { edgeHarness, readJson, serverTiming, testBindings, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion } from "./publish.ts";

const ADMIN = "admin-token-for-tests-0123456789";
/** The test binding allows 3 requests a minute per client (vitest.edge.config.ts). */
const limited = { RATE_LIMITER: testBindings.TEST_RATE_LIMITER, RATE_LIMIT: "3", RATE_LIMIT_WINDOW: "60" };

describe("abuse: what an anonymous caller can make the Worker spend", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
    resetIsolateMetrics();
  });
  afterEach(() => edge.cleanup());

  const code = async (res: Response) => (await readJson(res)).error.code as string;

  it("made-up grids and series that do not exist never reach the hot sets in the store", async () => {
    await publishVersion(edge.redis, catalogue(2, 2, 2), { prefix: edge.prefix });
    const env = { HOT_SAMPLE_RATE: "1", METRICS_FLUSH_SECONDS: "0" };
    for (let i = 0; i < 20; i++) {
      // Valid-looking codes the manifest does not hold: answered (with `missing`), never sampled.
      expect((await edge.get(`/v1/forecast?city=c1&store=x${i}&product=p1&h=30`, { env })).status).toBe(200);
      expect((await edge.get(`/v1/forecast/c1/s1/nope${i}?h=30`, { env })).status).toBe(404);
    }
    await edge.get("/v1/forecast?city=c1&store=*&product=*&h=30", { env });
    await edge.get("/v1/forecast/c1/s1/p1?h=30", { env });
    await flushMetrics(edge.redis as never, edge.prefix, 0, true);
    const k = edgeKeys(edge.prefix);
    expect(await edge.redis.zrange(k.hotGrids, 0, -1)).toEqual(["h30|city=c1&store=*&product=*"]);
    expect(await edge.redis.zrange(k.hotSeries, 0, -1)).toEqual(["h30|c1/s1/p1"]);
  });

  it("an isolate holds a bounded number of hot members per flush, and each hot set is cut back to HOT_SET_MAX", async () => {
    const key = edgeKeys(edge.prefix).hotGrids;
    for (let i = 0; i < MAX_MEMBERS_PER_FLUSH + 50; i++) sampleHot(key, `h30|city=c${i}&store=*&product=*`, 1);
    await flushMetrics(edge.redis as never, edge.prefix, 0, true);
    expect(await edge.redis.zcard(key)).toBe(MAX_MEMBERS_PER_FLUSH);

    // A set already at its cap: new members push the coldest out, the hottest stay.
    const pipeline = edge.redis.pipeline();
    for (let i = 0; i < HOT_SET_MAX; i++) pipeline.zadd(key, { score: 1000 + i, member: `h7|city=full${i}&store=*&product=*` });
    await pipeline.exec();
    for (let i = 0; i < 10; i++) sampleHot(key, `h60|city=late${i}&store=*&product=*`, 1);
    await flushMetrics(edge.redis as never, edge.prefix, 0, true);
    expect(await edge.redis.zcard(key)).toBe(HOT_SET_MAX);
    expect(await edge.redis.zscore(key, `h7|city=full${HOT_SET_MAX - 1}&store=*&product=*`)).not.toBeNull();
  });

  it("the rate limit is decided before any work: a refused request reads nothing", async () => {
    await publishVersion(edge.redis, catalogue(1, 1, 4), { prefix: edge.prefix });
    const headers = { "CF-Connecting-IP": "198.51.100.1" };
    for (let i = 1; i <= 3; i++) expect((await edge.get(`/v1/forecast/c1/s1/p${i}`, { env: limited, headers })).status).toBe(200);
    const refused = await edge.get("/v1/forecast/c1/s1/p4", { env: limited, headers });
    expect(refused.status).toBe(429);
    // No pointer, cache or store stage ran for it.
    expect(Object.keys(serverTiming(refused))).toEqual(["total"]);
  });

  it("random API keys are refused without a store read each, and limited by client address first", async () => {
    await publishVersion(edge.redis, catalogue(1, 1, 1), { prefix: edge.prefix });
    const real = await issueApiKey(edge.redis, edge.prefix, "dashboard");
    expect((await edge.get("/v1/forecast/c1/s1/p1", { headers: { "X-API-Key": real.key } })).status).toBe(200);
    // Counted from here: the key index is in the isolate's memory now.
    const storeCalls = async () => {
      await flushMetrics(edge.redis as never, edge.prefix, 0, true);
      return Number((await edge.redis.hget<string>(edgeKeys(edge.prefix).metrics, "forecast_store_latency_ms_count")) ?? 0);
    };
    const before = await storeCalls();
    const random = (i: number) => `fk_${String(i).padStart(8, "r")}_${"Z".repeat(32)}`;
    for (let i = 0; i < 20; i++) {
      expect(await code(await edge.get("/v1/forecast/c1/s1/p1", { headers: { "X-API-Key": random(i), "CF-Connecting-IP": `198.51.100.${i}` } }))).toBe("api_key_invalid");
    }
    // At most one re-read of the index (a key issued a moment ago must work within seconds); never one per key.
    expect((await storeCalls()) - before).toBeLessThanOrEqual(1);
    // The real key still works, and one address sending random keys is limited like any other caller.
    expect((await edge.get("/v1/forecast/c1/s1/p1", { headers: { "X-API-Key": real.key } })).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await edge.get("/v1/forecast/c1/s1/p1", { env: limited, headers: { "X-API-Key": random(i), "CF-Connecting-IP": "198.51.100.99" } })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it("everything under /v1 is behind the key and the limit, routes nobody listed included", async () => {
    const env = { REQUIRE_API_KEY: "on" };
    expect(await code(await edge.get("/v1/not-a-route", { env }))).toBe("api_key_required");
    expect(await code(await edge.get("/v1/forecast/c1/s1/p1/extra", { env }))).toBe("api_key_required");
    // Admin routes count against the limit too (the admin token, not an API key, is their credential).
    const admin = { ...limited, ADMIN_TOKEN: ADMIN };
    const headers = { Authorization: `Bearer ${ADMIN}`, "CF-Connecting-IP": "198.51.100.50" };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await edge.get("/v1/admin/versions", { env: admin, headers })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it("a grid is counted before it is built: unknown stores × many cities are refused without pairing them", () => {
    const loaded = describeManifest("", {
      version: "20260101T000000Z-abcd", runId: 1, trainedAt: "2026-01-01T00:00:00Z", origin: "2025-12-31",
      horizons: [7, 30, 60], level: 0.8, series: 1, failed: 0, models: {},
      dimensions: { cities: [{ code: "c1", name: "C1" }], stores: [{ code: "s1", city: "c1", name: "S1" }], products: [{ code: "p1", name: "P1" }] },
    });
    const cities = Array.from({ length: 1000 }, (_, i) => `c${i}`);
    const stores = Array.from({ length: 1000 }, (_, i) => `x${i}`);
    // 1,000 unknown stores pair with each of 1,000 cities: a million locations if built first.
    expect(() => planGrid(loaded, { city: cities, store: stores, product: ["p1"] }, 1000)).toThrow(/names 1000000 series; at most 1000/);
    expect(planGrid(loaded, { city: ["c1"], store: ["s1", "x1"], product: ["p1"] }, 1000).size).toBe(2);
  });

  it("a refinement stream ends for good: a reconnect after `end` gets 204, and its polls count against the limit", async () => {
    const { version } = await publishVersion(edge.redis, catalogue(1, 1, 1), { prefix: edge.prefix });
    const done = await edge.get("/v1/forecast/c1/s1/p1?h=7&mode=accurate&stream=1", {
      env: { STREAM_WAIT_MS: "0" },
      headers: { "Last-Event-ID": `${version}:end` },
    });
    expect(done.status).toBe(204);
    // The stream's own final event carries that id, and a long retry for clients that miss the 204.
    const ended = await (await edge.get("/v1/forecast/c1/s1/p1?h=7&mode=accurate&stream=1", { env: { STREAM_WAIT_MS: "0" } })).text();
    expect(ended).toContain(`id: ${version}:end`);
    expect(ended).toContain("retry: 60000");

    // 3 a minute: the stream's request is one, its first two polls the next two, the third is refused.
    const stream = await edge.get("/v1/forecast/c1/s1/p1?h=7&mode=accurate&stream=1", {
      env: { ...limited, STREAM_WAIT_MS: "10000" },
      headers: { "CF-Connecting-IP": "198.51.100.77" },
    });
    const text = await stream.text();
    expect(text).toContain("event: error");
    expect(text).toContain("rate_limited");
    expect(text).toContain("event: end");
  });
});

describe("abuse: the smaller holes", () => {
  let edge: EdgeHarness;
  beforeEach(async () => {
    edge = edgeHarness();
    await publishVersion(edge.redis, catalogue(1, 1, 1), { prefix: edge.prefix });
  });
  afterEach(() => edge.cleanup());

  it("history in f32 is a 400 bad_format, not a 500", async () => {
    const version = (await edge.redis.get<string>(keys(edge.prefix).live))!;
    const history = { city: "c1", store: "s1", product: "p1", version, start: "2026-08-03", units: [1, 2, 3], model: "prophet", backtest: null };
    await edge.redis.hset(keys(edge.prefix).history(version), { "c1/s1/p1": await encodeStored(history) });
    expect((await edge.get("/v1/history/c1/s1/p1")).status).toBe(200);
    for (const path of ["/v1/history/c1/s1/p1?format=f32", "/v1/history?city=*&store=*&product=*&format=f32"]) {
      const res = await edge.get(path);
      expect(res.status).toBe(400);
      expect((await readJson(res)).error.code).toBe("bad_format");
    }
  });

  it("If-None-Match: * is a 404 for a series that does not exist, a 304 for one that does", async () => {
    expect((await edge.get("/v1/forecast/c1/s1/nothing", { headers: { "If-None-Match": "*" } })).status).toBe(404);
    expect((await edge.get("/v1/forecast/c1/s1/p1", { headers: { "If-None-Match": "*" } })).status).toBe(304);
  });

  it("answers that need a key are private and vary on the key headers", async () => {
    const { key } = await issueApiKey(edge.redis, edge.prefix, "dashboard");
    const res = await edge.get("/v1/forecast/c1/s1/p1", { env: { REQUIRE_API_KEY: "on" }, headers: { "X-API-Key": key } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toMatch(/^private, max-age=\d+$/);
    expect(res.headers.get("Vary")).toContain("X-API-Key");
    expect(res.headers.get("Vary")).toContain("Authorization");
    expect((await edge.get("/v1/forecast/c1/s1/p1")).headers.get("Cache-Control")).toMatch(/^public/);
  });

  it("CORS headers are on refusals too: 429 and 414", async () => {
    const env = { ...limited, CORS_ORIGINS: "https://app.example.com" };
    const headers = { Origin: "https://app.example.com", "CF-Connecting-IP": "198.51.100.200" };
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) last = await edge.get("/v1/forecast/c1/s1/p1", { env, headers });
    expect(last!.status).toBe(429);
    expect(last!.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example.com");
    const long = await edge.get(`/v1/forecast?city=*&store=*&product=${"p1,".repeat(200)}p1`, { env: { ...env, MAX_URL_LENGTH: "512" }, headers });
    expect(long.status).toBe(414);
    expect(long.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example.com");
  });

  it("configuration and store errors name what is wrong, never the values or the store's host", async () => {
    const secretish = "https://secret-db-name.example.internal";
    const config = await edge.get("/v1/forecast/c1/s1/p1", { env: { EDGE_CACHE: "maybe-secret-text", PUBLIC_ORIGIN: `${secretish}/path` } });
    expect(config.status).toBe(503);
    const { message } = (await readJson(config)).error;
    expect(message).toContain("EDGE_CACHE");
    expect(message).toContain("PUBLIC_ORIGIN");
    expect(message).not.toContain("maybe-secret-text");
    expect(message).not.toContain("secret-db-name");

    const closed = testBindings.TEST_CLOSED_STORE_URL;
    const store = await edge.get("/v1/forecast/c1/s1/p1", { env: { UPSTASH_REDIS_REST_URL: closed } });
    expect(store.status).toBe(503);
    const storeMessage = (await readJson(store)).error.message as string;
    expect(storeMessage).not.toContain(new URL(closed).host);
    expect(storeMessage).not.toContain("127.0.0.1");
  });

  it("a plain-http store URL is refused unless the store is on this machine", async () => {
    const res = await edge.get("/v1/forecast/c1/s1/p1", { env: { UPSTASH_REDIS_REST_URL: "http://eu1-example.upstash.io" } });
    expect(res.status).toBe(503);
    const { error } = await readJson(res);
    expect(error.code).toBe("config_invalid");
    expect(error.message).toMatch(/UPSTASH_REDIS_REST_URL must use https/);
    // The tests' own store is on 127.0.0.1 over http, and serves.
    expect((await edge.get("/v1/forecast/c1/s1/p1")).status).toBe(200);
  });

  it("/health answers a flood from the isolate's last check, not a store read per call", async () => {
    // One env object, as in production, so the isolate keeps one configuration.
    const env = { ...testBindings, KEY_PREFIX: edge.prefix };
    const health = async () => {
      const ctx = createExecutionContext();
      const res = await app.fetch(new Request("http://edge.test/health"), env, ctx);
      await waitOnExecutionContext(ctx);
      return (await res.json()) as { version: string };
    };
    const first = await health();
    // A publish right after: a store read per call would show it at once.
    const next = await publishVersion(edge.redis, catalogue(1, 1, 1), { prefix: edge.prefix });
    expect((await health()).version).toBe(first.version);
    expect(next.version).not.toBe(first.version);
    expect(await edge.redis.get(keys(edge.prefix).live)).toBe(next.version);
  });

  it("admin bodies over the limit are refused with 413 before they are read whole", async () => {
    const env = { ADMIN_TOKEN: ADMIN };
    const big = JSON.stringify({ series: "all", padding: "x".repeat(1024 * 1024 + 10) });
    const res = await edge.request("/v1/admin/retrain", { method: "POST", env, body: big, headers: { Authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(413);
    expect((await readJson(res)).error.code).toBe("body_too_large");
  });
});
