import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeBinary } from "../../edge/binary-format.ts";
import { encodeStored, fromBase64, gunzip } from "../../edge/contract/codec.ts";
import { keys } from "../../edge/contract/keys.ts";
import type { SeriesPayload } from "../../edge/contract/payload.ts";
import { toStepPayload } from "../../edge/contract/shape.ts";
import { edgeHarness, readGrid, readJson, readSeries, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion, seriesPayload, stepPayload } from "./publish.ts";

const small = catalogue(2, 2, 2);

async function bodyBytes(res: Response): Promise<Uint8Array> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  return res.headers.get("Content-Encoding") === "gzip" ? gunzip(bytes) : bytes;
}

/** Payloads as the trainer rounds them: multiples of their step, bounds on both sides, one series beyond int16 in steps. */
function rounded(version: string): Record<string, SeriesPayload> {
  const base = (product: string) => seriesPayload(version, "2026-10-31", 7, "c1", "s1", product);
  return {
    "c1/s1/p1": { ...base("p1"), step: 0.2, point: [91.8, 65.8, 0, 1234.6, 7.2, 0.2, 40], lower: [78.8, 53.6, 0, 1200, 3.8, 0, 39.8], upper: [104.4, 79.2, 1.4, 1300.2, 9.6, 0.6, 40.2] },
    "c1/s1/p2": { ...base("p2"), step: 0.01, point: [512.37, 600, 0.01, 488.5, 399.99, 450, 475.25], lower: [500, 590.5, 0, 480, 390, 440, 470], upper: [530.12, 611, 0.5, 499, 410, 460, 480] },
  };
}

