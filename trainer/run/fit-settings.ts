// The fit options a run uses, built from the configuration once, and the
// window of history it fits.
import { createHash } from "node:crypto";
import { HORIZONS } from "../../edge/contract/keys.ts";
import type { TrainerConfig } from "../config.ts";
import { addDays } from "../days.ts";
import type { Holiday } from "../models/prophet.ts";
import type { FitOptions } from "../models/types.ts";

export function fitOptionsFor(config: TrainerConfig, holidays: Holiday[]): FitOptions {
  return {
    horizon: Math.max(...HORIZONS),
    level: config.INTERVAL_LEVEL,
    holdoutDays: config.HOLDOUT_DAYS,
    folds: config.BACKTEST_FOLDS,
    uncertaintySamples: config.UNCERTAINTY_SAMPLES,
    selectBy: config.SELECTION_METRIC,
    intervals: config.INTERVAL_METHOD,
    publishedAccuracy: config.PUBLISHED_ACCURACY,
    hybrid: config.ENABLE_HYBRID_FORECASTING,
    // Multiplicative Prophet doubles the Prophet fits for no measured gain (docs/forecast-quality.md): opt-in.
    exclude: [...(config.PROPHET_MULTIPLICATIVE === "always" ? [] : ["prophet_multiplicative"]), ...(config.GLOBAL_MODEL ? [] : ["global"])],
    thresholds: { adi: config.DEMAND_ADI_CUTOFF, cv2: config.DEMAND_CV2_CUTOFF },
    holidays,
    // Long enough to be shifted, day by day, until the next full selection refits it.
    rollbackDays: config.PROPHET_ROLLBACK_REFIT === "selection" ? config.RESELECT_DAYS - 1 : 0,
  };
}

/** Days of history a run fits: the last FIT_HISTORY_DAYS of the feature window. */
export function historyDaysFor(config: TrainerConfig): number {
  return Math.min(config.FIT_HISTORY_DAYS, config.HISTORY_DAYS);
}

/**
 * Identifies the settings a forecast was made with: a changed setting means a
 * refit, whatever the data. `pooled` (POOLED_MODEL) changes which candidates
 * compete, so turning it off refits rather than republishing pooled forecasts.
 */
export function settingsHash(fit: FitOptions, historyDays: number, pooled: boolean): string {
  // The global model is opt-in: off hashes as before it existed, so an upgrade refits nothing, and
  // switching it on selects every series again with it.
  // The rollback's extra days change no published day: leaving them out keeps RESELECT_DAYS a cadence, not a new setup.
  const { rollbackDays: _, ...published } = fit;
  const global = !fit.exclude?.includes("global");
  const exclude = fit.exclude?.filter((name) => name !== "global");
  return createHash("sha256").update(JSON.stringify({ ...published, exclude, historyDays, pooled, ...(global ? { global } : {}) }))
    .digest("base64url").slice(0, 22);
}

/** The last `days` of a series (the fit window), with its start moved to match. */
export function lastDays<T extends { start: string; units: number[]; promo: number[] }>(series: T, days: number): T {
  const drop = series.units.length - days;
  if (drop <= 0) return series;
  const start = addDays(series.start, drop);
  return { ...series, start, units: series.units.slice(drop), promo: series.promo.slice(drop) };
}
