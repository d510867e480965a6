// The contract between the trainer and the per-series models. Plain data only:
// every value here crosses a worker_threads boundary by structured clone.

export interface SeriesInput {
  id: string;
  /** YYYY-MM-DD (UTC) of units[0]; one value per day after that, no gaps. */
  start: string;
  units: number[];
  /** 0|1 per day, same length as units. */
  promo: number[];
  /**
   * Planned promotions, 0|1 per day from the day after the last unit. Days not
   * given (or all of them, when absent) are assumed to have no promotion.
   */
  futurePromo?: number[];
  /** `params` of a previous fit of this series, to warm-start the optimizer. */
  warm?: unknown;
  /**
   * Extra per-series inputs a candidate model may read; plain data. `profile`
   * is the pooled shape as of the last day, `foldProfiles` the same as of each
   * backtest fold's cut-off (YYYY-MM-DD), so a fold borrows nothing from its own days.
   */
  context?: Record<string, unknown>;
  /**
   * Refit this model on the whole series instead of running the selection:
   * the days between two selections (RESELECT_DAYS). Its intervals and
   * accuracy are the last selection's, read from `warm`.
   */
  refit?: RefitPlan;
}

export interface RefitPlan {
  model: string;
  demandClass: string;
  /** The published accuracy of the last selection, carried until the next one. */
  metrics: Metrics;
  scores: CandidateScore[];
  /**
   * The Prophet rollback forecast of an earlier run, already shifted to this
   * run's origin: used as it is instead of refitting Prophet for it.
   */
  rollback?: Forecast;
}

export interface Forecast {
  point: number[];
  lower: number[];
  upper: number[];
}

/** Zero demand for every day of the horizon, interval included. */
export function zeroForecast(horizon: number): Forecast {
  const none = () => new Array<number>(horizon).fill(0);
  return { point: none(), lower: none(), upper: none() };
}

export interface Metrics {
  mase: number | null;
  /** Root mean squared scaled error (M5's): what the selection ranks by unless SELECTION_METRIC=mase. */
  rmsse: number | null;
  smape: number | null;
  wape: number | null;
  coverage: number | null;
  /** Days held out per fold; 0 when the backtest was off or the series too short for one. */
  holdoutDays: number;
}

export interface CandidateScore {
  model: string;
  /** Mean MASE over the folds it was scored on (null when none could be). */
  mase: number | null;
  rmsse: number | null;
  /** The selection's error (RMSSE or MASE) per fold, oldest origin first; shorter when its folds were stopped. */
  folds: (number | null)[];
  /** False when its folds stopped early because it could no longer win. */
  complete: boolean;
}

export interface FitOutcome {
  id: string;
  ok: true;
  /**
   * The selected candidate ("prophet", "sba", "seasonal_naive", …), an
   * "ensemble:a+b" of two, or "zero" for a series with no demand at all.
   */
  model: string;
  /** Syntetos–Boylan class of the history: which candidates were tried. */
  demandClass: string;
  /** "full": candidates backtested and selected; "refit": the last winner refitted between selections. */
  selection: "full" | "refit";
  /** `horizon` days after the last input day. */
  forecast: Forecast;
  /** JSON-serialisable fitted params keyed by candidate, usable as `warm` next time. */
  params: unknown;
  /**
   * Accuracy on days the selection did not use: the selection is run again as
   * of the newest fold's cut-off (older folds, the class as of then), and its
   * choice is scored on that fold, intervals calibrated on the older folds;
   * MASE and RMSSE carried to the level of the forecast's days unless
   * `publishedAccuracy` is "fold". All null with fewer than two folds, where
   * no such day exists.
   */
  metrics: Metrics;
  /** Every candidate tried, best first; [1] is the runner-up. */
  scores: CandidateScore[];
  /**
   * The best Prophet fit when the selection is not Prophet, so a reader can be
   * switched back to Prophet without retraining. Absent when they are the same.
   */
  prophet?: { model: string; forecast: Forecast; metrics: Metrics };
  fitMs: number;
}

export type FitErrorCode = "bad_input" | "too_short" | "fit_failed" | "worker_crashed" | "fit_timeout";

export interface FitFailure {
  id: string;
  ok: false;
  error: { code: FitErrorCode; message: string };
  fitMs: number;
}

export type FitResult = FitOutcome | FitFailure;

export interface FitOptions {
  /** Days to forecast after the last input day (60; 7 and 30 are its prefixes). */
  horizon: number;
  /** Prediction-interval width, e.g. 0.8. */
  level: number;
  /** Days held out for the backtest; 0 disables it. */
  holdoutDays: number;
  /** Prophet's simulated draws behind its intervals with intervals "model" (Prophet's default 1000); 0 turns them off. */
  uncertaintySamples?: number;
  /** Optimizer seed. The interval draws in augurs 0.10 cannot be seeded. */
  seed?: number;
  /** Rolling-origin folds, each `holdoutDays` long and ending `holdoutDays` before the next (default 3). */
  folds?: number;
  /** False: Prophet only (and seasonal naive when it fails). Default true. */
  hybrid?: boolean;
  /** Demand-class cut-offs (default Syntetos–Boylan: ADI 1.32, CV² 0.49). */
  thresholds?: { adi: number; cv2: number };
  /** The error the selection ranks candidates by (default rmsse). */
  selectBy?: "rmsse" | "mase";
  /**
   * "conformal" (default): every family's intervals from its fold errors, and
   * no interval draws at all. "model": each model's own intervals, as before.
   */
  intervals?: "conformal" | "model";
  /**
   * "horizon" (default): the published MASE and RMSSE carry the held-out
   * fold's errors to the level of the published forecast's days. "fold": as
   * measured on the fold.
   */
  publishedAccuracy?: "horizon" | "fold";
  /** Candidates left out of the selection, by name (e.g. "prophet_multiplicative"). */
  exclude?: readonly string[];
  /** Holiday calendar for Prophet. */
  holidays?: { name: string; days: string[] }[];
  /**
   * Days the Prophet rollback forecasts past `horizon` (default 0), so the
   * refits until the next selection can shift it instead of refitting Prophet.
   */
  rollbackDays?: number;
}

/** A series after validation: fresh Float64Arrays the models slice and the pool transfers. */
export interface ModelSeries {
  id: string;
  start: string;
  units: Float64Array<ArrayBuffer>;
  promo: Float64Array<ArrayBuffer>;
  /** Exactly `horizon` days long once validated; zeros where nothing was planned. */
  futurePromo: Float64Array<ArrayBuffer>;
  warm?: unknown;
  context?: Record<string, unknown>;
  refit?: RefitPlan;
}

/** Two full weeks: anything shorter cannot separate the weekly shape from noise. */
export const MIN_SERIES_DAYS = 14;
