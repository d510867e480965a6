// The pooled seasonal model: shape from what many series share, level, trend
// and promotion lift from the series itself. Forecast = level × growth^years ×
// weekday index × month index × lift on promotion days. The indices come from
// the seasonal_profiles view (sql/006), so a series too short or too noisy to
// learn its own weekly and yearly shape still forecasts it.
import { SeriesError } from "./errors.ts";
import { quantile } from "./quantile.ts";
import type { Forecast, ModelSeries } from "./types.ts";

/** The shape one series borrows from its product, its store and everything. */
export interface SeasonalProfile {
  /** ISO weekdays, Monday first; they average 1. */
  dayOfWeek: number[];
  /** Months, January first; they average 1. */
  monthOfYear: number[];
  /** Units over the last 365 days ÷ the 365 before, pooled. */
  annualGrowth: number;
}

export interface PooledParams {
  /** De-seasonalised units per day at the centre of the level window. */
  level: number;
  /** Annual growth applied from that centre on. */
  growth: number;
  /** Weight of the series' own trend against the pooled growth (0–1). */
  trendWeight: number;
  /** Units on a promotion day over a day without one (1 when the series had none). */
  promotionLift: number;
  /** Quantiles of the scaled backtest residuals that set the interval: [low, high]. */
  residualQuantiles: [number, number];
  /** Residuals behind them: from rolling-origin folds, or in-sample when the series is too short for one. */
  calibration: "backtest" | "in_sample";
}

/** A year: long enough that the level spans every month once. */
const LEVEL_WINDOW = 365;
/** Under a quarter of history a slope is mostly noise: the pooled growth alone is used. */
const MIN_TREND_DAYS = 91;
/**
 * Prior spread of a series' annual growth around its group's (5% a year): the
 * series' own slope gets weight τ² / (τ² + se²), so a precise slope counts and
 * a noisy one defers to the pool.
 */
const TREND_PRIOR_SD = 0.05;
/** A lift seen on n promotion days weighs n / (n + 7) against no lift. */
const PROMOTION_PRIOR_DAYS = 7;
/** Calibration folds: each origin 28 days before the next, up to three. */
const CALIBRATION_FOLD_DAYS = 28;
const CALIBRATION_FOLDS = 3;
const MIN_TRAIN_DAYS = 14;
const DAY_MS = 86_400_000;

/** Reads and checks the profile the trainer attached as `context.profile`. */
export function profileOf(series: Pick<ModelSeries, "context">): SeasonalProfile {
  const profile = series.context?.profile as Partial<SeasonalProfile> | undefined;
  if (profile === undefined || profile === null) {
    throw new SeriesError("bad_input", "no seasonal profile for this series (context.profile); refresh seasonal_profiles or turn POOLED_MODEL off");
  }
  const indices = (name: string, values: unknown, length: number) => {
    if (!Array.isArray(values) || values.length !== length || !values.every((v) => typeof v === "number" && Number.isFinite(v) && v >= 0)) {
      throw new SeriesError("bad_input", `profile.${name} must be ${length} finite numbers >= 0`);
    }
    return values as number[];
  };
  const growth = profile.annualGrowth;
  if (typeof growth !== "number" || !Number.isFinite(growth) || growth <= 0) {
    throw new SeriesError("bad_input", "profile.annualGrowth must be a finite number > 0");
  }
  return {
    dayOfWeek: indices("dayOfWeek", profile.dayOfWeek, 7),
    monthOfYear: indices("monthOfYear", profile.monthOfYear, 12),
    annualGrowth: growth,
  };
}

/** Weekday index × month index for `days` days from `start` (YYYY-MM-DD). */
export function seasonalShape(profile: SeasonalProfile, start: string, days: number): Float64Array {
  const shape = new Float64Array(days);
  const first = Date.parse(`${start}T00:00:00Z`);
  for (let t = 0; t < days; t++) {
    const date = new Date(first + t * DAY_MS);
    const isoWeekday = (date.getUTCDay() + 6) % 7; // Monday 0
    shape[t] = profile.dayOfWeek[isoWeekday] * profile.monthOfYear[date.getUTCMonth()];
  }
  return shape;
}

interface PointFit {
  level: number;
  growth: number;
  trendWeight: number;
  /** Point forecasts for the `horizon` days after `units`. */
  point: Float64Array;
  /** In-sample fitted values over the level window, for the fallback calibration. */
  fitted: { from: number; values: Float64Array };
}

/**
 * Promotion lift over the level window of the first `days` days: units per
 * unit of shape on promotion days over the same on the others, shrunk toward 1.
 */
function promotionLift(units: Float64Array, shape: Float64Array, flags: Float64Array, days: number): number {
  let promoUnits = 0, promoShape = 0, promoDays = 0, baseUnits = 0, baseShape = 0;
  for (let t = Math.max(0, days - LEVEL_WINDOW); t < days; t++) {
    if (flags[t] === 1) {
      promoUnits += units[t];
      promoShape += shape[t];
      promoDays++;
    } else {
      baseUnits += units[t];
      baseShape += shape[t];
    }
  }
  if (promoDays === 0 || promoUnits <= 0 || baseUnits <= 0) return 1;
  const raw = promoUnits / promoShape / (baseUnits / baseShape);
  return Math.exp((promoDays / (promoDays + PROMOTION_PRIOR_DAYS)) * Math.log(raw));
}

/** The shape with each promotion day scaled by the lift. */
function promoted(shape: Float64Array, flags: Float64Array, lift: number): Float64Array {
  return shape.map((s, t) => (flags[t] === 1 ? s * lift : s));
}

