// Model selection for one series: backtest every candidate its demand class
// allows on the same rolling-origin folds, rank by mean MASE, and, when
// asked, try the mean of the best two, kept only where it scores better.
import { averageFolds, backtest, scoreFold, type BacktestResult } from "../models/backtest.ts";
import { candidatesFor, type Candidate, type CandidateSettings } from "../models/candidates.ts";
import type { CandidateScore, Forecast, ModelSeries } from "../models/types.ts";
import type { DemandClass } from "./classify.ts";

export interface Tried {
  candidate: Candidate;
  backtest: BacktestResult;
}

export interface Ranking {
  /** Tried candidates, best first; ties keep registry order. */
  ranked: Tried[];
  /** Set when the mean of the best two beat the best one on the folds. */
  ensemble: { members: [Tried, Tried]; backtest: BacktestResult } | null;
  /** The first error of a candidate that could not be fitted, for when none could. */
  firstError: unknown;
}

export interface RankOptions {
  demandClass: DemandClass;
  hybrid: boolean;
  holdoutDays: number;
  folds: number;
  ensemble: boolean;
  /** Settings for the fold fits; `warm` is filled in per candidate. */
  settings: Omit<CandidateSettings, "warm" | "horizon">;
  /** Earlier params of each candidate, by name. */
  warm: (name: string) => unknown[];
  registry?: readonly Candidate[];
}

export function rankCandidates(series: ModelSeries, options: RankOptions): Ranking {
  const tried: Tried[] = [];
  let firstError: unknown;
  for (const candidate of candidatesFor(options.demandClass, { hybrid: options.hybrid, registry: options.registry })) {
    // Each fold starts from the previous run's params, then from the fold before it.
    let previousFold: unknown;
    try {
      const result = backtest(series, options.holdoutDays, (fold, horizon) => {
        const fit = candidate.fit(fold, { ...options.settings, horizon, warm: [...options.warm(candidate.name), previousFold], wholeDays: series.units.length });
        previousFold = fit.params;
        return fit;
      }, options.folds);
      tried.push({ candidate, backtest: result });
    } catch (error) {
      firstError ??= error;
    }
  }
  const ranked = tried
    .map((t, order) => ({ t, order, score: t.backtest.metrics.mase ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.score - b.score || a.order - b.order)
    .map(({ t }) => t);
  return { ranked, ensemble: options.ensemble ? ensembleOfBest(series, ranked) : null, firstError };
}

/** The mean of the best two, scored on the same folds; null unless it beats the best. */
function ensembleOfBest(series: ModelSeries, ranked: Tried[]): Ranking["ensemble"] {
  if (ranked.length < 2) return null;
  const [a, b] = ranked;
  const best = a.backtest.metrics.mase;
  if (best === null || a.backtest.folds.length === 0) return null;
  const folds = a.backtest.folds.map((fold, i) => {
    const forecast = meanForecast([fold.forecast, b.backtest.folds[i].forecast]);
    return { ...fold, forecast, metrics: scoreFold(series, fold, forecast) };
  });
  const metrics = averageFolds(folds.map((f) => f.metrics));
  if (metrics.mase === null || metrics.mase >= best) return null;
  return { members: [a, b], backtest: { metrics, folds, params: null } };
}

export function meanForecast(forecasts: Forecast[]): Forecast {
  const mean = (pick: (f: Forecast) => number[]) =>
    pick(forecasts[0]).map((_, j) => forecasts.reduce((sum, f) => sum + pick(f)[j], 0) / forecasts.length);
  return { point: mean((f) => f.point), lower: mean((f) => f.lower), upper: mean((f) => f.upper) };
}

export function scoresOf(ranking: Ranking): CandidateScore[] {
  const score = (model: string, result: BacktestResult): CandidateScore => ({
    model,
    mase: result.metrics.mase,
    folds: result.folds.map((f) => f.metrics.mase),
  });
  const scores = ranking.ranked.map((t) => score(t.candidate.name, t.backtest));
  if (ranking.ensemble) {
    const [a, b] = ranking.ensemble.members;
    scores.unshift(score(`ensemble:${a.candidate.name}+${b.candidate.name}`, ranking.ensemble.backtest));
  }
  return scores;
}
