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
}

export interface Forecast {
  point: number[];
  lower: number[];
  upper: number[];
}

export interface Metrics {
  mase: number | null;
  smape: number | null;
  wape: number | null;
  coverage: number | null;
  /** Days held out per fold; 0 when the backtest was off or the series too short for one. */
  holdoutDays: number;
}

export interface FitOutcome {
  id: string;
  ok: true;
  /** "prophet", or "zero" for a series with no demand at all (Prophet cannot scale it). */
  model: string;
  /** `horizon` days after the last input day. */
  forecast: Forecast;
  /** JSON-serialisable fitted optimizer params, usable as `warm` next time (null for "zero"). */
  params: unknown;
  metrics: Metrics;
  fitMs: number;
}

export type FitErrorCode = "bad_input" | "too_short" | "fit_failed" | "worker_crashed";

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
  /** Simulated draws behind the intervals (Prophet's default 1000); 0 turns intervals off. */
  uncertaintySamples?: number;
  /** Optimizer seed. The interval draws in augurs 0.10 cannot be seeded. */
  seed?: number;
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
}

/** Two full weeks: anything shorter cannot separate the weekly shape from noise. */
export const MIN_SERIES_DAYS = 14;
