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
  model: string;
  /** Nominal coverage of [lower, upper], e.g. 0.8. */
  level: number;
  point: number[];
  lower: number[];
  upper: number[];
}

/** Backtest accuracy on the holdout; null measures were not defined for the series. */
export interface BacktestAccuracy {
  mase: number | null;
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
  /** Series per model family (prophet, pooled, intermittent, naive, …): how often each family won the selection. */
  families?: Record<string, number>;
  /** Days of actuals in the version's history hash; 0 or absent: none published. */
  historyDays?: number;
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
