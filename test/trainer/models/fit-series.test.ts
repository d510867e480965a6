import { beforeAll, describe, expect, it } from "vitest";
import { fitSeries } from "../../../trainer/select/fit-series.ts";
import { checkFitOptions } from "../../../trainer/models/options.ts";
import { loadProphet } from "../../../trainer/models/prophet.ts";
import type { FitOutcome, FitResult, SeriesInput } from "../../../trainer/models/types.ts";
import { synthetic } from "./synthetic.ts";

const options = { horizon: 60, level: 0.8, holdoutDays: 30 };
const { series } = synthetic({ days: 365, seed: 11 });

function expectOk(result: FitResult): FitOutcome {
  if (!result.ok) throw new Error(`expected a fit, got ${result.error.code}: ${result.error.message}`);
  return result;
}

beforeAll(() => loadProphet());

describe("fitSeries", () => {
  it("backtests, refits on the whole series and returns params for the next run", () => {
    const first = expectOk(fitSeries(series, options));
    expect(first.model).toBe("prophet");
    expect(first.forecast.point).toHaveLength(60);
    expect(first.metrics.holdoutDays).toBe(30);
    // Noise sd 2 around ~60 units: a good model is within a few percent and near nominal coverage.
    expect(first.metrics.wape).toBeLessThan(0.08);
    expect(first.metrics.mase).toBeLessThan(1.5);
    expect(first.metrics.coverage).toBeGreaterThan(0.5);
    expect(first.fitMs).toBeGreaterThan(0);

    // As stored in Postgres and read back by the next run.
    const warm = JSON.parse(JSON.stringify(first.params));
    const next = expectOk(fitSeries({ ...series, warm }, options));
    next.forecast.point.forEach((p, j) => expect(Math.abs(p / first.forecast.point[j] - 1)).toBeLessThan(1e-3));
  });

  it("skips the backtest when holdoutDays is 0 or the series is too short for one", () => {
    expect(expectOk(fitSeries(series, { ...options, holdoutDays: 0 })).metrics.holdoutDays).toBe(0);
    const short = { ...series, units: series.units.slice(0, 40), promo: series.promo.slice(0, 40) };
    expect(expectOk(fitSeries(short, options)).metrics).toEqual({ mase: null, rmsse: null, smape: null, wape: null, coverage: null, holdoutDays: 0 });
  });

  it("with the models' own intervals and no interval draws, gives point intervals and no coverage", () => {
    const result = expectOk(fitSeries(series, { ...options, intervals: "model", uncertaintySamples: 0 }));
    expect(result.forecast.lower).toEqual(result.forecast.point);
    expect(result.metrics.coverage).toBeNull();
  });

  it.each<[string, Partial<SeriesInput>, string]>([
    ["NaN units", { units: series.units.map((u, i) => (i === 3 ? Number.NaN : u)) }, "bad_input"],
    ["negative units", { units: series.units.map((u, i) => (i === 3 ? -2 : u)) }, "bad_input"],
    ["a gap read as null", { units: series.units.map((u, i) => (i === 3 ? (null as unknown as number) : u)) }, "bad_input"],
    ["promo of another length", { promo: series.promo.slice(1) }, "bad_input"],
    ["promo not a flag", { promo: series.promo.map(() => 2) }, "bad_input"],
    ["an impossible date", { start: "2024-02-30" }, "bad_input"],
    ["13 days", { units: series.units.slice(0, 13), promo: series.promo.slice(0, 13) }, "too_short"],
  ])("fails a series with %s as %s", (_, change, code) => {
    const result = fitSeries({ ...series, ...change }, options);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.id).toBe(series.id);
    }
  });
});

describe("checkFitOptions", () => {
  it("reports every bad option at once", () => {
    expect(() => checkFitOptions({ horizon: 60.5, level: 0, holdoutDays: -1, uncertaintySamples: -3 })).toThrow(
      "invalid fit options: horizon must be an integer >= 1 (got 60.5); holdoutDays must be an integer >= 0 (got -1); level must be a number between 0 and 1 exclusive, e.g. 0.8 (got 0); uncertaintySamples must be an integer >= 0 (got -3)",
    );
    expect(checkFitOptions(options)).toEqual(options);
  });
});
