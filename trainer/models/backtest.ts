// Out-of-sample accuracy: fit on the start of the series, forecast the days
// held back, score against what happened. The published forecast is a
// separate fit on the whole series, made by the caller.
import { coverage, mase, seasonalNaiveScale, smape, wape } from "./metrics.ts";
import { MIN_SERIES_DAYS, type Forecast, type Metrics, type ModelSeries } from "./types.ts";

export interface Fold {
  trainDays: number;
  testDays: number;
}

/** Any model that can forecast `horizon` days after a series; `futurePromo` holds those days' flags. */
export type ForecastModel = (series: ModelSeries, horizon: number) => { forecast: Forecast; params: unknown };

export interface BacktestResult {
  metrics: Metrics;
  /** Params of the fold closest to the full series: a good warm start for the final fit. */
  params: unknown;
}

/**
 * One fold holding out the last `holdoutDays`. Rolling origins (more folds,
 * each ending earlier) can be added here without touching the callers.
 * No fold when the part left to train on would be too short to fit.
 */
export function holdoutFolds(days: number, holdoutDays: number): Fold[] {
  if (holdoutDays <= 0 || days - holdoutDays < MIN_SERIES_DAYS) return [];
  return [{ trainDays: days - holdoutDays, testDays: holdoutDays }];
}

export function backtest(series: ModelSeries, holdoutDays: number, model: ForecastModel): BacktestResult {
  const folds = holdoutFolds(series.units.length, holdoutDays);
  const scored: Metrics[] = [];
  let params: unknown;
  for (const { trainDays, testDays } of folds) {
    const train = series.units.subarray(0, trainDays);
    const actual = series.units.subarray(trainDays, trainDays + testDays);
    const fit = model(
      {
        ...series,
        units: train,
        promo: series.promo.subarray(0, trainDays),
        // The promotions that actually ran were known in advance: give them to the model.
        futurePromo: series.promo.subarray(trainDays, trainDays + testDays),
      },
      testDays,
    );
    const { point, lower, upper } = fit.forecast;
    scored.push({
      mase: mase(actual, point, seasonalNaiveScale(train)),
      smape: smape(actual, point),
      wape: wape(actual, point),
      coverage: coverage(actual, lower, upper),
      holdoutDays: testDays,
    });
    params = fit.params;
  }
  return { metrics: averageFolds(scored), params };
}

function averageFolds(folds: Metrics[]): Metrics {
  const mean = (values: (number | null)[]) => {
    const known = values.filter((v): v is number => v !== null);
    return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
  };
  return {
    mase: mean(folds.map((f) => f.mase)),
    smape: mean(folds.map((f) => f.smape)),
    wape: mean(folds.map((f) => f.wape)),
    coverage: mean(folds.map((f) => f.coverage)),
    holdoutDays: folds.length ? Math.max(...folds.map((f) => f.holdoutDays)) : 0,
  };
}