describe("JSON shape 2 (integers in steps) and its rollback, FORECAST_SHAPE=v1", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  async function publishRounded(shape: "v1" | "v2") {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix, shape });
    const payloads = rounded(version);
    // Stored as a trainer of that shape stores them.
    const stored = Object.fromEntries(await Promise.all(Object.entries(payloads).map(async ([field, p]) => [field, await encodeStored(shape === "v1" ? p : toStepPayload(p))] as const)));
    await edge.redis.hset(keys(edge.prefix).horizon(version, 7), stored);
    return { version, payloads };
  }

  it("shape 2 and binary layout 3 carry exactly the published values, a series and a grid", async () => {
    const { version, payloads } = await publishRounded("v2");
    const body = await readJson(await edge.get("/v1/forecast/c1/s1/p1?h=7"));
    // 91.8 in steps of 0.2 is 459; the bounds are steps below and above the point.
    expect(body).toMatchObject({ origin: "2026-10-31", step: 0.2, point: [459, 329, 0, 6173, 36, 1, 200], below: [65, 61, 0, 173, 17, 1, 1], above: [63, 67, 7, 328, 12, 2, 1] });
    for (const field of Object.keys(payloads)) {
      expect(await readSeries(await edge.get(`/v1/forecast/${field}?h=7`), field)).toEqual(payloads[field]);
    }
    const grid = await readGrid(await edge.get("/v1/forecast?city=c1&store=s1&product=*&h=7"));
    expect(grid.series).toEqual(Object.values(payloads));
    const binary = decodeBinary(await bodyBytes(await edge.get("/v1/forecast?city=c1&store=s1&product=*&h=7&format=binary")));
    expect(binary).toMatchObject({ version, bytes: 4 });
    binary.arrays.forEach((arrays, i) => {
      for (const k of ["point", "lower", "upper"] as const) expect(Array.from(arrays[k])).toEqual(Object.values(payloads)[i]![k]);
    });
    // p1 alone fits int16 in its steps: the single series' body uses two bytes per integer.
    const one = decodeBinary(await bodyBytes(await edge.get("/v1/forecast/c1/s1/p1?h=7&format=binary")));
    expect(one.bytes).toBe(2);
    expect(Array.from(one.arrays[0]!.upper)).toEqual(payloads["c1/s1/p1"]!.upper);
  });

  it("FORECAST_SHAPE=v1 serves shape 1 as it was served before: key for key, with the old ETags and binary layout 2", async () => {
    const { version, payloads } = await publishRounded("v2");
    const env = { FORECAST_SHAPE: "v1" };
    const res = await edge.get("/v1/forecast/c1/s1/p1?h=7", { env });
    expect(res.headers.get("ETag")).toBe(`"${version}:h7:c1/s1/p1"`);
    // The text the trainer wrote before shape 2, byte for byte.
    expect(new TextDecoder().decode(await bodyBytes(res))).toBe(JSON.stringify(payloads["c1/s1/p1"]));
    const grid = await readJson(await edge.get("/v1/forecast?city=c1&store=s1&product=*&h=7", { env }));
    expect(grid).toEqual({ version, origin: "2026-10-31", h: 7, level: 0.8, series: Object.values(payloads), missing: [] });
    const binary = await edge.get("/v1/forecast/c1/s1/p2?h=7&format=binary", { env });
    expect(binary.headers.get("ETag")).toBe(`"${version}:h7:c1/s1/p2.bin2"`);
    const decoded = decodeBinary(await bodyBytes(binary));
    expect(new TextDecoder().decode((await bodyBytes(await edge.get("/v1/forecast/c1/s1/p2?h=7&format=binary", { env }))).subarray(0, 4))).toBe("FCF2");
    expect(decoded.series).toEqual([{ city: "c1", store: "s1", product: "p2", model: payloads["c1/s1/p2"]!.model, step: 0.01 }]);
    expect(Array.from(decoded.arrays[0]!.lower)).toEqual(payloads["c1/s1/p2"]!.lower);
  });

  it("a version published before shape 2 is served in shape 2 by default, and passed through unchanged with the rollback", async () => {
    const { version, payloads } = await publishRounded("v1");
    const shape2 = await readJson(await edge.get("/v1/forecast/c1/s1/p1?h=7"));
    expect(shape2).not.toHaveProperty("lower");
    expect(await readSeries(await edge.get("/v1/forecast/c1/s1/p2?h=7"), "c1/s1/p2")).toEqual(payloads["c1/s1/p2"]);
    const grid = await readJson(await edge.get("/v1/forecast?city=*&store=*&product=*&h=30"));
    expect(grid.series[0]).toEqual({ city: "c1", store: "s1", product: "p1", ...stepPayload(version, "2026-10-31", 30, "c1", "s1", "p1") });
    // The rollback sends the stored bytes themselves.
    const stored = await edge.redis.hget<string>(keys(edge.prefix).horizon(version, 7), "c1/s1/p1");
    const res = await edge.get("/v1/forecast/c1/s1/p1?h=7", { env: { FORECAST_SHAPE: "v1" } });
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(fromBase64(stored!));
  });

  it("every representation has its own ETag, and a client without gzip gets the same numbers uncompressed", async () => {
    const { version, payloads } = await publishRounded("v2");
    const path = "/v1/forecast/c1/s1/p1?h=7";
    const variants: [string, { headers?: Record<string, string>; env?: Record<string, string> }][] = [
      ["shape 2, gzip", {}],
      ["shape 2, no Accept-Encoding", { headers: { "Accept-Encoding": "" } }],
      ["shape 2, br only", { headers: { "Accept-Encoding": "br" } }],
      ["shape 1, gzip", { env: { FORECAST_SHAPE: "v1" } }],
      ["shape 1, identity", { env: { FORECAST_SHAPE: "v1" }, headers: { "Accept-Encoding": "identity" } }],
      ["layout 3, gzip", { headers: { Accept: "application/x-forecast-f32" } }],
      ["layout 3, identity", { headers: { Accept: "application/x-forecast-f32", "Accept-Encoding": "identity" } }],
      ["layout 2, gzip", { env: { FORECAST_SHAPE: "v1" }, headers: { Accept: "application/x-forecast-f32" } }],
    ];
    const etags = new Map<string, string>();
    for (const [name, options] of variants) {
      const res = await edge.get(path, options);
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
      const gzip = (options.headers?.["Accept-Encoding"] ?? "gzip") === "gzip";
      expect({ name, encoding: res.headers.get("Content-Encoding") }).toEqual({ name, encoding: gzip ? "gzip" : null });
      expect(res.headers.get("Vary")).toBe("Accept-Encoding, Accept");
      etags.set(name, res.headers.get("ETag")!);
      if (name.startsWith("shape 2")) expect(await readSeries(res, "c1/s1/p1")).toEqual(payloads["c1/s1/p1"]);
      if (name === "shape 1, identity") expect(JSON.parse(await res.text())).toEqual(payloads["c1/s1/p1"]);
      if (name === "layout 3, identity") expect(Array.from(decodeBinary(new Uint8Array(await res.arrayBuffer())).arrays[0]!.point)).toEqual(payloads["c1/s1/p1"]!.point);
    }
    // The two clients without gzip share one representation; everything else is its own.
    expect(etags.get("shape 2, br only")).toBe(etags.get("shape 2, no Accept-Encoding"));
    expect(new Set(etags.values()).size).toBe(variants.length - 1);
    expect(etags.get("shape 2, gzip")).toBe(`"${version}:h7:c1/s1/p1.s2"`);
    // A shape 1 ETag is not a match for the shape 2 body, nor the reverse.
    expect((await edge.get(path, { headers: { "If-None-Match": etags.get("shape 1, gzip")! } })).status).toBe(200);
    expect((await edge.get(path, { headers: { "If-None-Match": etags.get("shape 2, gzip")! } })).status).toBe(304);
    expect((await edge.get(path, { env: { FORECAST_SHAPE: "v1" }, headers: { "If-None-Match": etags.get("shape 2, gzip")! } })).status).toBe(200);
  });
});
