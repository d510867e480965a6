import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { binaryGzip, decodeBinary } from "../../edge/binary-format.ts";
import { encodeStored, fromBase64, gunzip, toBase64 } from "../../edge/contract/codec.ts";
import { keys } from "../../edge/contract/keys.ts";
import { canonicalGridQuery, gridCachePath, hotGridMember } from "../../edge/contract/grid.ts";
import { edgeHarness, readJson, serverTiming, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion } from "./publish.ts";

describe("grid bodies published with the version", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  /**
   * Publishes a version of 4 series whose whole 30-day grid has ready-made
   * bodies, as the trainer's publishPrefetch writes them: marker documents,
   * so a test can tell a body passed through from one built from the series.
   */
  async function publishWithBodies() {
    const { version, manifest } = await publishVersion(edge.redis, catalogue(1, 2, 2), { prefix: edge.prefix });
    const canonical = canonicalGridQuery({ city: "*", store: "*", product: "*" });
    const { cachePath } = await gridCachePath(version, 30, canonical);
    const marker = { version, origin: "2026-10-31", h: 30, level: 0.8, series: [], missing: ["published/json"] };
    const binary = binaryGzip(fromBase64(await encodeStored({ ...marker, missing: ["published/binary"] })));
    const k = keys(edge.prefix);
    // At the paths of shape 2 and binary layout 3, as the trainer publishes by default.
    await edge.redis.hset(k.prefetch(version), { [`s2/${cachePath}`]: await encodeStored(marker), [`bin3/s2/${cachePath}`]: toBase64(binary) });
    await edge.redis.set(k.manifest(version), JSON.stringify({ ...manifest, prebuiltGrids: [hotGridMember(30, canonical)] }));
    return { version, marker };
  }

  it("a miss passes the published body through, JSON and binary, each with the usual headers", async () => {
    const { version, marker } = await publishWithBodies();
    const res = await edge.get("/v1/forecast?city=*&store=*&product=*&h=30");
    expect(res.status).toBe(200);
    expect(serverTiming(res)).toMatchObject({ cache: "miss", store: "published" });
    expect(res.headers.get("X-Forecast-Version")).toBe(version);
    expect(await readJson(res)).toEqual(marker);
    // Filled into the caches like a built body: the next read is a memory hit.
    expect(serverTiming(await edge.get("/v1/forecast?city=*&store=*&product=*&h=30"))).toMatchObject({ cache: "hit", tier: "memory" });

    const binary = await edge.get("/v1/forecast?product=*&store=*&city=*&h=30&format=binary");
    expect(binary.headers.get("ETag")).toMatch(/\.s2\.bin3"$/);
    const bytes = new Uint8Array(await binary.arrayBuffer());
    expect(decodeBinary(binary.headers.get("Content-Encoding") === "gzip" ? await gunzip(bytes) : bytes).missing).toEqual(["published/binary"]);
  });

  it("builds what was not published, and everything with PUBLISHED_GRIDS=off", async () => {
    await publishWithBodies();
    const otherHorizon = await edge.get("/v1/forecast?city=*&store=*&product=*&h=7");
    expect(serverTiming(otherHorizon).store).toBe("");
    expect((await readJson(otherHorizon)).series).toHaveLength(4);
    const narrower = await readJson(await edge.get("/v1/forecast?city=*&store=*&product=p1&h=30"));
    expect(narrower.series).toHaveLength(2);
    // The float32 rollback layout is not published: built from the series.
    const v1 = await edge.get("/v1/forecast?city=*&store=*&product=*&h=30&format=f32", { env: { BINARY_FORMAT: "f32" } });
    expect(decodeBinary(new Uint8Array(await gunzip(new Uint8Array(await v1.arrayBuffer())))).series).toHaveLength(4);

    // FORECAST_SHAPE=v1 answers shape 1, which was not published: built from the series, never the shape 2 body.
    const shape1 = await readJson(await edge.get("/v1/forecast?city=*&store=*&product=*&h=30", { env: { FORECAST_SHAPE: "v1", EDGE_CACHE: "off" } }));
    expect(shape1.missing).toEqual([]);
    expect(shape1.series[0]).toHaveProperty("lower");

    const env = { EDGE_CACHE: "off" };
    expect((await readJson(await edge.get("/v1/forecast?city=*&store=*&product=*&h=30", { env }))).missing).toEqual(["published/json"]);
    const off = await readJson(await edge.get("/v1/forecast?city=*&store=*&product=*&h=30", { env: { ...env, PUBLISHED_GRIDS: "off" } }));
    expect(off.series).toHaveLength(4);
    expect(off.missing).toEqual([]);
  });

  it("checks the grid's size before passing a body through, and serves variants from their own hashes", async () => {
    await publishWithBodies();
    const tooLarge = await edge.get("/v1/forecast?city=*&store=*&product=*&h=30", { env: { MAX_GRID_SERIES: "3", EDGE_CACHE: "off" } });
    expect(tooLarge.status).toBe(400);
    expect((await readJson(tooLarge)).error.code).toBe("grid_too_large");
    // PROPHET_ONLY reads Prophet's hash (here the same series): never the fast variant's published body.
    const prophet = await readJson(await edge.get("/v1/forecast?city=*&store=*&product=*&h=30", { env: { PROPHET_ONLY: "on", EDGE_CACHE: "off" } }));
    expect(prophet.series).toHaveLength(4);
  });
});
