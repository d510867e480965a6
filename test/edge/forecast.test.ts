import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fromBase64 } from "../../edge/contract/codec.ts";
import { keys } from "../../edge/contract/keys.ts";
import { memoryTier } from "../../edge/forecast-cache.ts";
import { edgeHarness, readJson, readSeries, serverTiming, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion, seriesPayload, stepPayload } from "./publish.ts";

// c1 has stores s1, s2; c2 has s3, s4; products p1, p2.
const small = catalogue(2, 2, 2);

describe("GET /v1/forecast/:city/:store/:product", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  it("returns the published series with its exact numbers", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const res = await edge.get("/v1/forecast/c2/s3/p2?h=7");
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Forecast-Version")).toBe(version);
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=300");
    // Shape 2: integers in steps, without what the URL and headers say; decoded, the published values.
    const body = await readJson(res.clone());
    expect(body).toEqual(stepPayload(version, "2026-10-31", 7, "c2", "s3", "p2"));
    expect(body).not.toHaveProperty("city");
    expect(await readSeries(res, "c2/s3/p2")).toEqual(seriesPayload(version, "2026-10-31", 7, "c2", "s3", "p2"));
  });

  it("defaults to the 30-day horizon", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const body = await readSeries(await edge.get("/v1/forecast/c1/s1/p1"), "c1/s1/p1");
    expect(body.h).toBe(30);
    expect(body.point).toEqual(seriesPayload(version, "2026-10-31", 30, "c1", "s1", "p1").point);
  });

  it("passes the stored gzip bytes through without re-encoding", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const stored = await edge.redis.hget<string>(keys(edge.prefix).horizon(version, 60), "c1/s2/p1");
    const res = await edge.get("/v1/forecast/c1/s2/p1?h=60");
    expect(res.headers.get("Content-Encoding")).toBe("gzip");
    expect(res.headers.get("Vary")).toBe("Accept-Encoding, Accept");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(fromBase64(stored!));
  });

  it("decompresses for a client that does not accept gzip", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const res = await edge.get("/v1/forecast/c1/s1/p1?h=7", { headers: { "Accept-Encoding": "identity" } });
    expect(res.headers.get("Content-Encoding")).toBeNull();
    expect(JSON.parse(await res.text())).toEqual(stepPayload(version, "2026-10-31", 7, "c1", "s1", "p1"));
    expect(res.headers.get("ETag")).toBe(`"${version}:h7:c1/s1/p1.s2.json"`);
  });

  it("sends a strong ETag and answers If-None-Match with 304", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const first = await edge.get("/v1/forecast/c1/s1/p1?h=7");
    const etag = first.headers.get("ETag")!;
    expect(etag).toBe(`"${version}:h7:c1/s1/p1.s2"`);
    const again = await edge.get("/v1/forecast/c1/s1/p1?h=7", { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get("ETag")).toBe(etag);
    expect(await again.text()).toBe("");
    const otherHorizon = await edge.get("/v1/forecast/c1/s1/p1?h=30", { headers: { "If-None-Match": etag } });
    expect(otherHorizon.status).toBe(200);
  });

  it("serves repeat requests from the isolate's memory, then from the Cache API", async () => {
    await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const miss = await edge.get("/v1/forecast/c1/s1/p2?h=30");
    expect(serverTiming(miss)).toMatchObject({ cache: "miss", store: "" });
    const published = await readJson(miss);

    const memoryHit = await edge.get("/v1/forecast/c1/s1/p2?h=30");
    expect(serverTiming(memoryHit)).toMatchObject({ cache: "hit", tier: "memory" });
    expect(serverTiming(memoryHit)).not.toHaveProperty("store");

    memoryTier.clear();
    const edgeHit = await edge.get("/v1/forecast/c1/s1/p2?h=30");
    expect(serverTiming(edgeHit)).toMatchObject({ cache: "hit", tier: "edge" });
    expect(await readJson(edgeHit)).toEqual(published);
  });

  it("reads the store on every request when EDGE_CACHE=off", async () => {
    await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const env = { EDGE_CACHE: "off" };
    await edge.get("/v1/forecast/c1/s1/p1?h=7", { env });
    const second = await edge.get("/v1/forecast/c1/s1/p1?h=7", { env });
    expect(serverTiming(second)).toMatchObject({ cache: "off", store: "" });
  });

  it("404s a series that was not published, including a store in another city", async () => {
    await publishVersion(edge.redis, small, { prefix: edge.prefix, skip: ["c1/s1/p1"] });
    for (const path of ["/v1/forecast/c1/s1/p1", "/v1/forecast/c1/s3/p1", "/v1/forecast/c9/s1/p1"]) {
      const res = await edge.get(path);
      expect(res.status).toBe(404);
      expect((await readJson(res)).error.code).toBe("series_not_found");
    }
  });
});
