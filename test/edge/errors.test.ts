import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { edgeHarness, readJson, testBindings, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion } from "./publish.ts";

describe("errors: one JSON shape, 4xx for bad input, 503 for a missing store", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  const expectError = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.headers.get("Content-Type")).toContain("application/json");
    const body = await readJson(res);
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error.code).toBe(code);
    expect(body.error.message).not.toMatch(/\n\s+at /);
    return body.error.message as string;
  };

  it("400 bad_horizon names the allowed values", async () => {
    await publishVersion(edge.redis, catalogue(1, 1, 1), { prefix: edge.prefix });
    for (const h of ["8", "abc", "7.0", "-30"]) {
      const message = await expectError(await edge.get(`/v1/forecast/c1/s1/p1?h=${h}`), 400, "bad_horizon");
      expect(message).toContain("7, 30, 60");
    }
  });

  it("400 bad_identifier names the parameter", async () => {
    await publishVersion(edge.redis, catalogue(1, 1, 1), { prefix: edge.prefix });
    expect(await expectError(await edge.get("/v1/forecast/c1/S-1/p1"), 400, "bad_identifier")).toMatch(/^store /);
    expect(await expectError(await edge.get("/v1/forecast/c1/s1/p%3A1"), 400, "bad_identifier")).toMatch(/^product /);
  });

  it("404 not_found for unknown routes", async () => {
    await expectError(await edge.get("/v2/forecast"), 404, "not_found");
    await expectError(await edge.get("/v1/forecast/c1/s1"), 404, "not_found");
  });

  it("503 store_unavailable when the store cannot be reached, and /health says down", async () => {
    const env = { UPSTASH_REDIS_REST_URL: testBindings.TEST_CLOSED_STORE_URL };
    const message = await expectError(await edge.get("/v1/forecast/c1/s1/p1", { env }), 503, "store_unavailable");
    expect(message).not.toContain(testBindings.UPSTASH_REDIS_REST_TOKEN!);
    const health = await edge.get("/health", { env });
    expect(health.status).toBe(503);
    expect(await readJson(health)).toMatchObject({ status: "down", store: "unreachable", error: { code: "store_unavailable" } });
  });

  it("503 store_unavailable when the store does not answer within STORE_TIMEOUT_MS", async () => {
    const env = { UPSTASH_REDIS_REST_URL: testBindings.TEST_SILENT_STORE_URL, STORE_TIMEOUT_MS: "300" };
    const started = Date.now();
    const message = await expectError(await edge.get("/v1/forecast/c1/s1/p1", { env }), 503, "store_unavailable");
    expect(message).toContain("300 ms");
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("503 config_invalid lists every bad variable at once", async () => {
    const env = { UPSTASH_REDIS_REST_TOKEN: "", EDGE_CACHE: "maybe", CACHE_MAX_AGE: "-1", FORECAST_VERSION: "latest" };
    const message = await expectError(await edge.get("/v1/forecast/c1/s1/p1", { env }), 503, "config_invalid");
    for (const name of ["UPSTASH_REDIS_REST_TOKEN", "EDGE_CACHE", "CACHE_MAX_AGE", "FORECAST_VERSION"]) expect(message).toContain(name);
    expect(message).toContain("wrangler secret put UPSTASH_REDIS_REST_TOKEN");
  });
});
