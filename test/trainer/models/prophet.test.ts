import { beforeAll, describe, expect, it } from "vitest";
import { fitProphet, loadProphet } from "../../../trainer/models/prophet.ts";
import { validateSeries } from "../../../trainer/models/series.ts";
import type { SeriesInput } from "../../../trainer/models/types.ts";
import { synthetic } from "./synthetic.ts";

const HORIZON = 60;
const settings = { horizon: HORIZON, level: 0.8 };
const packed = (series: SeriesInput) => validateSeries(series, HORIZON);
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

beforeAll(() => loadProphet());

describe("fitProphet", () => {
  // Two years: level 50, +0.02/day, +20 on weekends, noise sd 2, 5% promo days (+15).
  const truth = synthetic({ days: 730, horizon: HORIZON, seed: 7 });

  it("recovers the weekly shape and covers the future with its 80% interval", () => {
    const fit = fitProphet(packed(truth.series), settings);
    const { point, lower, upper } = fit.forecast;
    expect(fit.model).toBe("prophet");
    expect(point).toHaveLength(HORIZON);

    const days = point.map((_, j) => 730 + j);
    const ratio = (values: number[]) =>
      mean(values.filter((_, j) => truth.isWeekend(days[j]))) / mean(values.filter((_, j) => !truth.isWeekend(days[j])));
    expect(ratio(point)).toBeCloseTo(ratio(truth.future), 1);

    const covered = truth.future.filter((y, j) => y >= lower[j] && y <= upper[j]).length / HORIZON;
    expect(covered).toBeGreaterThan(0.65);
    // Trend and level too, not only the shape.
    expect(Math.abs(mean(point) / mean(truth.future) - 1)).toBeLessThan(0.03);
  });

  it("adds a planned promotion to the forecast", () => {
    const plain = fitProphet(packed(truth.series), settings);
    const futurePromo = new Array(HORIZON).fill(0);
    futurePromo[10] = 1;
    const promoted = fitProphet(packed({ ...truth.series, futurePromo }), settings);
    expect(promoted.forecast.point[10] - plain.forecast.point[10]).toBeCloseTo(15, -1);
    expect(promoted.forecast.point[11]).toBeCloseTo(plain.forecast.point[11], 6);
  });

  it("warm-started from yesterday's params gives the cold forecast", () => {
    const today = packed(truth.series);
    const yesterday = packed({ ...truth.series, units: truth.series.units.slice(0, -1), promo: truth.series.promo.slice(0, -1) });
    const previous = fitProphet(yesterday, settings);

    let started = performance.now();
    const cold = fitProphet(today, settings);
    const coldMs = performance.now() - started;
    started = performance.now();
    const warm = fitProphet(today, settings, [JSON.parse(JSON.stringify(previous.params))]);
    const warmMs = performance.now() - started;
    console.info(`730-day fit + 60-day predict: cold ${coldMs.toFixed(0)} ms, warm ${warmMs.toFixed(0)} ms`);

    expect(cold.warmStarted).toBe(false);
    expect(warm.warmStarted).toBe(true);
    const worst = Math.max(...cold.forecast.point.map((c, j) => Math.abs(warm.forecast.point[j] - c) / c));
    expect(worst).toBeLessThan(1e-3);
  });

  it("ignores warm params sized for another model and starts cold", () => {
    const fit = fitProphet(packed(truth.series), settings, [{ k: 0, m: 0, sigmaObs: 1, delta: [0], beta: [0] }, "junk"]);
    expect(fit.warmStarted).toBe(false);
    expect(fit.params).not.toBeNull();
  });

  it("never forecasts negative demand for an intermittent series", () => {
    // Mean under 0.5 a day with a falling trend: unclamped, the lower bound is well below zero.
    const sparse = synthetic({ days: 200, seed: 3, level: 0.6, slope: -0.002, weekendLift: 0.3, promoShare: 0, counts: true });
    expect(sparse.series.units.filter((u) => u === 0).length).toBeGreaterThan(100);
    const { forecast } = fitProphet(packed(sparse.series), settings);
    for (const values of [forecast.point, forecast.lower, forecast.upper]) {
      expect(values.every((v) => v >= 0)).toBe(true);
    }
    expect(forecast.lower.filter((v) => v === 0).length).toBeGreaterThan(HORIZON / 2);
  });

  it("forecasts zero for a history with no demand, which Prophet cannot scale", () => {
    const fit = fitProphet(packed({ id: "none", start: "2024-01-01", units: new Array(30).fill(0), promo: new Array(30).fill(0) }), settings);
    expect(fit.model).toBe("zero");
    expect(fit.forecast.upper).toEqual(new Array(HORIZON).fill(0));
  });
});
