import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BINARY_MEDIA_TYPE, decodeBinary } from "../../edge/binary-format.ts";
import { encodeStored, gunzip } from "../../edge/contract/codec.ts";
import { keys } from "../../edge/contract/keys.ts";
import { edgeHarness, readGrid, readJson, readSeries, serverTiming, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion, seriesPayload } from "./publish.ts";

const small = catalogue(2, 2, 2);

async function bodyBytes(res: Response): Promise<Uint8Array> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  return res.headers.get("Content-Encoding") === "gzip" ? gunzip(bytes) : bytes;
}

describe("binary format (scaled integers; float32 on BINARY_FORMAT=f32)", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  it("format=f32 returns the header and the exact values of one series", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const res = await edge.get("/v1/forecast/c1/s2/p1?h=7&format=f32");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe(BINARY_MEDIA_TYPE);
    expect(res.headers.get("ETag")).toBe(`"${version}:h7:c1/s2/p1.s2.bin3"`);
    const bytes = await bodyBytes(res);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("FCF3");
    const decoded = decodeBinary(bytes);
    const expected = seriesPayload(version, "2026-10-31", 7, "c1", "s2", "p1");
    // A single series leaves its identity and version to the URL and headers; thousandths of ~25 units fit int16.
    expect(decoded).toEqual(expect.objectContaining({ origin: "2026-10-31", h: 7, level: 0.8, bytes: 2 }));
    expect(decoded).not.toHaveProperty("version");
    // Payloads without a step hold three decimals, and say so in the header.
    expect(decoded.series).toEqual([{ model: expected.model, step: 0.001 }]);
    expect(Array.from(decoded.arrays[0]!.point)).toEqual(expected.point);
    expect(Array.from(decoded.arrays[0]!.lower)).toEqual(expected.lower);
    expect(Array.from(decoded.arrays[0]!.upper)).toEqual(expected.upper);
    // Cached per representation: the second read is a hit and the JSON entry is untouched.
    expect(serverTiming(await edge.get("/v1/forecast/c1/s2/p1?h=7&format=f32"))).toMatchObject({ cache: "hit" });
    expect((await readSeries(await edge.get("/v1/forecast/c1/s2/p1?h=7"), "c1/s2/p1")).point).toEqual(expected.point);
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
    expect(Array.from(decoded.arrays[2]!.lower)).toEqual(last.lower);
    // A client that does not take gzip gets the raw bytes.
    const plain = await edge.get("/v1/forecast?city=c2&store=*&product=*&h=30&format=f32", { headers: { "Accept-Encoding": "identity" } });
    expect(plain.headers.get("Content-Encoding")).toBeNull();
    expect(decodeBinary(new Uint8Array(await plain.arrayBuffer())).series).toHaveLength(3);
  });

  it("carries each series' step, and decodes to exactly the JSON's values", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    // A payload as the trainer rounds it: multiples of 0.2, bounds on both sides of the point.
    const payload = { ...seriesPayload(version, "2026-10-31", 7, "c1", "s1", "p1"), step: 0.2,
      point: [91.8, 65.8, 0, 1234.6, 7.2, 0.2, 40], lower: [78.8, 53.6, 0, 1200, 3.8, 0, 39.8], upper: [104.4, 79.2, 1.4, 1300.2, 9.6, 0.6, 40.2] };
    await edge.redis.hset(keys(edge.prefix).horizon(version, 7), { "c1/s1/p1": await encodeStored(payload) });
    const json = await readGrid(await edge.get("/v1/forecast?city=c1&store=s1&product=p1,p2&h=7"));
    const decoded = decodeBinary(await bodyBytes(await edge.get("/v1/forecast?city=c1&store=s1&product=p1,p2&h=7&format=binary")));
    expect(decoded.series.map((s) => s.step)).toEqual([0.2, 0.001]);
    expect(json.series[0].point).toEqual(payload.point);
    decoded.arrays.forEach((arrays, i) => {
      for (const k of ["point", "lower", "upper"] as const) expect(Array.from(arrays[k])).toEqual(json.series[i][k]);
    });
  });

  it("BINARY_FORMAT=f32 rolls the layout back to float32 (FCF1), cached and tagged apart", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const v2 = await edge.get("/v1/forecast/c1/s2/p1?h=7&format=f32");
    expect(v2.headers.get("ETag")).toBe(`"${version}:h7:c1/s2/p1.s2.bin3"`);
    const res = await edge.get("/v1/forecast/c1/s2/p1?h=7&format=f32", { env: { BINARY_FORMAT: "f32" } });
    expect(res.headers.get("ETag")).toBe(`"${version}:h7:c1/s2/p1.f32"`);
    const bytes = await bodyBytes(res);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("FCF1");
    const decoded = decodeBinary(bytes);
    const expected = seriesPayload(version, "2026-10-31", 7, "c1", "s2", "p1");
    expect(decoded.series).toEqual([{ city: "c1", store: "s2", product: "p1", model: expected.model }]);
    expect(Array.from(decoded.arrays[0]!.upper)).toEqual(Array.from(Float32Array.from(expected.upper)));
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
