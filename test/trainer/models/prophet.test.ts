import { beforeAll, describe, expect, it } from "vitest";
import { FitPool } from "../../../trainer/fit/pool.ts";
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
    // With yearly seasonality on, two fits of the same data stop within ~3e-4 of each other.
    expect(Math.abs(promoted.forecast.point[11] / plain.forecast.point[11] - 1)).toBeLessThan(1e-3);
  });

  it("warm-started from yesterday's params gives the cold forecast", () => {
    // Yesterday's history was a day shorter; both hold two years, so both fit yearly seasonality.
    const longer = synthetic({ days: 731, seed: 7 }).series;
    const today = packed(longer);
    const yesterday = packed(truth.series);
    const previous = fitProphet(yesterday, settings);

    let started = performance.now();
    const cold = fitProphet(today, settings);
    const coldMs = performance.now() - started;
    started = performance.now();
    const warm = fitProphet(today, settings, [JSON.parse(JSON.stringify(previous.params))]);
    const warmMs = performance.now() - started;
    console.info(`731-day fit + 60-day predict: cold ${coldMs.toFixed(0)} ms, warm ${warmMs.toFixed(0)} ms`);

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

  it("fits yearly seasonality once the history holds two years of days", () => {
    const short = fitProphet(packed(synthetic({ days: 729, seed: 7 }).series), settings);
    const long = fitProphet(packed(truth.series), settings);
    // Weekly: 3 Fourier pairs; yearly adds 10 more; plus the promo regressor.
    expect(short.params!.beta).toHaveLength(6 + 1);
    expect(long.params!.beta).toHaveLength(6 + 20 + 1);
    // A backtest fold of a two-year series fits what the final fit will, given a full year of its own.
    const fold = fitProphet(packed(synthetic({ days: 454, seed: 7 }).series), { ...settings, wholeDays: 730 });
    expect(fold.params!.beta).toHaveLength(6 + 20 + 1);
    const tooShort = fitProphet(packed(synthetic({ days: 300, seed: 7 }).series), { ...settings, wholeDays: 730 });
    expect(tooShort.params!.beta).toHaveLength(6 + 1);
  });

  it("learns a holiday's lift from the calendar and forecasts it on its next occurrence", () => {
    // A 400-day series starting 2023-01-02 with +40 units on the 10th of every month: day 373 is 2024-01-10.
    const days = 400;
    const base = synthetic({ days, seed: 5, promoShare: 0 }).series;
    const dateOf = (i: number) => new Date(Date.UTC(2023, 0, 2 + i)).toISOString().slice(0, 10);
    const payday = Array.from({ length: days + HORIZON }, (_, i) => dateOf(i)).filter((d) => d.endsWith("-10"));
    const units = base.units.map((u, i) => (dateOf(i).endsWith("-10") ? u + 40 : u));
    const series = packed({ ...base, units });
    const plain = fitProphet(series, settings);
    const withHoliday = fitProphet(series, { ...settings, holidays: [{ name: "payday", days: payday }] });
    const next = Array.from({ length: HORIZON }, (_, j) => dateOf(days + j)).findIndex((d) => d.endsWith("-10"));
    expect(withHoliday.forecast.point[next] - withHoliday.forecast.point[next + 1]).toBeGreaterThan(25);
    expect(plain.forecast.point[next] - plain.forecast.point[next + 1]).toBeLessThan(10);
  });

  it("fits a series the same as a thread's first fit as after others", async () => {
    // Several holidays and both seasonalities: augurs orders their columns by
    // Rust hash maps whose keys move on with every map a WASM instance makes.
    const dateOf = (i: number) => new Date(Date.UTC(2023, 0, 2 + i)).toISOString().slice(0, 10);
    const holidays = ["-01", "-10", "-15", "-20"].map((suffix) => ({
      name: `day${suffix}`, days: Array.from({ length: 800 }, (_, i) => dateOf(i)).filter((d) => d.endsWith(suffix)),
    }));
    const fit = { horizon: HORIZON, level: 0.8, holdoutDays: 14, holidays };
    const series = synthetic({ id: "a", days: 730, seed: 11 }).series;
    const other = synthetic({ id: "b", days: 200, seed: 3 }).series;
    const forecastOf = async (inputs: SeriesInput[]) => {
      // One thread each, started afresh: the series' fit is its first, or comes after the others.
      const pool = new FitPool({ threads: 1, fit });
      try {
        let forecast: number[] | undefined;
        await pool.fitAll(inputs, (r) => {
          if (r.id === "a") forecast = r.ok ? r.forecast.point : [];
        });
        return forecast!;
      } finally {
        await pool.close();
      }
    };
    const first = await forecastOf([series]);
    const later = await forecastOf([other, other, series]);
    expect(first).toHaveLength(HORIZON);
    later.forEach((p, i) => expect(p, `day ${i + 1}`).toBeCloseTo(first[i], 9));
  });
});
