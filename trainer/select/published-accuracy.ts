// The published MASE and RMSSE, carried from the held-out fold's days to the
// days the published forecast covers. Both divide by a fixed scale from the
// training days, so they rise and fall with the level of the days scored: a
// fold in a seasonal peak overstates the error of a forecast into a trough,
// and the other way round. The fold's errors are standardised by the
// count-noise scale the intervals use, √(f + 1) of the fold forecast, and
// carried to every published day by that day's own; sMAPE, WAPE and coverage
// are relative to the days' own level and are kept as measured.
import type { FoldResult } from "../models/backtest.ts";
import { rmsseScale, seasonalNaiveScale } from "../models/metrics.ts";
import type { Metrics } from "../models/types.ts";
import { errorScale } from "./intervals.ts";

export function carriedToHorizon(units: ArrayLike<number>, fold: Pick<FoldResult, "trainDays" | "testDays" | "forecast">, measured: Metrics, published: ArrayLike<number>): Metrics {
  if (fold.testDays === 0 || published.length === 0) return measured;
  let absolute = 0;
  let squared = 0;
  for (let h = 0; h < fold.testDays; h++) {
    const f = fold.forecast.point[h];
    const z = (units[fold.trainDays + h] - f) / errorScale(f);
    absolute += Math.abs(z) / fold.testDays;
    squared += (z * z) / fold.testDays;
  }
  let scale = 0;
  let scaleSquared = 0;
  for (let h = 0; h < published.length; h++) {
    scale += errorScale(published[h]) / published.length;
    scaleSquared += errorScale(published[h]) ** 2 / published.length;
  }
  const train = Array.prototype.slice.call(units, 0, fold.trainDays) as number[];
  const maseScale = seasonalNaiveScale(train);
  const msseScale = rmsseScale(train);
  return {
    ...measured,
    mase: maseScale === null ? null : (absolute * scale) / maseScale,
    rmsse: msseScale === null ? null : Math.sqrt((squared * scaleSquared) / msseScale),
  };
}
