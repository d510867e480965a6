import { describe, expect, it } from "vitest";
import { backtest, holdoutFolds, type ForecastModel } from "../../../trainer/models/backtest.ts";
import { validateSeries } from "../../../trainer/models/series.ts";

// Seasonal naive: each future day repeats the same weekday of the last week.
// A real model, simple enough that its backtest scores are known exactly.
const seasonalNaive: ForecastModel = (series, horizon) => {
  const last = series.units.subarray(-7);
  const point = Array.from({ length: horizon }, (_, j) => last[j % 7]);
  return { forecast: { point, lower: point.map((p) => p - 1), upper: point.map((p) => p + 1) }, params: { trainDays: series.units.length } };
};

describe("backtest", () => {
  it("holds out the last days when enough are left to train on", () => {
    expect(holdoutFolds(100, 30)).toEqual([{ trainDays: 70, testDays: 30 }]);
    expect(holdoutFolds(43, 30)).toEqual([]);
    expect(holdoutFolds(100, 0)).toEqual([]);
  });

  it("rolls the origin back one fold at a time, oldest first, while enough is left to train on", () => {
    expect(holdoutFolds(365, 60, 3)).toEqual([
      { trainDays: 185, testDays: 60 },
      { trainDays: 245, testDays: 60 },
      { trainDays: 305, testDays: 60 },
    ]);
    expect(holdoutFolds(140, 60, 3)).toEqual([{ trainDays: 20, testDays: 60 }, { trainDays: 80, testDays: 60 }]);
  });

  it("averages the folds' scores and keeps each fold's forecast", () => {
    // Level 10 for 4 weeks, then 20: the newest fold (origin day 21) misses by 10 a day, the older (origin 14) by 0.
    const units = Array.from({ length: 35 }, (_, i) => (i >= 28 ? 20 : 10));
    const flat: ForecastModel = (series, horizon) => {
      const last = series.units[series.units.length - 1];
      const point = new Array(horizon).fill(last);
      return { forecast: { point, lower: point, upper: point }, params: series.units.length };
    };
    const result = backtest(validateSeries({ id: "f", start: "2024-01-01", units, promo: units.map(() => 0) }, 7), 7, flat, 3);
    expect(result.folds.map((f) => f.trainDays)).toEqual([14, 21, 28]);
    expect(result.folds.map((f) => f.metrics.wape)).toEqual([0, 0, 0.5]);
    expect(result.metrics.wape).toBeCloseTo(0.5 / 3, 12);
    expect(result.params).toBe(28);
    expect(result.folds.map((f) => f.params)).toEqual([14, 21, 28]);
  });

  it("fits on the training days and scores the held-out ones", () => {
    // Weekly 1..7 for 8 weeks, then the last week is doubled: the holdout sees a shift.
    const units = Array.from({ length: 56 }, (_, i) => (i % 7) + 1 + (i >= 49 ? (i % 7) + 1 : 0));
    const promo = units.map((_, i) => (i === 50 ? 1 : 0));
    let seen: { days: number; futurePromo: number[] } | undefined;
    const model: ForecastModel = (series, horizon) => {
      seen = { days: series.units.length, futurePromo: Array.from(series.futurePromo) };
      return seasonalNaive(series, horizon);
    };
    const { metrics, params } = backtest(validateSeries({ id: "w", start: "2024-01-01", units, promo }, 60), 7, model);

    expect(seen).toEqual({ days: 49, futurePromo: [0, 1, 0, 0, 0, 0, 0] });
    expect(params).toEqual({ trainDays: 49 });
    // Forecast 1..7 against actual 2..14: |F−A| = 1..7, Σ 28 of Σ|A| 56; the training part is
    // exactly weekly, so the seasonal-naive scale is 0 and MASE undefined.
    expect(metrics.wape).toBeCloseTo(0.5, 12);
    expect(metrics.mase).toBeNull();
    // 200·k/(3k) for every day.
    expect(metrics.smape).toBeCloseTo(200 / 3, 10);
    // Only the first day (2 within 1±1) is covered.
    expect(metrics.coverage).toBeCloseTo(1 / 7, 12);
    expect(metrics.holdoutDays).toBe(7);
  });

  it("reports no metrics when there is no fold", () => {
    const units = new Array(20).fill(3);
    const { metrics } = backtest(validateSeries({ id: "s", start: "2024-01-01", units, promo: new Array(20).fill(0) }, 60), 30, seasonalNaive);
    expect(metrics).toEqual({ mase: null, rmsse: null, smape: null, wape: null, coverage: null, holdoutDays: 0 });
  });
});
