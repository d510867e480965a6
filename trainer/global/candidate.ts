// The global candidate: per series it only predicts, from the models the
// cycle trained across series (context.global), its product's pooled
// promotion lift (context.globalLift) and the series' own days.
// A fold's series ends on its cut-off, and it reads the models trained on
// days up to that cut-off and no others: without them it sits the fold out.
import { addDays } from "../days.ts";
import { SeriesError } from "../models/errors.ts";
import { profileOf } from "../models/pooled.ts";
import type { Holiday } from "../models/prophet.ts";
import { quantile } from "../models/quantile.ts";
import type { Forecast, ModelSeries } from "../models/types.ts";
import { errorScale } from "../select/intervals.ts";
import type { Candidate } from "../select/candidates.ts";
import { featuresAt, type FeatureInputs } from "./features.ts";
import type { GlobalModel, GlobalModels } from "./train.ts";

/** In-sample days behind the model's own interval (INTERVAL_METHOD=model; conformal bands replace it otherwise). */
const OWN_INTERVAL_DAYS = 28;
const holidaySets = new WeakMap<readonly Holiday[], Set<string>>();

export const globalCandidate: Candidate = {
  name: "global",
  family: "global",
  classes: ["smooth", "erratic", "intermittent", "lumpy"],
  cost: "cheap",
  fit: (series, { horizon, level, holidays }) => ({ forecast: forecastGlobal(series, horizon, level, holidays ?? []), params: null }),
};

export function forecastGlobal(series: ModelSeries, horizon: number, level: number, holidays: readonly Holiday[]): Forecast {
  const global = series.context?.global as GlobalModels | undefined;
  if (!global?.byCutoff) throw new SeriesError("bad_input", "no global model for this run (context.global); GLOBAL_MODEL is off or it could not be trained");
  const n = series.units.length;
  const cutoff = addDays(series.start, n - 1);
  const models = global.byCutoff[cutoff];
  if (!models?.length) throw new SeriesError("bad_input", `no global model trained on days up to ${cutoff}`);
  const longest = global.horizons.at(-1)!;
  if (horizon > longest) throw new SeriesError("bad_input", `the global model forecasts up to ${longest} days ahead, not ${horizon}`);
  const promo = new Float64Array(n + horizon);
  promo.set(series.promo);
  promo.set(series.futurePromo.subarray(0, horizon), n);
  const lift = (series.context?.globalLift as Record<string, number> | undefined)?.[cutoff] ?? 1;
  const inputs: FeatureInputs = { units: series.units, promo, start: series.start, profile: profileOf(series), holidays: holidaySet(holidays), lift };
  const predict = (t: number, bucket: number) => {
    const row = featuresAt(inputs, t, bucket);
    if (row.scale <= 0) return 0;
    const model = pick(models, bucket, row.nonzero >= global.denseShare);
    return Math.max(0, row.scale * model.coefficients.reduce((s, c, i) => s + c * row.x[i], 0));
  };
  const point: number[] = [];
  for (let h = 1; h <= horizon; h++) point.push(predict(n - 1 + h, global.horizons.find((b) => b >= h)!));
  // The nearest bucket's in-sample errors over the last weeks, scaled like count noise.
  const residuals: number[] = [];
  for (let t = Math.max(0, n - OWN_INTERVAL_DAYS); t < n; t++) {
    const f = predict(t, global.horizons[0]);
    residuals.push((series.units[t] - f) / errorScale(f));
  }
  residuals.sort((a, b) => a - b);
  const low = quantile(residuals, (1 - level) / 2);
  const high = quantile(residuals, (1 + level) / 2);
  return {
    point,
    lower: point.map((p) => Math.min(p, Math.max(0, p + low * errorScale(p)))),
    upper: point.map((p) => Math.max(p, p + high * errorScale(p))),
  };
}

/** The bucket's model for the series' segment; the other segment's when that one had too few rows. */
function pick(models: readonly GlobalModel[], horizon: number, dense: boolean): GlobalModel {
  const model = models.find((m) => m.horizon === horizon && m.dense === dense) ?? models.find((m) => m.horizon === horizon);
  if (!model) throw new SeriesError("bad_input", `no global model for ${horizon} days ahead`);
  return model;
}

function holidaySet(holidays: readonly Holiday[]): Set<string> {
  let set = holidaySets.get(holidays);
  if (!set) holidaySets.set(holidays, (set = new Set(holidays.flatMap((h) => h.days))));
  return set;
}
