// The one rule for what a forecast may know about the days after its origin:
// the promotions planned for them. Promotions are planned ahead of the days
// they run, so for an origin inside the history (a backtest fold) the plan was
// the promotions that ran; for the published forecast, made at the end of the
// history, it is the loaded plan (`futurePromo`). Folds and the published
// forecast read their flags here, so they cannot disagree about it.
import type { ModelSeries } from "../models/types.ts";

/** Promotion flags known ahead for the `days` after the first `origin` days of `series`. */
export function knownAhead(series: Pick<ModelSeries, "promo" | "futurePromo">, origin: number, days: number): Float64Array<ArrayBuffer> {
  const n = series.promo.length;
  if (origin < 0 || origin > n) throw new RangeError(`origin ${origin} is outside the series' ${n} days`);
  const flags = new Float64Array(days);
  flags.set(series.promo.subarray(origin, Math.min(n, origin + days)));
  if (origin + days > n) flags.set(series.futurePromo.subarray(0, Math.min(series.futurePromo.length, origin + days - n)), n - origin);
  return flags;
}
