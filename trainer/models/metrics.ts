// Forecast accuracy on a holdout. Pure functions over equal-length arrays;
// each returns null when the measure is undefined rather than a misleading 0
// or Infinity, so the run table can tell "perfect" from "not measurable".

type Values = ArrayLike<number>;

/**
 * MAE of the in-sample seasonal-naive forecast (y[t] predicted by y[t - period]):
 * the denominator of MASE. Null when the training part has no full period, or
 * is exactly periodic, since nothing can be scaled by a zero error.
 */
export function seasonalNaiveScale(train: Values, period = 7): number | null {
  if (train.length <= period) return null;
  let sum = 0;
  for (let t = period; t < train.length; t++) sum += Math.abs(train[t] - train[t - period]);
  const scale = sum / (train.length - period);
  return scale > 0 ? scale : null;
}

/** Mean absolute scaled error; `scale` comes from `seasonalNaiveScale` of the training part. */
export function mase(actual: Values, forecast: Values, scale: number | null): number | null {
  if (scale === null || actual.length === 0) return null;
  return meanAbsoluteError(actual, forecast) / scale;
}

/**
 * Symmetric MAPE as Kaggle scores it: mean of 200·|F−A|/(|F|+|A|), in percent
 * (0–200), with days where both are 0 counting as exact rather than undefined,
 * which matters for intermittent demand.
 */
export function smape(actual: Values, forecast: Values): number | null {
  if (actual.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const denominator = Math.abs(forecast[i]) + Math.abs(actual[i]);
    if (denominator > 0) sum += (2 * Math.abs(forecast[i] - actual[i])) / denominator;
  }
  return (100 * sum) / actual.length;
}

/** Weighted APE: Σ|F−A| / Σ|A|, as a fraction. Null when there was no demand to weight by. */
export function wape(actual: Values, forecast: Values): number | null {
  let error = 0;
  let volume = 0;
  for (let i = 0; i < actual.length; i++) {
    error += Math.abs(forecast[i] - actual[i]);
    volume += Math.abs(actual[i]);
  }
  return volume > 0 ? error / volume : null;
}

/** Share of actuals inside [lower, upper], bounds included: compare with the nominal level. */
export function coverage(actual: Values, lower: Values, upper: Values): number | null {
  if (actual.length === 0) return null;
  let inside = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i] >= lower[i] && actual[i] <= upper[i]) inside++;
  return inside / actual.length;
}

function meanAbsoluteError(actual: Values, forecast: Values): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(forecast[i] - actual[i]);
  return sum / actual.length;
}

/**
 * Mean squared one-step naive change of the training part, from its first
 * sale on: the denominator of RMSSE as the M5 competition defined it (zeros
 * before a product's launch are not demand). Null when it never changed.
 */
export function rmsseScale(train: Values): number | null {
  let first = 0;
  while (first < train.length && train[first] === 0) first++;
  let sum = 0;
  let count = 0;
  for (let t = first + 1; t < train.length; t++) {
    sum += (train[t] - train[t - 1]) ** 2;
    count++;
  }
  return count > 0 && sum > 0 ? sum / count : null;
}

/**
 * Root mean squared scaled error. Squared, so a forecast that sits below the
 * mean of intermittent demand (mostly zeros) is penalised where MASE rewards
 * it: the point forecast is the expected demand stock is planned from.
 */
export function rmsse(actual: Values, forecast: Values, scale: number | null): number | null {
  if (scale === null || actual.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += (forecast[i] - actual[i]) ** 2;
  return Math.sqrt(sum / actual.length / scale);
}
