import { beforeAll, describe, expect, it } from "vitest";
import { CANDIDATES, candidatesFor, type Candidate } from "../../../trainer/models/candidates.ts";
import { fitSeries } from "../../../trainer/models/fit-series.ts";
import { loadProphet } from "../../../trainer/models/prophet.ts";
import type { FitOutcome, FitResult } from "../../../trainer/models/types.ts";
import { synthetic } from "./synthetic.ts";

const options = { horizon: 60, level: 0.8, holdoutDays: 60, folds: 3 };
// A weekly rhythm on a steady level: Prophet's home ground.
const smooth = synthetic({ days: 365, seed: 21 }).series;
// Poisson with mean 0.6: no sale on about half the days, intermittent by Syntetos–Boylan.
const sparse = synthetic({ days: 365, seed: 22, level: 0.6, slope: 0, weekendLift: 0.1, promoShare: 0, counts: true }).series;

function expectOk(result: FitResult): FitOutcome {
  if (!result.ok) throw new Error(`expected a fit, got ${result.error.code}: ${result.error.message}`);
  return result;
}

beforeAll(() => loadProphet());

describe("model selection", () => {
  it("picks Prophet for a smooth weekly series, scored on three rolling folds", () => {
    const result = expectOk(fitSeries(smooth, options));
    expect(result.demandClass).toBe("smooth");
    expect(result.model).toMatch(/^prophet/);
    expect(result.scores.map((s) => s.model).sort()).toEqual(["prophet", "prophet_multiplicative", "seasonal_naive"]);
    expect(result.scores[0].model).toBe(result.model);
    expect(result.scores[0].folds).toHaveLength(3);
    // Best first, and it beats the seasonal-naive floor.
    const naive = result.scores.find((s) => s.model === "seasonal_naive")!;
    expect(result.scores[0].mase!).toBeLessThan(naive.mase!);
    expect(result.metrics.mase).toBeCloseTo(result.scores[0].mase!, 12);
    expect(result.prophet).toBeUndefined();
  });

  it("picks a Croston-family model for an intermittent series, and still fits Prophet for the rollback", () => {
    const result = expectOk(fitSeries(sparse, options));
    expect(result.demandClass).toBe("intermittent");
    expect(["croston", "sba", "tsb"]).toContain(result.model);
    expect(result.scores.map((s) => s.model)).toEqual(expect.arrayContaining(["croston", "sba", "tsb", "seasonal_naive"]));
    expect(result.forecast.point.every((p) => p === result.forecast.point[0] && p > 0.3 && p < 1)).toBe(true);
    expect(result.prophet?.model).toBe("prophet");
    expect(result.prophet?.forecast.point).toHaveLength(60);
    expect(Object.keys(result.params as object).sort()).toEqual(["prophet", result.model].sort());
  });

  it("leaves out the candidates named in exclude", () => {
    const result = expectOk(fitSeries(smooth, { ...options, exclude: ["prophet_multiplicative"] }));
    expect(result.scores.map((s) => s.model).sort()).toEqual(["prophet", "seasonal_naive"]);
  });

  it("with hybrid forecasting off, tries and publishes Prophet only", () => {
    const result = expectOk(fitSeries(sparse, { ...options, hybrid: false }));
    expect(result.model).toMatch(/^prophet/);
    expect(result.scores.every((s) => s.model.startsWith("prophet"))).toBe(true);
    expect(result.prophet).toBeUndefined();
  });

  it("keeps the mean of the best two only where its backtest beats the best one", () => {
    const result = expectOk(fitSeries(sparse, { ...options, ensemble: true }));
    const single = result.scores.filter((s) => !s.model.startsWith("ensemble:"));
    if (result.model.startsWith("ensemble:")) {
      expect(result.scores[0].model).toBe(result.model);
      expect(result.scores[0].mase!).toBeLessThan(single[0].mase!);
      expect(result.model).toBe(`ensemble:${single[0].model}+${single[1].model}`);
    } else {
      expect(result.model).toBe(single[0].model);
    }
  });

  it("without folds, falls back to the class's first candidate", () => {
    const result = expectOk(fitSeries(sparse, { ...options, holdoutDays: 0 }));
    expect(result.model).toBe("croston");
    expect(result.metrics.holdoutDays).toBe(0);
  });

  it("forecasts zero for a series that never sold", () => {
    const none = { id: "none", start: "2024-01-01", units: new Array(60).fill(0), promo: new Array(60).fill(0) };
    const result = expectOk(fitSeries(none, options));
    expect([result.model, result.demandClass]).toEqual(["zero", "none"]);
    expect(result.forecast.point).toEqual(new Array(60).fill(0));
  });

  it("adding a candidate is one registry entry", () => {
    const mean: Candidate = {
      name: "mean",
      family: "test",
      classes: ["intermittent"],
      fit: (series, { horizon }) => {
        const m = series.units.reduce((a, b) => a + b, 0) / series.units.length;
        return { forecast: { point: new Array(horizon).fill(m), lower: new Array(horizon).fill(0), upper: new Array(horizon).fill(2 * m) }, params: { m } };
      },
    };
    const registry = [...CANDIDATES, mean];
    expect(candidatesFor("intermittent", { hybrid: true, registry }).map((c) => c.name)).toContain("mean");
    const result = expectOk(fitSeries(sparse, options, registry));
    expect(result.scores.map((s) => s.model)).toContain("mean");
  });
});
