// The promotion plan at the edge: /v1/meta says when the plan the served
// forecasts were made with was loaded, and planned days reach readers of a
// series and of a grid as the trainer stored them.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeStored } from "../../edge/contract/codec.ts";
import { keys, seriesField } from "../../edge/contract/keys.ts";
import type { Manifest } from "../../edge/contract/payload.ts";
import { edgeHarness, readJson, readSeries, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion, seriesPayload } from "./publish.ts";

const small = catalogue(1, 2, 2);

describe("the promotion plan at the edge", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  it("/v1/meta gives planLoadedAt from the served version's manifest, null when it used none", async () => {
    const without = await publishVersion(edge.redis, small, { prefix: edge.prefix, version: "20261101T000000Z-nopl" });
    expect(await readJson(await edge.get("/v1/meta"))).toMatchObject({ version: without.version, planLoadedAt: null });

    const planned = await publishVersion(edge.redis, small, { prefix: edge.prefix, version: "20261102T000000Z-plan", movePointer: false });
    const manifest: Manifest = { ...planned.manifest, plan: { loadedAt: "2026-11-01T20:15:00.123Z", series: 1 } };
    await edge.redis.set(keys(edge.prefix).manifest(planned.version), JSON.stringify(manifest));
    await edge.redis.set(keys(edge.prefix).live, planned.version);
    const meta = await readJson(await edge.get("/v1/meta", { env: { FORECAST_VERSION: planned.version } }));
    expect(meta).toMatchObject({ version: planned.version, planLoadedAt: "2026-11-01T20:15:00.123Z", manifest: { plan: { series: 1 } } });
  });

  it("planned days reach a series read and a grid read unchanged", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const field = seriesField("c1", "s1", "p1");
    const payload = { ...seriesPayload(version, "2026-10-31", 7, "c1", "s1", "p1"), promoDays: [2, 3, 4] };
    await edge.redis.hset(keys(edge.prefix).horizon(version, 7), { [field]: await encodeStored(payload) });

    expect(await readSeries(await edge.get("/v1/forecast/c1/s1/p1?h=7"), "c1/s1/p1")).toEqual(payload);
    const grid = await readJson(await edge.get("/v1/forecast?city=c1&store=*&product=*&h=7"));
    const series = grid.series as { store: string; product: string; promoDays?: number[] }[];
    expect(series.find((s) => s.store === "s1" && s.product === "p1")?.promoDays).toEqual([2, 3, 4]);
    expect(series.filter((s) => s.promoDays !== undefined)).toHaveLength(1);
  });
});
