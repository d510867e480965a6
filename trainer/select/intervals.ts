// Prediction intervals calibrated on the series' own rolling-origin folds
// (split conformal), the same way for every model family. Each fold's
// errors are scaled like count noise and grouped by how far ahead the day
// was; per group the interval is the conformal rank of the scaled errors, so
// a band is as wide as that model's errors were at that distance, widening
// with the horizon where they did. No model's own interval (Prophet's
// simulated draws, a flat quantile of recent days) is trusted to be right.
import type { FoldResult } from "../models/backtest.ts";
import type { Forecast } from "../models/types.ts";

/** Scaled-error quantiles per group of horizon days; plain data, stored with the fit's params. */
export interface Bands {
  /** Last horizon day (1-based) of each group, ascending. */
  ends: number[];
  lower: number[];
  upper: number[];
}

/** Group edges: a week, two, four, then the folds' length; the later days of a longer horizon share the last group. */
const EDGES = [7, 14, 28, 60, 91, 182, 365];

/** Errors grow with the level, roughly like a count's: √(f + 1) keeps one scale for slow and fast days. */
export const errorScale = (point: number) => Math.sqrt(Math.max(point, 0) + 1);

/** The order statistic at fractional rank r (1-based), linearly between neighbours and capped at the extremes. */
function rank(sorted: number[], r: number): number {
  const at = Math.min(sorted.length, Math.max(1, r)) - 1;
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/**
 * Bands at `level` from the folds' forecasts of `units`. Null without a fold.
 * Each group stands on its own errors: forcing later groups to be at least as
 * wide as earlier ones would widen them by the noise of the smaller groups.
 */
export function calibrateBands(units: ArrayLike<number>, folds: readonly FoldResult[], level: number): Bands | null {
  if (folds.length === 0) return null;
  const testDays = Math.min(...folds.map((f) => f.testDays));
  const ends = [...EDGES.filter((e) => e < testDays), testDays];
  const groups: number[][] = ends.map(() => []);
  for (const fold of folds) {
    let group = 0;
    for (let h = 0; h < testDays; h++) {
      while (h + 1 > ends[group]) group++;
      const f = fold.forecast.point[h];
      groups[group].push((units[fold.trainDays + h] - f) / errorScale(f));
    }
  }
  const lower: number[] = [];
  const upper: number[] = [];
  groups.forEach((errors, g) => {
    errors.sort((a, b) => a - b);
    const n = errors.length;
    // Conformal ranks on n + 1 (Hyndman–Fan type 6): a new exchangeable error falls between the
    // order statistics at ranks r and s with probability (s − r) / (n + 1), so this covers `level` on average.
    const lo = ((n + 1) * (1 - level)) / 2;
    const hi = ((n + 1) * (1 + level)) / 2;
    // Too few errors to rank that low: nothing below the lowest is ruled out, and demand stops at 0.
    const low = lo < 1 ? Number.NEGATIVE_INFINITY : rank(errors, lo);
    const high = rank(errors, hi);
    lower.push(Math.min(low, 0));
    upper.push(Math.max(high, 0));
  });
  return { ends, lower, upper };
}

/** The interval around `point` for horizon day h (0-based) from `bands`; past the last group it widens like a random walk. */
export function withBands(point: readonly number[], bands: Bands): Forecast {
  const last = bands.ends.length - 1;
  const lower: number[] = [];
  const upper: number[] = [];
  let group = 0;
  point.forEach((p, h) => {
    while (group < last && h + 1 > bands.ends[group]) group++;
    const widen = h + 1 > bands.ends[last] ? Math.sqrt((h + 1) / bands.ends[last]) : 1;
    const s = errorScale(p) * widen;
    lower.push(Math.min(p, Math.max(0, p + bands.lower[group] * s)));
    upper.push(Math.max(p, p + bands.upper[group] * s));
  });
  return { point: [...point], lower, upper };
}

/** Checks bands read back from a stored fit; null when they are not bands. */
export function bandsOf(value: unknown): Bands | null {
  if (value === null || typeof value !== "object") return null;
  const { ends, lower, upper } = value as Partial<Bands>;
  const numbers = (a: unknown, n: number): a is number[] =>
    Array.isArray(a) && a.length === n && a.every((x) => typeof x === "number" || x === null);
  if (!Array.isArray(ends) || ends.length === 0 || !numbers(ends, ends.length) || !numbers(lower, ends.length) || !numbers(upper, ends.length)) return null;
  // JSON has no -Infinity: a stored null lower bound means "down to zero".
  return { ends, lower: lower.map((x) => (x === null ? Number.NEGATIVE_INFINITY : x)), upper };
}
