// Out-of-sample accuracy by rolling origin: fit on the start of the series,
// forecast the days held back, score against what happened; then move the
// origin back by one fold and repeat. A fold sees nothing after its cut-off:
// its training days, the promotions planned for its test days, and the
// context as of its cut-off (a pooled profile computed from the days before
// it). The published forecast is a separate fit on the whole series.
import { addDays } from "../days.ts";
import { knownAhead } from "../plan/known-ahead.ts";
import { coverage, mase, rmsse, rmsseScale, seasonalNaiveScale, smape, wape } from "./metrics.ts";
import { MIN_SERIES_DAYS, type Forecast, type Metrics, type ModelSeries } from "./types.ts";


export interface Fold {
  trainDays: number;
  testDays: number;
}

/** Any model that can forecast `horizon` days after a series; `futurePromo` holds those days' flags. */
export type ForecastModel = (series: ModelSeries, horizon: number) => { forecast: Forecast; params: unknown };

export interface FoldResult extends Fold {
  metrics: Metrics;
  forecast: Forecast;
  params: unknown;
}

export interface BacktestResult {
  /** Mean over the folds. */
  metrics: Metrics;
  /** Oldest origin first. */
  folds: FoldResult[];
  /** Params of the fold closest to the full series: a good warm start for the final fit. */
  params: unknown;
}

/**
 * Up to `count` folds of `holdoutDays` each, the newest holding out the last
 * days and each earlier one ending where the next begins, oldest first. A fold
 * is left out when the part before it would be too short to fit.
 */
export function holdoutFolds(days: number, holdoutDays: number, count = 1): Fold[] {
  const folds: Fold[] = [];
  if (holdoutDays <= 0) return folds;
  for (let i = 0; i < count; i++) {
    const trainDays = days - (i + 1) * holdoutDays;
    if (trainDays < MIN_SERIES_DAYS) break;
    folds.unshift({ trainDays, testDays: holdoutDays });
  }
  return folds;
}

/** The last training day of a fold (YYYY-MM-DD): the cut-off its inputs must come from. */
export function foldCutoff(series: Pick<ModelSeries, "start">, fold: Pick<Fold, "trainDays">): string {
  return addDays(series.start, fold.trainDays - 1);
}

/**
 * The series as a fold sees it. `context.foldProfiles[cutoff]` replaces
 * `context.profile`; without one the fold gets no profile at all (never the
 * whole history's), so the pooled model sits that fold out.
 */
export function foldSeries(series: ModelSeries, fold: Fold): ModelSeries {
  const { trainDays, testDays } = fold;
  const context = series.context;
  const asOf = context?.foldProfiles as Record<string, unknown> | undefined;
  return {
    ...series,
    units: series.units.subarray(0, trainDays),
    promo: series.promo.subarray(0, trainDays),
    // What was known ahead of the fold's days, by the same rule as the published forecast's.
    futurePromo: knownAhead(series, trainDays, testDays),
    context: context && { ...context, profile: asOf?.[foldCutoff(series, fold)], foldProfiles: undefined },
  };
}

export function backtest(series: ModelSeries, holdoutDays: number, model: ForecastModel, count = 1): BacktestResult {
  const folds: FoldResult[] = [];
  for (const fold of holdoutFolds(series.units.length, holdoutDays, count)) {
    const fit = model(foldSeries(series, fold), fold.testDays);
    folds.push({ ...fold, forecast: fit.forecast, params: fit.params, metrics: scoreFold(series, fold, fit.forecast) });
  }
  return { metrics: averageFolds(folds.map((f) => f.metrics)), folds, params: folds.at(-1)?.params };
}

/** Scores one fold's forecast against the days it held out, each scale from its training days only. */
export function scoreFold(series: Pick<ModelSeries, "units">, { trainDays, testDays }: Fold, forecast: Forecast): Metrics {
  const train = series.units.subarray(0, trainDays);
  const actual = series.units.subarray(trainDays, trainDays + testDays);
  const { point, lower, upper } = forecast;
  return {
    mase: mase(actual, point, seasonalNaiveScale(train)),
    rmsse: rmsse(actual, point, rmsseScale(train)),
    smape: smape(actual, point),
    wape: wape(actual, point),
    coverage: coverage(actual, lower, upper),
    holdoutDays: testDays,
  };
}

export function averageFolds(folds: Metrics[]): Metrics {
  const mean = (values: (number | null)[]) => {
    const known = values.filter((v): v is number => v !== null);
    return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
  };
  return {
    mase: mean(folds.map((f) => f.mase)),
    rmsse: mean(folds.map((f) => f.rmsse)),
    smape: mean(folds.map((f) => f.smape)),
    wape: mean(folds.map((f) => f.wape)),
    coverage: mean(folds.map((f) => f.coverage)),
    holdoutDays: folds.length ? Math.max(...folds.map((f) => f.holdoutDays)) : 0,
  };
}
