// Weekly seasonal naive: tomorrow sells what the same weekday sold last week.
// The trainer publishes it for a series whose model fit failed, so every
// series a reader asks for has a forecast, and the failure is recorded.
import { quantile } from "./quantile.ts";
import { zeroForecast, type Forecast } from "./types.ts";

const SEASON = 7;

/**
 * Intervals come from the empirical quantiles of last-week-to-this-week
 * changes, widened by √k for the k-th week ahead (the model's error is a
 * random walk across seasons).
 */
export function seasonalNaive(units: readonly number[], horizon: number, level: number): Forecast {
  const n = units.length;
  if (n === 0) return zeroForecast(horizon);
  const season = Math.min(SEASON, n);
  const residuals: number[] = [];
  for (let t = season; t < n; t++) residuals.push(units[t] - units[t - season]);
  residuals.sort((a, b) => a - b);
  const lowQ = quantile(residuals, (1 - level) / 2);
  const highQ = quantile(residuals, (1 + level) / 2);
  const point: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (let i = 0; i < horizon; i++) {
    const value = units[n - season + (i % season)];
    const widen = Math.sqrt(Math.floor(i / season) + 1);
    point.push(value);
    lower.push(Math.max(0, Math.min(value, value + lowQ * widen)));
    upper.push(Math.max(value, value + highQ * widen));
  }
  return { point, lower, upper };
}
