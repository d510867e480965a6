import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keys } from "../../edge/contract/keys.ts";
import { resetIsolateMetrics } from "../../edge/metrics.ts";
import { edgeHarness, readJson, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion } from "./publish.ts";

const ADMIN = "admin-token-for-tests-0123456789";

describe("operations: health freshness, metrics, request ids and logs, input limits", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
    resetIsolateMetrics();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await edge.cleanup();
  });

  it("/health: ok while the version is young, stale (503) once older than REFRESH_INTERVAL + HEALTH_GRACE", async () => {
    const env = { REFRESH_INTERVAL: "3600", HEALTH_GRACE: "600" };
    const { version } = await publishVersion(edge.redis, catalogue(1, 1, 1), { prefix: edge.prefix });
    const ok = await edge.get("/health", { env });
    expect(ok.status).toBe(200);
    const young = await readJson(ok);
    expect(young).toMatchObject({ status: "ok", version, maxAgeSeconds: 4200 });
    expect(young.ageSeconds).toBeLessThan(60);

    // A newer publish whose training is two hours old: the trainer missed its hourly refresh.
    const old = await publishVersion(edge.redis, catalogue(1, 1, 1), { prefix: edge.prefix });
    const trainedAt = new Date(Date.now() - 2 * 3600 * 1000).toISOString();
    await edge.redis.set(keys(edge.prefix).manifest(old.version), JSON.stringify({ ...old.manifest, trainedAt }));
    const stale = await edge.get("/health", { env });
    expect(stale.status).toBe(503);
    const body = await readJson(stale);
    expect(body).toMatchObject({ status: "stale", version: old.version, store: "reachable", maxAgeSeconds: 4200, trainedAt });
    expect(body.ageSeconds).toBeGreaterThanOrEqual(7199);
  });

  it("/metrics: requests by route and status, cache results and store latency, summed in the store", async () => {
    await publishVersion(edge.redis, catalogue(1, 1, 2), { prefix: edge.prefix });
    // No limiter beside the reads: its script's round trips would count in the store latency.
    const env = { METRICS_FLUSH_SECONDS: "0", ADMIN_TOKEN: ADMIN, RATE_LIMIT: "0" };
    await edge.get("/v1/forecast/c1/s1/p1", { env });
    await edge.get("/v1/forecast/c1/s1/p1", { env });
    await edge.get("/v1/forecast/c1/s1/p9", { env });
    const res = await edge.get("/metrics", { env, headers: { Authorization: `Bearer ${ADMIN}` } });
    expect(res.headers.get("Content-Type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("# TYPE forecast_requests_total counter");
    expect(text).toContain('forecast_requests_total{route="/v1/forecast/:city/:store/:product",status="200"} 2');
    expect(text).toContain('forecast_requests_total{route="/v1/forecast/:city/:store/:product",status="404"} 1');
    expect(text).toContain('forecast_edge_cache_total{result="hit",tier="memory"} 1');
    expect(text).toContain('forecast_edge_cache_total{result="miss",tier="none"} 2');
    expect(text).toContain("# TYPE forecast_store_latency_ms histogram");
    expect(text).toMatch(/forecast_store_latency_ms_bucket\{le="\+Inf"\} \d+/);
    expect(text).toContain("forecast_store_errors_total 0");
  });

  it("returns a request id (the caller's when sane) and logs one JSON line per request", async () => {
    await publishVersion(edge.redis, catalogue(1, 1, 1), { prefix: edge.prefix });
    const logs = vi.spyOn(console, "log");
    const own = await edge.get("/v1/forecast/c1/s1/p1", { headers: { "X-Request-Id": "trace-1234abcd" } });
    expect(own.headers.get("X-Request-Id")).toBe("trace-1234abcd");
    const line = logs.mock.calls.map(([first]) => String(first)).find((l) => l.includes("trace-1234abcd"));
    expect(JSON.parse(line!)).toMatchObject({ level: "info", msg: "request", requestId: "trace-1234abcd", status: 200, route: "/v1/forecast/:city/:store/:product" });
    const generated = await edge.get("/v1/forecast/c1/s1/p1", { headers: { "X-Request-Id": "bad id with spaces" } });
    // Generated ids: a tag of the isolate and a counter, unique without a UUID per request.
    expect(generated.headers.get("X-Request-Id")).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    logs.mockClear();
    await edge.get("/v1/forecast/c1/s1/p1", { env: { REQUEST_LOG: "off" } });
    expect(logs.mock.calls.some(([first]) => String(first).includes('"msg":"request"'))).toBe(false);
  });

  it("input limits: each refusal names the limit and its value", async () => {
    await publishVersion(edge.redis, catalogue(2, 2, 2), { prefix: edge.prefix });
    const long = await edge.get(`/v1/forecast?city=*&store=*&product=${"p1,".repeat(200)}p2`, { env: { MAX_URL_LENGTH: "512" } });
    expect(long.status).toBe(414);
    expect(long.headers.get("X-Request-Id")).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    const { error } = await readJson(long);
    expect(error.code).toBe("url_too_long");
    expect(error.message).toContain("at most 512 (MAX_URL_LENGTH)");

    const grid = await edge.get("/v1/forecast?city=*&store=*&product=*", { env: { MAX_GRID_SERIES: "4" } });
    expect(grid.status).toBe(400);
    expect((await readJson(grid)).error.message).toContain("at most 4 per request (MAX_GRID_SERIES)");
    expect((await edge.get("/v1/forecast?city=c1&store=*&product=*", { env: { MAX_GRID_SERIES: "4" } })).status).toBe(200);

    const badConfig = await edge.get("/v1/forecast/c1/s1/p1", { env: { RATE_LIMIT: "-1", CORS_ORIGINS: "app.example.com", PREFETCH_CRON: "often" } });
    expect(badConfig.status).toBe(503);
    const message = (await readJson(badConfig)).error.message;
    for (const name of ["RATE_LIMIT", "CORS_ORIGINS", "PREFETCH_CRON"]) expect(message).toContain(name);
  });
});
