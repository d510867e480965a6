// The fit options a run uses, built from the configuration once, and the
// rules for reusing the last run's work: warm starts, and skipping the fit of
// a series whose data and settings are unchanged and whose model is young.
import { createHash } from "node:crypto";
import { HORIZONS } from "../../edge/contract/keys.ts";
import type { TrainerConfig } from "../config.ts";
import { addDays } from "../days.ts";
import type { Holiday } from "../models/prophet.ts";
import type { FitOptions } from "../models/types.ts";
import type { PreviousResult, SeriesRecord } from "./fetch.ts";

export type Variant = "fast" | "accurate";

/** Fast: what is published first. Accurate: more folds, draws and the ensemble, on the whole fetched history. */
export function fitOptionsFor(config: TrainerConfig, holidays: Holiday[], variant: Variant): FitOptions {
  const accurate = variant === "accurate";
  return {
    horizon: Math.max(...HORIZONS),
    level: config.INTERVAL_LEVEL,
    holdoutDays: config.HOLDOUT_DAYS,
    folds: accurate ? config.ACCURATE_FOLDS : config.BACKTEST_FOLDS,
    uncertaintySamples: accurate ? config.ACCURATE_UNCERTAINTY_SAMPLES : config.UNCERTAINTY_SAMPLES,
    backtestSamples: accurate ? 500 : 200,
    ensemble: accurate && config.ACCURATE_ENSEMBLE,
    hybrid: config.ENABLE_HYBRID_FORECASTING,
    // Multiplicative Prophet doubles the Prophet fits; by default only the accurate variant pays for it.
    exclude: config.PROPHET_MULTIPLICATIVE === "always" || (accurate && config.PROPHET_MULTIPLICATIVE === "accurate") ? [] : ["prophet_multiplicative"],
    thresholds: { adi: config.DEMAND_ADI_CUTOFF, cv2: config.DEMAND_CV2_CUTOFF },
    holidays,
  };
}

/** Days of history a variant fits: the fast one the last FIT_HISTORY_DAYS, the accurate one all that was fetched. */
export function historyDaysFor(config: TrainerConfig, variant: Variant): number {
  return variant === "accurate" ? config.HISTORY_DAYS : Math.min(config.FIT_HISTORY_DAYS, config.HISTORY_DAYS);
}

/**
 * Identifies the settings a forecast was made with: a changed setting means a
 * refit, whatever the data. `pooled` (POOLED_MODEL) changes which candidates
 * compete, so turning it off refits rather than republishing pooled forecasts.
 */
export function settingsHash(fit: FitOptions, historyDays: number, pooled: boolean): string {
  return createHash("sha256").update(JSON.stringify({ ...fit, historyDays, pooled })).digest("base64url").slice(0, 22);
}

/** The last `days` of a series (the fast variant's window), with its start moved to match. */
export function lastDays<T extends { start: string; units: number[]; promo: number[] }>(series: T, days: number): T {
  const drop = series.units.length - days;
  if (drop <= 0) return series;
  const start = addDays(series.start, drop);
  return { ...series, start, units: series.units.slice(drop), promo: series.promo.slice(drop) };
}

/**
 * The last result can stand for this run when the series' data and the fit
 * settings are what it was fitted on, it has a stored forecast, and the model
 * is younger than MODEL_MAX_AGE_HOURS (0: always refit).
 */
export function reusable(record: SeriesRecord, settings: string, maxAgeHours: number, now = Date.now()): PreviousResult | null {
  const previous = record.previous;
  if (!previous || maxAgeHours <= 0) return null;
  if (previous.errorCode !== null || previous.forecast === null || previous.fittedAt === null) return null;
  if (previous.dataHash !== record.dataHash || previous.settingsHash !== settings) return null;
  return now - previous.fittedAt.getTime() < maxAgeHours * 3_600_000 ? previous : null;
}
