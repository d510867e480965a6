// The two level-only benchmarks the M5 competition found hard to beat on
// intermittent retail demand, as statsforecast defines them: WindowAverage
// (the mean of the last `window` days) and SimpleExponentialSmoothingOptimized
// (alpha within [0.1, 0.3] minimising the in-sample one-step squared error).
// Both forecast a flat line.

type Values = ArrayLike<number>;

export interface SesParams {
  alpha: number;
  /** The smoothed level after the last day: the forecast. */
  level: number;
  /** In-sample mean squared one-step error at `alpha`. */
  mse: number;
}

/** statsforecast's WindowAverage: the mean of the last `window` days (all of them when shorter). */
export function windowAverage(units: Values, window: number): number {
  const from = Math.max(0, units.length - window);
  let sum = 0;
  for (let t = from; t < units.length; t++) sum += units[t];
  return units.length > from ? sum / (units.length - from) : 0;
}

/** statsforecast's _ses_fcst_mse: level started at the first day, forecast = the level after the last. */
export function ses(units: Values, alpha: number): SesParams {
  const n = units.length;
  if (n === 0) return { alpha, level: 0, mse: 0 };
  let smoothed = units[0];
  let mse = 0;
  for (let i = 1; i < n; i++) {
    smoothed = alpha * units[i - 1] + (1 - alpha) * smoothed;
    mse += (units[i] - smoothed) ** 2;
  }
  return { alpha, level: alpha * units[n - 1] + (1 - alpha) * smoothed, mse: mse / n };
}

const SES_BOUNDS = [0.1, 0.3] as const;
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * statsforecast's _optimized_ses_forecast: alpha in [0.1, 0.3] minimising the
 * in-sample MSE. The MSE of one smoothing constant over so narrow a range is
 * unimodal in practice, so a golden-section search stands in for L-BFGS-B.
 */
export function sesOptimized(units: Values): SesParams {
  let lo: number = SES_BOUNDS[0];
  let hi: number = SES_BOUNDS[1];
  let a = hi - GOLDEN * (hi - lo);
  let b = lo + GOLDEN * (hi - lo);
  let fa = ses(units, a).mse;
  let fb = ses(units, b).mse;
  for (let i = 0; i < 24; i++) {
    if (fa <= fb) {
      hi = b; b = a; fb = fa;
      a = hi - GOLDEN * (hi - lo);
      fa = ses(units, a).mse;
    } else {
      lo = a; a = b; fa = fb;
      b = lo + GOLDEN * (hi - lo);
      fb = ses(units, b).mse;
    }
  }
  // The bounds themselves are candidates: the minimum often sits on one.
  return [ses(units, SES_BOUNDS[0]), ses(units, (lo + hi) / 2), ses(units, SES_BOUNDS[1])].reduce((best, s) => (s.mse < best.mse ? s : best));
}
