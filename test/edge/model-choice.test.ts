import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeStored } from "../../edge/contract/codec.ts";
import { HORIZONS, keys, seriesField } from "../../edge/contract/keys.ts";
import { edgeHarness, readGrid, readJson, readSeries, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion, seriesPayload } from "./publish.ts";

const small = catalogue(1, 1, 2);
const ORIGIN = "2026-10-31";

/** Writes one variant hash for the given series, as the trainer does: Prophet's rollback output or the accurate variant. */
async function publishVariant(edge: EdgeHarness, key: (h: 7 | 30 | 60) => string, version: string, product: string, model: string, offset: number) {
  for (const h of HORIZONS) {
    const payload = { ...seriesPayload(version, ORIGIN, h, "c1", "s1", product, offset), model };
    await edge.redis.hset(key(h), { [seriesField("c1", "s1", product)]: await encodeStored(payload) });
  }
}

describe("PROPHET_ONLY: roll the hybrid selection back to Prophet without retraining", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  it("serves Prophet's forecast where the selection was another model, and the same forecast where it was Prophet", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const k = keys(edge.prefix);
    // p1 went to Croston in the selection; the trainer published Prophet's forecast beside it. p2 was Prophet already.
    await publishVariant(edge, (h) => k.prophetHorizon(version, h), version, "p1", "prophet", 40);

    const hybrid = await edge.get("/v1/forecast/c1/s1/p1?h=7");
    expect(await readSeries(hybrid, "c1/s1/p1")).toEqual(seriesPayload(version, ORIGIN, 7, "c1", "s1", "p1"));
    expect(hybrid.headers.get("X-Forecast-Mode")).toBe("fast");
    expect(hybrid.headers.get("X-Forecast-Mode-Fallback")).toBeNull();

    const env = { PROPHET_ONLY: "on" };
    const rolledBack = await edge.get("/v1/forecast/c1/s1/p1?h=7", { env });
    expect(await readSeries(rolledBack, "c1/s1/p1")).toEqual({ ...seriesPayload(version, ORIGIN, 7, "c1", "s1", "p1", 40), model: "prophet" });
    expect(rolledBack.headers.get("X-Forecast-Mode-Fallback")).toBe("prophet-only");
    expect(rolledBack.headers.get("ETag")).toContain(":prophet/h7:");
    expect(await readSeries(await edge.get("/v1/forecast/c1/s1/p2?h=7", { env }), "c1/s1/p2")).toEqual(seriesPayload(version, ORIGIN, 7, "c1", "s1", "p2"));

    // The grid too: one series from the Prophet hash, the other from the main one.
    const grid = await readGrid(await edge.get("/v1/forecast?city=c1&store=s1&product=p1,p2&h=30", { env }));
    expect(grid.series.map((s: { product: string; point: number[] }) => [s.product, s.point[0]])).toEqual([
      ["p1", seriesPayload(version, ORIGIN, 30, "c1", "s1", "p1", 40).point[0]],
      ["p2", seriesPayload(version, ORIGIN, 30, "c1", "s1", "p2").point[0]],
    ]);
    // Switching back serves the selection again: the variants have their own cache entries.
    expect(await readSeries(await edge.get("/v1/forecast/c1/s1/p1?h=7"), "c1/s1/p1")).toEqual(seriesPayload(version, ORIGIN, 7, "c1", "s1", "p1"));
  });

  it("rejects a bad switch value with the one configuration error", async () => {
    await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const res = await edge.get("/v1/forecast/c1/s1/p1", { env: { PROPHET_ONLY: "maybe" } });
    expect(res.status).toBe(503);
    expect((await readJson(res)).error.message).toMatch(/PROPHET_ONLY must be "on"/);
  });
});

