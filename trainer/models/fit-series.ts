// One series end to end: validate, backtest, refit on everything, forecast.
// Never throws: whatever goes wrong becomes a FitFailure with a stable code,
// so one bad series cannot stop a run.
import { backtest } from "./backtest.ts";
import { fitFailure } from "./errors.ts";
import { fitProphet } from "./prophet.ts";
import { validateSeries } from "./series.ts";
import type { FitOptions, FitResult, ModelSeries, SeriesInput } from "./types.ts";

/** Needs `loadProphet()` to have completed in this thread. */
export function fitSeries(input: SeriesInput | ModelSeries, options: FitOptions): FitResult {
  const started = performance.now();
  const id = typeof input?.id === "string" ? input.id : String(input?.id);
  try {
    const series = validateSeries(input, options.horizon);
    const settings = { level: options.level, uncertaintySamples: options.uncertaintySamples, seed: options.seed };
    const holdout = backtest(series, options.holdoutDays, (fold, horizon) => fitProphet(fold, { ...settings, horizon }, [series.warm]));
    // Last run's params are fitted on nearly this very series; the holdout fit's are the fallback.
    const final = fitProphet(series, { ...settings, horizon: options.horizon }, [series.warm, holdout.params]);
    const metrics = options.uncertaintySamples === 0 ? { ...holdout.metrics, coverage: null } : holdout.metrics;
    return {
      id,
      ok: true,
      model: final.model,
      forecast: final.forecast,
      params: final.params,
      metrics,
      fitMs: performance.now() - started,
    };
  } catch (error) {
    return fitFailure(id, error, performance.now() - started);
  }
}
