import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { edgeHarness, readJson, readSeries, serverTiming, sleep, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion, seriesPayload } from "./publish.ts";

const small = catalogue(1, 2, 2);

describe("versions: live pointer, pinning, publish visibility", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  it("FORECAST_VERSION pins the older version while the pointer moves on", async () => {
    const old = await publishVersion(edge.redis, small, { prefix: edge.prefix, version: "20261101T000000Z-old1" });
    const current = await publishVersion(edge.redis, small, { prefix: edge.prefix, version: "20261102T000000Z-new1", offset: 100 });

    const live = await edge.get("/v1/forecast/c1/s1/p1?h=7");
    expect(live.headers.get("X-Forecast-Version")).toBe(current.version);
    expect((await readSeries(live, "c1/s1/p1")).point[0]).toBeGreaterThan(100);

    const pinned = await edge.get("/v1/forecast/c1/s1/p1?h=7", { env: { FORECAST_VERSION: old.version } });
    expect(pinned.headers.get("X-Forecast-Version")).toBe(old.version);
    expect(pinned.headers.get("X-Forecast-Pinned")).toBe("true");
    expect(await readSeries(pinned, "c1/s1/p1")).toEqual(seriesPayload(old.version, "2026-10-31", 7, "c1", "s1", "p1"));

    const meta = await readJson(await edge.get("/v1/meta", { env: { FORECAST_VERSION: old.version } }));
    expect(meta).toMatchObject({ version: old.version, pinned: true, manifest: { version: old.version } });
  });

  it("shows a new publish once POINTER_TTL has passed, never hidden by the cache", async () => {
    const env = { POINTER_TTL: "0.3", STALE_WHILE_REVALIDATE: "0" };
    const first = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    expect((await edge.get("/v1/forecast/c1/s2/p2?h=30", { env })).headers.get("X-Forecast-Version")).toBe(first.version);
    const cached = await edge.get("/v1/forecast/c1/s2/p2?h=30", { env });
    expect(serverTiming(cached)).toMatchObject({ cache: "hit" });

    const second = await publishVersion(edge.redis, small, { prefix: edge.prefix, offset: 50 });
    await sleep(350);
    const after = await edge.get("/v1/forecast/c1/s2/p2?h=30", { env });
    expect(after.headers.get("X-Forecast-Version")).toBe(second.version);
    expect(serverTiming(after)).toMatchObject({ pointer: "store", cache: "miss" });
    expect(await readSeries(after, "c1/s2/p2")).toEqual(seriesPayload(second.version, "2026-10-31", 30, "c1", "s2", "p2", 50));
  });

  it("keeps the pointer in isolate memory within POINTER_TTL", async () => {
    const env = { POINTER_TTL: "60" };
    const first = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    await edge.get("/v1/forecast/c1/s1/p1", { env });
    await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const res = await edge.get("/v1/forecast/c1/s1/p1", { env });
    expect(res.headers.get("X-Forecast-Version")).toBe(first.version);
    expect(serverTiming(res)).toMatchObject({ pointer: "memory" });
  });

  it("503 no_live_version before the first publish", async () => {
    const res = await edge.get("/v1/forecast/c1/s1/p1");
    expect(res.status).toBe(503);
    expect((await readJson(res)).error.code).toBe("no_live_version");
  });

  it("503 version_unavailable when FORECAST_VERSION is not retained", async () => {
    await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const res = await edge.get("/v1/forecast/c1/s1/p1", { env: { FORECAST_VERSION: "20200101T000000Z-gone" } });
    expect(res.status).toBe(503);
    const { error } = await readJson(res);
    expect(error.code).toBe("version_unavailable");
    expect(error.message).toContain("FORECAST_VERSION=20200101T000000Z-gone");
    expect(error.message).toContain("not retained");
  });

  it("/v1/meta returns the live manifest and /health reports the version", async () => {
    const { version, manifest } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const meta = await readJson(await edge.get("/v1/meta"));
    expect(meta).toEqual({ version, pinned: false, planLoadedAt: null, manifest });
    const health = await edge.get("/health");
    expect(health.status).toBe(200);
    expect(await readJson(health)).toMatchObject({ status: "ok", version, pinned: false, store: "reachable", trainedAt: manifest.trainedAt, maxAgeSeconds: 86_400 + 3600 });
  });
});
