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
