// The published MASE and RMSSE carried from the held-out fold to the
// published forecast's days: a fold at a seasonal peak must not overstate the
// error of a forecast into a trough, and a fold at the forecast's own level
// is published as measured.
import { describe, expect, it } from "vitest";
import { scoreFold } from "../../../trainer/models/backtest.ts";
import { mase, rmsse, rmsseScale, seasonalNaiveScale } from "../../../trainer/models/metrics.ts";
import type { FitOutcome } from "../../../trainer/models/types.ts";
import { poisson, seededRandom } from "../../../trainer/seed/random.ts";
import { fitSeries } from "../../../trainer/select/fit-series.ts";
import { carriedToHorizon } from "../../../trainer/select/published-accuracy.ts";

const TRAIN = 365;
const FOLD = 4000;
const AHEAD = 4000;

/** Poisson demand at `before` a day for the training days, `fold` on the held-out fold, `ahead` after it; each forecast is its days' true mean. */
function scenario(before: number, fold: number, ahead: number) {
  const random = seededRandom(41);
  const units = [...Array.from({ length: TRAIN }, () => poisson(random, before)), ...Array.from({ length: FOLD }, () => poisson(random, fold))];
  const actual = Array.from({ length: AHEAD }, () => poisson(random, ahead));
  const foldForecast = { point: new Array(FOLD).fill(fold), lower: new Array(FOLD).fill(0), upper: new Array(FOLD).fill(2 * fold) };
  const folded = { trainDays: TRAIN, testDays: FOLD, forecast: foldForecast };
  const measured = scoreFold({ units: Float64Array.from(units) }, folded, foldForecast);
  const published = new Array(AHEAD).fill(ahead);
  const train = units.slice(0, TRAIN);
  const realised = { mase: mase(actual, published, seasonalNaiveScale(train))!, rmsse: rmsse(actual, published, rmsseScale(train))! };
  return { measured, carried: carriedToHorizon(units, folded, measured, published), realised };
}

describe("published accuracy carried to the forecast's days", () => {
  it("tracks the realised error of a forecast into a trough where the fold's own score doubles it", () => {
    const { measured, carried, realised } = scenario(12, 20, 5);
    expect(measured.mase! / realised.mase).toBeGreaterThan(1.8);
    for (const key of ["mase", "rmsse"] as const) {
      expect(carried[key]! / realised[key], key).toBeGreaterThan(0.9);
      expect(carried[key]! / realised[key], key).toBeLessThan(1.1);
    }
  });

  it("keeps the fold's score when the forecast stays at the fold's level, and sMAPE, WAPE and coverage as measured", () => {
    const { measured, carried } = scenario(12, 12, 12);
    expect(carried.mase).toBeCloseTo(measured.mase!, 10);
    expect(carried.rmsse).toBeCloseTo(measured.rmsse!, 10);
    const lower = scenario(12, 20, 5);
    expect(lower.carried).toMatchObject({ smape: lower.measured.smape, wape: lower.measured.wape, coverage: lower.measured.coverage, holdoutDays: FOLD });
  });

  it("is published as measured on the fold with PUBLISHED_ACCURACY=fold", () => {
    const random = seededRandom(9);
    // Demand doubling over the year: the newest fold sits above the earlier days, the forecast above the fold.
    const units = Array.from({ length: 540 }, (_, t) => poisson(random, 10 * (1 + t / 365)));
    const input = { id: "s", start: "2024-01-01", units, promo: new Array(units.length).fill(0) };
    const options = { horizon: 60, level: 0.8, holdoutDays: 60, folds: 3 };
    const [horizon, fold] = (["horizon", "fold"] as const).map((publishedAccuracy) => fitSeries(input, { ...options, publishedAccuracy }) as FitOutcome);
    expect(horizon.model).toBe(fold.model);
    expect(horizon.metrics).toMatchObject({ smape: fold.metrics.smape, wape: fold.metrics.wape, coverage: fold.metrics.coverage });
    expect(horizon.metrics.mase).not.toBeCloseTo(fold.metrics.mase!, 6);
  });
});
