import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BINARY_MEDIA_TYPE, decodeBinary } from "../../edge/binary-format.ts";
import { gunzip } from "../../edge/contract/codec.ts";
import { edgeHarness, readJson, serverTiming, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion, seriesPayload } from "./publish.ts";

const small = catalogue(2, 2, 2);

async function bodyBytes(res: Response): Promise<Uint8Array> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  return res.headers.get("Content-Encoding") === "gzip" ? gunzip(bytes) : bytes;
}

describe("binary format (float32)", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  it("format=f32 returns the header and float32 arrays of one series", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const res = await edge.get("/v1/forecast/c1/s2/p1?h=7&format=f32");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe(BINARY_MEDIA_TYPE);
    expect(res.headers.get("ETag")).toBe(`"${version}:h7:c1/s2/p1.f32"`);
    const decoded = decodeBinary(await bodyBytes(res));
    const expected = seriesPayload(version, "2026-10-31", 7, "c1", "s2", "p1");
    expect(decoded).toMatchObject({ version, origin: "2026-10-31", h: 7, level: 0.8, missing: [] });
    expect(decoded.series).toEqual([{ city: "c1", store: "s2", product: "p1", model: expected.model }]);
    expect(Array.from(decoded.arrays[0]!.point)).toEqual(Array.from(Float32Array.from(expected.point)));
    expect(Array.from(decoded.arrays[0]!.upper)).toEqual(Array.from(Float32Array.from(expected.upper)));
    // Cached per representation: the second read is a hit and the JSON entry is untouched.
    expect(serverTiming(await edge.get("/v1/forecast/c1/s2/p1?h=7&format=f32"))).toMatchObject({ cache: "hit" });
    expect((await readJson(await edge.get("/v1/forecast/c1/s2/p1?h=7"))).point).toEqual(expected.point);
  });

  it("Accept negotiates the grid in binary, missing series included", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix, skip: ["c2/s3/p2"] });
    const res = await edge.get("/v1/forecast?city=c2&store=*&product=*&h=30", { headers: { Accept: `${BINARY_MEDIA_TYPE}, application/json;q=0.5` } });
    expect(res.headers.get("Content-Type")).toBe(BINARY_MEDIA_TYPE);
    expect(res.headers.get("Vary")).toContain("Accept");
    const decoded = decodeBinary(await bodyBytes(res));
    expect(decoded.series.map((s) => `${s.city}/${s.store}/${s.product}`)).toEqual(["c2/s3/p1", "c2/s4/p1", "c2/s4/p2"]);
    expect(decoded.missing).toEqual(["c2/s3/p2"]);
    const last = seriesPayload(version, "2026-10-31", 30, "c2", "s4", "p2");
    expect(Array.from(decoded.arrays[2]!.lower)).toEqual(Array.from(Float32Array.from(last.lower)));
    // A client that does not take gzip gets the raw bytes.
    const plain = await edge.get("/v1/forecast?city=c2&store=*&product=*&h=30&format=f32", { headers: { "Accept-Encoding": "identity" } });
    expect(plain.headers.get("Content-Encoding")).toBeNull();
    expect(decodeBinary(new Uint8Array(await plain.arrayBuffer())).series).toHaveLength(3);
  });

  it("400 bad_format for an unknown format, and for f32 when BINARY_FORMAT=off", async () => {
    await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const unknown = await edge.get("/v1/forecast/c1/s1/p1?format=xml");
    expect(unknown.status).toBe(400);
    expect((await readJson(unknown)).error).toMatchObject({ code: "bad_format" });
    const off = await edge.get("/v1/forecast/c1/s1/p1?format=f32", { env: { BINARY_FORMAT: "off" } });
    expect((await readJson(off)).error.message).toContain("BINARY_FORMAT=off");
    // With the format off, Accept falls back to JSON.
    const json = await edge.get("/v1/forecast/c1/s1/p1", { env: { BINARY_FORMAT: "off" }, headers: { Accept: BINARY_MEDIA_TYPE } });
    expect(json.headers.get("Content-Type")).toContain("application/json");
  });
});
