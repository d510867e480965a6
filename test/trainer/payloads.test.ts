// The published precision: payloads carry values rounded to a step set by the
// forecast's own interval, on a forecast the real model fits.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeStored } from "../../edge/contract/codec.ts";
import { decodeStoredForecast, toValuePayload, type StepPayload } from "../../edge/contract/shape.ts";
import { HORIZONS } from "../../edge/contract/keys.ts";
import { precisionStep, roundToStep, type SeriesPayload } from "../../edge/contract/payload.ts";
import { fitSeries } from "../../trainer/select/fit-series.ts";
import { loadProphet } from "../../trainer/models/prophet.ts";
import { encodeHorizons, type SeriesForecast } from "../../trainer/publish/payloads.ts";
import { generateSales } from "../../trainer/seed/generate.ts";

const context = { version: "20261101T000000Z-test", origin: "2026-10-31", level: 0.8 };

async function decodeAll(encoded: Record<number, string>): Promise<Record<number, SeriesPayload>> {
  return Object.fromEntries(await Promise.all(HORIZONS.map(async (h) => [h, await decodeStoredForecast(encoded[h]!)] as const)));
}

describe("precisionStep", () => {
  it("is the largest 1, 2 or 5 × 10^k within twice the share of the narrowest interval", () => {
    expect(precisionStep([10, 20], [34, 44.5], 0.01)).toBe(0.2); // 2% of 24 is 0.48
    expect(precisionStep([0], [25], 0.01)).toBe(0.5);
    expect(precisionStep([0, 0], [1000, 600], 0.01)).toBe(10);
    expect(precisionStep([0], [0.9], 0.01)).toBe(0.01); // 0.018
    expect(precisionStep([0], [0.02], 0.01)).toBe(0.001); // never finer than three decimals' step
  });

  it("falls back to three decimals without a positive interval or with share 0", () => {
    expect(precisionStep([5, 5], [5, 5], 0.01)).toBe(0.001);
    expect(precisionStep([0], [24], 0)).toBe(0.001);
  });

  it("rounds to multiples printed without binary noise", () => {
    expect(roundToStep([91.94, 65.86, -0.05, 0.1 + 0.2], 0.2)).toEqual([92, 65.8, 0, 0.4]);
    expect(roundToStep([1234.5678], 0.005)).toEqual([1234.57]);
    expect(roundToStep([37.4, 12], 5)).toEqual([35, 10]);
  });
});

describe("encodeHorizons", () => {
  let forecast: SeriesForecast;
  beforeAll(async () => {
    await loadProphet();
    const units: number[] = [];
    const promo: number[] = [];
    let start = "";
    for (const row of generateSales({ cities: 1, stores: 1, products: 1, days: 400, end: "2026-10-31", seed: 7 })) {
      start ||= row.day;
      units.push(row.units);
      promo.push(row.promo ? 1 : 0);
    }
    const result = fitSeries({ id: "c1:p1", start, units, promo }, { horizon: 60, level: 0.8, holdoutDays: 30, folds: 1 });
    if (!result.ok) throw new Error(`fit failed: ${result.error.message}`);
    forecast = { city: "c1", store: "c1-north", product: "p1", model: result.model, mase: result.metrics.mase, ...result.forecast };
  }, 60_000);

  it("moves no value by more than 1% of its day's interval width, with one step for every horizon", async () => {
    const payloads = await decodeAll(await encodeHorizons(forecast, context));
    const step = payloads[60]!.step!;
    expect(step).toBe(precisionStep(forecast.lower.slice(0, 60), forecast.upper.slice(0, 60), 0.01));
    expect(step).toBeGreaterThan(0.001);
    for (const h of HORIZONS) {
      const p = payloads[h]!;
      expect(p.step).toBe(step);
      for (const k of ["point", "lower", "upper"] as const) {
        expect(p[k]).toHaveLength(h);
        // The shorter horizons are prefixes of the longest, as before.
        expect(p[k]).toEqual(payloads[60]![k].slice(0, h));
        p[k].forEach((value, i) => {
          const width = forecast.upper[i]! - forecast.lower[i]!;
          expect(Math.abs(value - forecast[k][i]!)).toBeLessThanOrEqual(0.01 * width + 1e-9);
          expect(Math.abs(value / step - Math.round(value / step))).toBeLessThan(1e-6);
        });
      }
    }
  });

  it("stores shape 2 by default and shape 1 with FORECAST_SHAPE=v1, the same numbers either way", async () => {
    const identity = { city: "c1", store: "c1-north", product: "p1", version: context.version, h: 30 as const };
    const step2 = await decodeStored<StepPayload>((await encodeHorizons(forecast, context))[30]);
    expect(Object.keys(step2)).toEqual(["origin", "model", "mase", "level", "step", "point", "below", "above"]);
    expect(step2.point.every(Number.isInteger)).toBe(true);
    const shape1 = await decodeStored<SeriesPayload>((await encodeHorizons(forecast, { ...context, shape: "v1" }))[30]);
    expect(shape1).toMatchObject({ city: "c1", store: "c1-north", product: "p1", version: context.version, h: 30 });
    expect(toValuePayload(step2, identity)).toEqual(shape1);
  });

  it("publishes three decimals with ROUNDING_SHARE=0", async () => {
    const payloads = await decodeAll(await encodeHorizons(forecast, { ...context, roundingShare: 0 }));
    expect(payloads[30]!.step).toBe(0.001);
    expect(payloads[30]!.point).toEqual(forecast.point.slice(0, 30).map((v) => Math.round(v * 1000) / 1000));
  });
});
