// Intermittent-demand forecasts: Croston (1972), its bias correction SBA
// (Syntetos & Boylan, 2005) and TSB (Teunter, Syntetos & Babai, 2011). Each
// gives a flat rate per day; which one fits is left to the backtest.
import { quantile } from "./quantile.ts";
import type { Forecast } from "./types.ts";

type Values = ArrayLike<number>;

export interface CrostonParams {
  alpha: number;
  /** Smoothed size of a non-zero demand. */
  size: number;
  /** Smoothed interval between non-zero demands, in days. */
  interval: number;
}

export interface TsbParams {
  alpha: number;
  beta: number;
  size: number;
  /** Smoothed probability that a day has demand. */
  probability: number;
}

/**
 * Croston's method as Croston published it (and as R's forecast::croston
 * computes it): sizes and inter-demand intervals are each smoothed by simple
 * exponential smoothing, updated only on days with demand, each started at
 * its first value (the first interval counts from the day before the series
 * starts). Null when the series has no demand at all.
 */
export function croston(units: Values, alpha = 0.1): CrostonParams | null {
  let size = 0;
  let interval = 0;
  let last = -1;
  for (let t = 0; t < units.length; t++) {
    const y = units[t];
    if (y <= 0) continue;
    const gap = t - last;
    if (last < 0) {
      size = y;
      interval = gap;
    } else {
      size += alpha * (y - size);
      interval += alpha * (gap - interval);
    }
    last = t;
  }
  return last < 0 ? null : { alpha, size, interval };
}

/** Croston's daily rate: size / interval. */
export function crostonRate(params: CrostonParams): number {
  return params.size / params.interval;
}

/** SBA: Croston's rate times (1 − α/2), which removes most of its upward bias. */
export function sbaRate(params: CrostonParams): number {
  return (1 - params.alpha / 2) * crostonRate(params);
}

/**
 * TSB: the size is smoothed on demand days only (α), the probability of
 * demand on every day (β), so a series that stops selling decays towards 0
 * instead of keeping its last rate. Started like Croston: size at the first
 * demand, probability at 1 / (its interval); updates run from the next day.
 */
export function tsb(units: Values, alpha = 0.1, beta = 0.1): TsbParams | null {
  let first = -1;
  for (let t = 0; t < units.length; t++) {
    if (units[t] > 0) {
      first = t;
      break;
    }
  }
  if (first < 0) return null;
  let size = units[first];
  let probability = 1 / (first + 1);
  for (let t = first + 1; t < units.length; t++) {
    const y = units[t];
    if (y > 0) {
      probability += beta * (1 - probability);
      size += alpha * (y - size);
    } else {
      probability += beta * (0 - probability);
    }
  }
  return { alpha, beta, size, probability };
}

export function tsbRate(params: TsbParams): number {
  return params.probability * params.size;
}

/**
 * A flat forecast at `rate`, with an interval from the empirical quantiles
 * of the recent days' demand: for demand that comes in bursts the spread of
 * single days is the honest uncertainty, and a rate of 0.3 a day still means
 * most days sell nothing.
 */
export function flatForecast(units: Values, rate: number, horizon: number, level: number, recentDays = 182): Forecast {
  const recent = Array.from(units).slice(-recentDays).sort((a, b) => a - b);
  const low = quantile(recent, (1 - level) / 2);
  const high = quantile(recent, (1 + level) / 2);
  return {
    point: new Array<number>(horizon).fill(rate),
    lower: new Array<number>(horizon).fill(Math.min(low, rate)),
    upper: new Array<number>(horizon).fill(Math.max(high, rate)),
  };
}