/** Level and trend of `units` given its shape (`shape` covers units and the horizon after). */
function fitPoint(units: Float64Array, shape: Float64Array, growthPrior: number, horizon: number): PointFit {
  const n = units.length;
  const window = Math.min(n, LEVEL_WINDOW);
  const from = n - window;
  let unitSum = 0;
  let shapeSum = 0;
  for (let t = from; t < n; t++) {
    unitSum += units[t];
    shapeSum += shape[t];
  }
  // A ratio of sums, not a mean of ratios: zero days and tiny indices weigh by their shape.
  const level = shapeSum > 0 ? unitSum / shapeSum : 0;

  let trendWeight = 0;
  let logGrowth = Math.log(growthPrior);
  if (window >= MIN_TREND_DAYS && level > 0) {
    const slope = deseasonalisedSlope(units, shape, from, n);
    if (slope) {
      const relative = (slope.perDay * 365) / level;
      const se = (slope.se * 365) / level;
      trendWeight = TREND_PRIOR_SD ** 2 / (TREND_PRIOR_SD ** 2 + se ** 2);
      logGrowth = trendWeight * Math.log(Math.max(0.2, 1 + relative)) + (1 - trendWeight) * logGrowth;
    }
  }
  // A year of the wrong growth compounds; no series doubles or halves on its trend alone.
  logGrowth = Math.min(Math.log(2), Math.max(Math.log(0.5), logGrowth));
  const centre = from + (window - 1) / 2;
  const at = (t: number) => level * Math.exp((logGrowth * (t - centre)) / 365) * shape[t];
  const point = new Float64Array(horizon);
  for (let h = 0; h < horizon; h++) point[h] = at(n + h);
  const values = new Float64Array(window);
  for (let t = from; t < n; t++) values[t - from] = at(t);
  return { level, growth: Math.exp(logGrowth), trendWeight, point, fitted: { from, values } };
}

/** Least-squares slope of units ÷ shape over [from, to), with its standard error. */
function deseasonalisedSlope(units: Float64Array, shape: Float64Array, from: number, to: number) {
  const n = to - from;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = shape[from + i];
    z[i] = s > 0 ? units[from + i] / s : 0;
    sx += i;
    sy += z[i];
    sxx += i * i;
    sxy += i * z[i];
  }
  const spread = sxx - (sx * sx) / n;
  if (spread <= 0) return null;
  const perDay = (sxy - (sx * sy) / n) / spread;
  const intercept = sy / n - (perDay * sx) / n;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (z[i] - intercept - perDay * i) ** 2;
  return { perDay, se: Math.sqrt(rss / Math.max(1, n - 2) / spread) };
}

/** Residuals scaled like Poisson noise, so one set of quantiles fits small and large days alike. */
const scale = (point: number) => Math.sqrt(Math.max(point, 0) + 1);

/**
 * Interval calibration on the series' own rolling-origin backtest: the model
 * is refitted at up to three origins, 28 days apart, and scored on the days
 * after each. Only when the series is too short for any fold do in-sample
 * residuals stand in.
 */
function calibrate(units: Float64Array, shape: Float64Array, flags: Float64Array, growthPrior: number, final: PointFit, level: number) {
  const residuals: number[] = [];
  for (let k = 1; k <= CALIBRATION_FOLDS; k++) {
    const origin = units.length - k * CALIBRATION_FOLD_DAYS;
    if (origin < MIN_TRAIN_DAYS) break;
    // Each fold learns its lift from its own past only; the promotions after its origin were planned, so known.
    const foldShape = promoted(shape, flags, promotionLift(units, shape, flags, origin));
    const fold = fitPoint(units.subarray(0, origin), foldShape, growthPrior, CALIBRATION_FOLD_DAYS);
    for (let h = 0; h < CALIBRATION_FOLD_DAYS; h++) residuals.push((units[origin + h] - fold.point[h]) / scale(fold.point[h]));
  }
  const calibration: PooledParams["calibration"] = residuals.length ? "backtest" : "in_sample";
  if (!residuals.length) {
    const { from, values } = final.fitted;
    for (let i = 0; i < values.length; i++) residuals.push((units[from + i] - values[i]) / scale(values[i]));
  }
  residuals.sort((a, b) => a - b);
  const quantiles: [number, number] = [quantile(residuals, (1 - level) / 2), quantile(residuals, (1 + level) / 2)];
  return { quantiles, calibration };
}

/** `promo` and `futurePromo` as in ModelSeries; absent, no day is a promotion. */
export function fitPooled(
  series: Pick<ModelSeries, "start" | "units" | "context"> & Partial<Pick<ModelSeries, "promo" | "futurePromo">>,
  settings: { horizon: number; level: number },
): { forecast: Forecast; params: PooledParams } {
  const profile = profileOf(series);
  const { units } = series;
  const n = units.length;
  const shape = seasonalShape(profile, series.start, n + settings.horizon);
  const flags = new Float64Array(n + settings.horizon);
  if (series.promo) flags.set(series.promo.subarray(0, n));
  if (series.futurePromo) flags.set(series.futurePromo.subarray(0, settings.horizon), n);
  const lift = promotionLift(units, shape, flags, n);
  const fit = fitPoint(units, promoted(shape, flags, lift), profile.annualGrowth, settings.horizon);
  const { quantiles, calibration } = calibrate(units, shape, flags, profile.annualGrowth, fit, settings.level);
  const point: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (const value of fit.point) {
    const low = Math.max(0, value + quantiles[0] * scale(value));
    point.push(value);
    lower.push(Math.min(low, value));
    upper.push(Math.max(value, value + quantiles[1] * scale(value)));
  }
  return {
    forecast: { point, lower, upper },
    params: { level: fit.level, growth: fit.growth, trendWeight: fit.trendWeight, promotionLift: lift, residualQuantiles: quantiles, calibration },
  };
}
