// What one series' forecast looks like on the wire and in the store. The
// trainer writes these, the Worker passes them through byte for byte.
import type { Horizon } from "./keys.ts";

export interface SeriesPayload {
  city: string;
  store: string;
  product: string;
  version: string;
  /** Last observed day (YYYY-MM-DD); point[0] forecasts the day after it. */
  origin: string;
  h: Horizon;
  /** The selected model: "prophet", "sba", "seasonal_naive", "ensemble:a+b", … */
  model: string;
  /** The model's mean MASE on the backtest folds; null when it could not be measured. Absent before model selection. */
  mase?: number | null;
  /** Nominal coverage of [lower, upper], e.g. 0.8. */
  level: number;
  /**
   * The precision published: every value of point, lower and upper is a
   * multiple of it (see precisionStep). Absent on payloads published before
   * it was carried; those hold three decimals.
   */
  step?: number;
  point: number[];
  lower: number[];
  upper: number[];
  /** Days of the horizon with a planned promotion, as indexes into point[], ascending; absent when none is planned. */
  promoDays?: number[];
}

/** Backtest accuracy on the holdout; null measures were not defined for the series. */
export interface BacktestAccuracy {
  mase: number | null;
  /** Root mean squared scaled error, what the selection ranks by (absent from versions before it). */
  rmsse?: number | null;
  smape: number | null;
  wape: number | null;
  coverage: number | null;
  holdoutDays: number;
}

/** One series' recent actuals, published with each version so readers need no database. */
export interface SeriesHistory {
  city: string;
  store: string;
  product: string;
  version: string;
  /** Day of units[0] (YYYY-MM-DD); the last day is the version's origin. */
  start: string;
  units: number[];
  model: string;
  /** Null when the model was a fallback after a failed fit, or nothing was held out. */
  backtest: BacktestAccuracy | null;
}

export interface DimensionEntry {
  code: string;
  name: string;
}

export interface Manifest {
  version: string;
  runId: number;
  trainedAt: string;
  origin: string;
  horizons: Horizon[];
  level: number;
  series: number;
  failed: number;
  models: Record<string, number>;
  /** The run's accuracy over the series that could be scored, each on days its selection did not use (absent before model selection). */
  accuracy?: RunAccuracy;
  /** Series per model family (prophet, pooled, intermittent, naive, …): how often each family won the selection. */
  families?: Record<string, number>;
  /** Days of actuals in the version's history hash; 0 or absent: none published. */
  historyDays?: number;
  /** The promotion plan the forecasts were made with: when it was last loaded and how many series have planned days in the horizon. Absent with PROMO_PLAN=off. */
  plan?: { loadedAt: string | null; series: number };
  /**
   * Grid requests (`h<h>|<canonical query>`) whose gzip bodies, JSON and
   * binary, were built at publish and committed with the version in its
   * prefetch hash: the whole grid per horizon and the hottest requests.
   */
  prebuiltGrids?: string[];
  dimensions: {
    cities: DimensionEntry[];
    stores: (DimensionEntry & { city: string })[];
    products: DimensionEntry[];
  };
}

/** Forecasts are demand in units: three decimals is finer than any shelf. */
export function roundUnits(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => Math.round(v * 1000) / 1000);
}

/** The finest step published, and the one used without an interval to measure against. */
export const FINEST_STEP = 0.001;

/** By default rounding may move a value by at most 1% of its interval's width. */
export const DEFAULT_ROUNDING_SHARE = 0.01;

/**
 * The step a series' values are rounded to: the largest 1, 2 or 5 × 10^k
 * (never below FINEST_STEP) that is at most twice `share` of the narrowest
 * positive interval width (upper − lower) of the series. Rounding to a
 * multiple of it moves a value by at most half a step, so by at most `share`
 * of its own day's interval width, and no more digits are published than the
 * forecast's own uncertainty can justify. Without a positive width (point
 * intervals) or with share 0 it is FINEST_STEP: three decimals.
 */
export function precisionStep(lower: ArrayLike<number>, upper: ArrayLike<number>, share: number): number {
  let narrowest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < lower.length; i++) {
    const width = upper[i]! - lower[i]!;
    if (width > 0 && width < narrowest) narrowest = width;
  }
  const limit = 2 * share * narrowest;
  if (!(limit > FINEST_STEP) || !Number.isFinite(limit)) return FINEST_STEP;
  const power = 10 ** Math.floor(Math.log10(limit));
  const mantissa = limit / power;
  // Decimal steps keep the JSON short: a multiple of 0.2 prints as "91.8".
  return Number(((mantissa >= 5 ? 5 : mantissa >= 2 ? 2 : 1) * power).toPrecision(1));
}

/** Values as multiples of `step`, printed without binary noise (0.2 × 459 is 91.8, not 91.80000000000001). */
export function roundToStep(values: ArrayLike<number>, step: number): number[] {
  const decimals = stepDecimals(step);
  return Array.from(values, (v) => Number((Math.round(v / step) * step).toFixed(decimals)));
}

/** The decimals a multiple of `step` prints with: 0.2 → 1, 0.05 → 2, 5 → 0. */
export function stepDecimals(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/** Aggregate backtest accuracy of one run, as the manifest and the run table carry it. */
export interface RunAccuracy {
  /** Series with a backtest score. */
  scored: number;
  /** Mean and median MASE of the selected models; below 1 beats last week's sales. */
  mase: number | null;
  medianMase: number | null;
  /** Mean RMSSE: the error the selection ranks by (absent from versions before it). */
  rmsse?: number | null;
  smape: number | null;
  wape: number | null;
  /** Mean share of held-out days inside the interval; compare with `level`. */
  coverage: number | null;
  /** Series per demand class (smooth, erratic, intermittent, lumpy, none). */
  demandClasses: Record<string, number>;
  /** Series whose selected model differs from Prophet: their Prophet forecast is published beside it. */
  prophetAlternatives: number;
  /** Series refitted, and series whose unchanged data reused the last fit. */
  fitted: number;
  skipped: number;
  /** Of the fitted, those that refitted the last winner between two full selections (RESELECT_DAYS). */
  refitted?: number;
  /** Series whose backtest MASE is above the run's threshold, worst first (at most 50 listed). */
  outlierThreshold: number;
  outlierCount: number;
  outliers: { series: string; model: string; mase: number }[];
}