describe("mode=fast|accurate", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  it("serves fast, says so, and keeps it briefly, until the accurate variant is ready; then serves accurate", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const k = keys(edge.prefix);
    // Half written: p1 is there but the variant is not marked ready, so fast is served.
    await publishVariant(edge, (h) => k.accurateHorizon(version, h), version, "p1", "ensemble:prophet+seasonal_naive", 7);
    const early = await edge.get("/v1/forecast/c1/s1/p1?h=30&mode=accurate");
    expect(early.status).toBe(200);
    expect(early.headers.get("X-Forecast-Mode")).toBe("fast");
    expect(early.headers.get("X-Forecast-Mode-Fallback")).toBe("accurate-not-ready");
    expect(early.headers.get("Cache-Control")).toBe("public, max-age=30");
    expect(await readSeries(early, "c1/s1/p1")).toEqual(seriesPayload(version, ORIGIN, 30, "c1", "s1", "p1"));

    await publishVariant(edge, (h) => k.accurateHorizon(version, h), version, "p2", "prophet", 9);
    await edge.redis.set(k.accurateReady(version), JSON.stringify({ series: 2, finishedAt: new Date().toISOString() }));
    const ready = await edge.get("/v1/forecast/c1/s1/p1?h=30&mode=accurate");
    expect(ready.headers.get("X-Forecast-Mode")).toBe("accurate");
    expect(ready.headers.get("X-Forecast-Mode-Fallback")).toBeNull();
    expect(await readSeries(ready, "c1/s1/p1")).toEqual({ ...seriesPayload(version, ORIGIN, 30, "c1", "s1", "p1", 7), model: "ensemble:prophet+seasonal_naive" });
    const grid = await readJson(await edge.get("/v1/forecast?city=c1&store=s1&product=*&h=7&mode=accurate"));
    expect(grid.series.map((s: { model: string }) => s.model)).toEqual(["ensemble:prophet+seasonal_naive", "prophet"]);
    // The default is still fast.
    const fast = await edge.get("/v1/forecast/c1/s1/p1?h=30");
    expect(fast.headers.get("X-Forecast-Mode")).toBe("fast");
    expect(await readSeries(fast, "c1/s1/p1")).toEqual(seriesPayload(version, ORIGIN, 30, "c1", "s1", "p1"));
  });

  it("FORECAST_MODES switches either mode off: accurate answers fast, or fast answers accurate", async () => {
    const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const k = keys(edge.prefix);
    await publishVariant(edge, (h) => k.accurateHorizon(version, h), version, "p1", "sba", 3);
    await publishVariant(edge, (h) => k.accurateHorizon(version, h), version, "p2", "sba", 3);
    await edge.redis.set(k.accurateReady(version), JSON.stringify({ series: 2, finishedAt: new Date().toISOString() }));

    const noAccurate = await edge.get("/v1/forecast/c1/s1/p1?h=7&mode=accurate", { env: { FORECAST_MODES: "fast" } });
    expect(noAccurate.headers.get("X-Forecast-Mode")).toBe("fast");
    expect(noAccurate.headers.get("X-Forecast-Mode-Fallback")).toBe("accurate-disabled");
    expect((await readJson(noAccurate)).model).not.toBe("sba");

    const noFast = await edge.get("/v1/forecast/c1/s1/p1?h=7&mode=fast", { env: { FORECAST_MODES: "accurate" } });
    expect(noFast.headers.get("X-Forecast-Mode")).toBe("accurate");
    expect(noFast.headers.get("X-Forecast-Mode-Fallback")).toBe("fast-disabled");
    expect((await readJson(noFast)).model).toBe("sba");
    // The first listed mode is the default.
    const byDefault = await edge.get("/v1/forecast/c1/s1/p2?h=7", { env: { FORECAST_MODES: "accurate,fast" } });
    expect([byDefault.headers.get("X-Forecast-Mode"), byDefault.headers.get("X-Forecast-Mode-Fallback")]).toEqual(["accurate", null]);
  });

  it("400 bad_mode for an unknown mode, and a configuration error for an unknown FORECAST_MODES entry", async () => {
    await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const bad = await edge.get("/v1/forecast/c1/s1/p1?mode=slow");
    expect(bad.status).toBe(400);
    expect((await readJson(bad)).error).toMatchObject({ code: "bad_mode", message: expect.stringMatching(/fast or accurate/) });
    const misconfigured = await edge.get("/v1/forecast/c1/s1/p1", { env: { FORECAST_MODES: "fast,turbo" } });
    expect(misconfigured.status).toBe(503);
    expect((await readJson(misconfigured)).error.message).toMatch(/FORECAST_MODES must list fast and\/or accurate/);
  });
});
