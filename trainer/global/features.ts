// The global model's features for one series and target day, as
// global_training_rows (sql/011) computes them from series_features for
// training: the same days, the same windows, the same scale. The trainer
// learns from the SQL rows; a series forecasts from these, so the two must
// agree (test/trainer/global.test.ts checks that they do).
import type { SeasonalProfile } from "../models/pooled.ts";

/** Columns of global_training_rows the model reads, in coefficient order after the intercept. */
export const FEATURES = [
  "recent_7", "recent_28", "recent_91", "weekday_4", "shape", "shaped_level", "shaped_91", "shaped_364", "promo_shaped", "promo_lifted", "promo_share_28", "holiday",
] as const;

/** Days of the scale window and of the demand segment's nonzero share. */
export const SCALE_DAYS = 91;
/** Units a day the scale never goes below (see sql/011): a sale every four days. */
export const SCALE_FLOOR = 0.25;

export interface FeatureInputs {
  /** Units from `start`, with the days after the origin unknown (never read). */
  units: ArrayLike<number>;
  /** Promotion flags of the same days and of the forecast days after them (known ahead). */
  promo: ArrayLike<number>;
  start: string;
  profile: SeasonalProfile;
  holidays: ReadonlySet<string>;
  /** The product's promotion lift pooled over its stores (global_promotion_lifts), as of the same cut-off as the profile. */
  lift: number;
}

export interface FeatureRow {
  /** Units per day over the 28 days ending `horizon` days before the target, at least SCALE_FLOOR; 0: nothing sold in the 91 days, forecast 0. */
  scale: number;
  /** Share of those days with a sale. */
  nonzero: number;
  /** Intercept first, then FEATURES. */
  x: number[];
}

const DAY_MS = 86_400_000;

/** Features of target day `t` (index into the inputs' days) for the bucket `horizon`; reads days up to t − horizon only. */
export function featuresAt(inputs: FeatureInputs, t: number, horizon: number): FeatureRow {
  const { units, promo, profile } = inputs;
  const known = t - horizon;
  // Days before the series' first are unsold, as the feature table fills them.
  const unit = (i: number) => (i >= 0 && i <= known ? units[i] : 0);
  const flag = (i: number) => (i >= 0 && i < promo.length ? promo[i] : 0);
  const mean = (of: (i: number) => number, last: number, days: number) => {
    let sum = 0;
    for (let i = last - days + 1; i <= last; i++) sum += of(i);
    return sum / days;
  };
  let nonzero = 0;
  for (let i = known - SCALE_DAYS + 1; i <= known; i++) if (unit(i) > 0) nonzero++;
  const sold = mean(unit, known, SCALE_DAYS);
  const month = mean(unit, known, 28);
  const scale = sold > 0 ? Math.max(month, SCALE_FLOOR) : 0;
  const lag = 7 * Math.ceil(horizon / 7);
  const sameWeekday = (unit(t - lag) + unit(t - lag - 7) + unit(t - lag - 14) + unit(t - lag - 21)) / 4;

  const first = Date.parse(`${inputs.start}T00:00:00Z`);
  const day = new Date(first + t * DAY_MS);
  const then = new Date(first + known * DAY_MS);
  const weekday = profile.dayOfWeek[(day.getUTCDay() + 6) % 7];
  const monthRatio = (from: Date) => {
    const index = profile.monthOfYear[from.getUTCMonth()];
    return index > 0 ? profile.monthOfYear[day.getUTCMonth()] / index : 1;
  };
  const shape = weekday * monthRatio(then);
  // The 91-day level's month is the one at its middle.
  const shape91 = weekday * monthRatio(new Date(first + (known - 45) * DAY_MS));
  const year = mean(unit, known, 364);
  const onPromo = flag(t);
  const level = scale > 0 ? month / scale : 0;
  const x = [
    1,
    scale > 0 ? mean(unit, known, 7) / scale : 0,
    level,
    scale > 0 ? sold / scale : 0,
    scale > 0 ? sameWeekday / scale : 0,
    shape,
    level * shape,
    scale > 0 ? (sold / scale) * shape91 : 0,
    scale > 0 ? (year / scale) * weekday * profile.monthOfYear[day.getUTCMonth()] : 0,
    onPromo * level * shape,
    onPromo * (inputs.lift - 1) * level * shape,
    mean(flag, known, 28),
    inputs.holidays.has(day.toISOString().slice(0, 10)) ? 1 : 0,
  ];
  return { scale, nonzero: nonzero / SCALE_DAYS, x };
}
