import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryTier } from "../../edge/forecast-cache.ts";
import { forgetPointers } from "../../edge/version.ts";
import { edgeHarness, readJson, readSeries, serverTiming, sleep, testBindings, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion, seriesPayload } from "./publish.ts";

const small = catalogue(1, 2, 2);

describe("stale-while-revalidate and stale-if-error", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  // POINTER_TTL=0 and no revalidate window: every request must read the pointer, and cannot.
  const storeDown = { UPSTASH_REDIS_REST_URL: testBindings.TEST_CLOSED_STORE_URL, POINTER_TTL: "0", STALE_WHILE_REVALIDATE: "0" };

  it("keeps answering cached forecasts with 200 while the store is unreachable, and says so", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    expect((await edge.get("/v1/forecast/c1/s1/p1?h=7")).status).toBe(200);

    const stale = await edge.get("/v1/forecast/c1/s1/p1?h=7", { env: storeDown });
    expect(stale.status).toBe(200);
    expect(stale.headers.get("X-Forecast-Stale")).toBe("if-error");
    expect(stale.headers.get("X-Forecast-Version")).toBe(version);
    expect(serverTiming(stale)).toMatchObject({ pointer: "memory-stale-if-error", cache: "hit" });
    expect(await readSeries(stale, "c1/s1/p1")).toEqual(seriesPayload(version, "2026-10-31", 7, "c1", "s1", "p1"));

    // What was never cached cannot be served: the store's 503 stands.
    const uncached = await edge.get("/v1/forecast/c1/s2/p2?h=7", { env: storeDown });
    expect(uncached.status).toBe(503);
    expect((await readJson(uncached)).error.code).toBe("store_unavailable");

    // STALE_IF_ERROR=0 turns it off.
    expect((await edge.get("/v1/forecast/c1/s1/p1?h=7", { env: { ...storeDown, STALE_IF_ERROR: "0" } })).status).toBe(503);
  });

  it("a new isolate finds the last pointer and the bodies in the data centre's Cache API", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    await edge.get("/v1/forecast/c1/s2/p1?h=30");
    forgetPointers();
    memoryTier.clear();
    const stale = await edge.get("/v1/forecast/c1/s2/p1?h=30", { env: storeDown });
    expect(stale.status).toBe(200);
    expect(serverTiming(stale)).toMatchObject({ pointer: "edge-stale-if-error", cache: "hit", tier: "edge" });
    expect(stale.headers.get("X-Forecast-Version")).toBe(version);
  });

  it("past POINTER_TTL serves the remembered version at once and refreshes it after the response", async () => {
    const env = { POINTER_TTL: "0.2", STALE_WHILE_REVALIDATE: "30" };
    const first = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    await edge.get("/v1/forecast/c1/s1/p2", { env });
    const second = await publishVersion(edge.redis, small, { prefix: edge.prefix, offset: 10 });
    await sleep(250);
    const stale = await edge.get("/v1/forecast/c1/s1/p2", { env });
    expect(stale.headers.get("X-Forecast-Version")).toBe(first.version);
    expect(stale.headers.get("X-Forecast-Stale")).toBe("while-revalidate");
    expect(serverTiming(stale)).toMatchObject({ pointer: "memory-stale-while-revalidate", cache: "hit" });
    const refreshed = await edge.get("/v1/forecast/c1/s1/p2", { env });
    expect(refreshed.headers.get("X-Forecast-Version")).toBe(second.version);
    expect(refreshed.headers.get("X-Forecast-Stale")).toBeNull();
  });
});
