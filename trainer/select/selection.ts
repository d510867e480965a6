// Model selection for one series: backtest the candidates its demand class
// allows on the same rolling-origin folds and rank them by mean fold error
// (RMSSE unless told MASE). Cheap candidates go first; an expensive one
// (Prophet) fits fold after fold only while it can still win, either the
// selection itself or the selection as of the newest fold's cut-off, which
// is what the published accuracy is measured from (see `honest`).
import { averageFolds, foldCutoff, foldSeries, holdoutFolds, scoreFold, type Fold, type FoldResult } from "../models/backtest.ts";
import { rmsseScale, seasonalNaiveScale } from "../models/metrics.ts";
import type { CandidateScore, Forecast, Metrics, ModelSeries } from "../models/types.ts";
import { CANDIDATES, candidatesFor, type Candidate, type CandidateSettings } from "./candidates.ts";
import { classify, type ClassThresholds, type DemandClass } from "./classify.ts";
import { calibrateBands, withBands } from "./intervals.ts";

export interface Tried {
  candidate: Candidate;
  /** Oldest first; fewer than the folds when it was stopped or failed. */
  folds: FoldResult[];
  /** Every fold fitted. */
  complete: boolean;
}

export interface Ranking {
  folds: Fold[];
  selectBy: RankOptions["selectBy"];
  /** Candidates of the series' class scored on every fold, best first; ties keep registry order. */
  ranked: Tried[];
  /** Every candidate tried, in the order tried. */
  tried: Tried[];
  /** What the published accuracy is: the choice made as of the newest fold's cut-off, scored on that fold. */
  honest: { tried: Tried; fold: FoldResult; metrics: Metrics } | null;
  /** The first error of a candidate that could not be fitted, for when none could. */
  firstError: unknown;
}

export interface RankOptions {
  demandClass: DemandClass;
  thresholds: ClassThresholds;
  hybrid: boolean;
  holdoutDays: number;
  folds: number;
  selectBy: "rmsse" | "mase";
  /** Calibrate the honest fold's interval from the older folds (conformal intervals). */
  conformal: boolean;
  level: number;
  /** Settings for the fold fits; `warm` is filled in per candidate and fold. */
  settings: Omit<CandidateSettings, "warm" | "horizon">;
  /** Earlier params of a candidate usable for a fold ending on `cutoff` (fitted on days up to it at most). */
  warm: (name: string, cutoff: string) => unknown[];
  registry?: readonly Candidate[];
}

export function rankCandidates(series: ModelSeries, options: RankOptions): Ranking {
  const folds = holdoutFolds(series.units.length, options.holdoutDays, options.folds);
  const error = (m: Metrics) => (options.selectBy === "mase" ? m.mase : m.rmsse);
  const scale = options.selectBy === "mase" ? seasonalNaiveScale : rmsseScale;
  // Whether a fold can be scored at all is the series', not the candidate's: it fixes each mean's denominator.
  const scored = folds.map((f) => scale(series.units.subarray(0, f.trainDays)) !== null);
  const asOfFolds = folds.length - 1;
  // The class as the newest fold's cut-off saw it: the candidates that selection would have tried.
  const asOfClass = asOfFolds > 0 ? classify(series.units.subarray(0, folds[asOfFolds].trainDays), options.thresholds).demandClass : null;
  const inClass = new Set(candidatesFor(options.demandClass, options).map((c) => c.name));
  const inAsOf = new Set(asOfClass && asOfClass !== "none" ? candidatesFor(asOfClass, options).map((c) => c.name) : []);
  const registry = options.registry ?? CANDIDATES;
  const trying = registry
    .filter((c) => inClass.has(c.name) || inAsOf.has(c.name))
    .map((c, i) => ({ c, i }))
    .sort((a, b) => Number(a.c.cost === "expensive") - Number(b.c.cost === "expensive") || a.i - b.i)
    .map(({ c }) => c);

  const meanError = (results: FoldResult[], upTo: number) => {
    let sum = 0;
    let count = 0;
    for (let j = 0; j < upTo; j++) {
      if (!scored[j]) continue;
      count++;
      sum += error(results[j].metrics) ?? 0;
    }
    return count ? sum / count : null;
  };
  const countScored = (upTo: number) => scored.slice(0, upTo).filter(Boolean).length;
  const best = { full: Number.POSITIVE_INFINITY, asOf: Number.POSITIVE_INFINITY };

  const tried: Tried[] = [];
  let firstError: unknown;
  for (const candidate of trying) {
    const results: FoldResult[] = [];
    // Errors are never negative: the sum so far over every fold's share bounds the final mean from below.
    const canStillWin = (j: number): boolean => {
      const sumSoFar = (meanError(results, j) ?? 0) * countScored(j);
      const full = inClass.has(candidate.name) && sumSoFar / Math.max(1, countScored(folds.length)) <= best.full;
      const asOf = inAsOf.has(candidate.name) && (j <= asOfFolds
        ? sumSoFar / Math.max(1, countScored(asOfFolds)) <= best.asOf
        : (meanError(results, asOfFolds) ?? Number.POSITIVE_INFINITY) < best.asOf);
      return full || asOf;
    };
    let complete = true;
    for (const [j, fold] of folds.entries()) {
      if (j > 0 && candidate.cost === "expensive" && !canStillWin(j)) {
        complete = false;
        break;
      }
      try {
        const input = foldSeries(series, fold);
        const cutoff = foldCutoff(series, fold);
        const fit = candidate.fit(input, { ...options.settings, horizon: fold.testDays, warm: [...options.warm(candidate.name, cutoff), results[j - 1]?.params], wholeDays: series.units.length });
        results.push({ ...fold, forecast: fit.forecast, params: fit.params, metrics: scoreFold(series, fold, fit.forecast) });
      } catch (e) {
        firstError ??= e;
        complete = false;
        break;
      }
    }
    if (results.length === 0) continue;
    const t: Tried = { candidate, folds: results, complete };
    tried.push(t);
    if (complete && inClass.has(candidate.name)) best.full = Math.min(best.full, meanError(results, folds.length) ?? Number.POSITIVE_INFINITY);
    if (results.length >= asOfFolds && inAsOf.has(candidate.name)) best.asOf = Math.min(best.asOf, meanError(results, asOfFolds) ?? Number.POSITIVE_INFINITY);

  }

  const byError = (list: Tried[], upTo: number) => list
    .map((t) => ({ t, score: meanError(t.folds, upTo) ?? Number.POSITIVE_INFINITY, order: registry.indexOf(t.candidate) }))
    .sort((a, b) => a.score - b.score || a.order - b.order)
    .map(({ t }) => t);
  const ranked = byError(tried.filter((t) => t.complete && inClass.has(t.candidate.name)), folds.length);
  const honest = honestScore(series, folds, byError(tried.filter((t) => t.folds.length >= asOfFolds && inAsOf.has(t.candidate.name)), asOfFolds)[0], options);
  return { folds, selectBy: options.selectBy, ranked, tried, honest, firstError };
}

/** The as-of choice scored on the newest fold, with the interval it would have published then. */
function honestScore(series: ModelSeries, folds: Fold[], choice: Tried | undefined, options: RankOptions): Ranking["honest"] {
  const newest = folds.length - 1;
  if (newest < 1 || !choice || choice.folds.length <= newest) return null;
  const fold = choice.folds[newest];
  let forecast: Forecast = fold.forecast;
  if (options.conformal) {
    const bands = calibrateBands(series.units, choice.folds.slice(0, newest), options.level);
    if (bands) forecast = withBands(fold.forecast.point, bands);
  }
  return { tried: choice, fold, metrics: scoreFold(series, fold, forecast) };
}

export function scoresOf(ranking: Ranking): CandidateScore[] {
  const listed = [...ranking.ranked, ...ranking.tried.filter((t) => !ranking.ranked.includes(t))];
  return listed.map((t) => {
    const mean = averageFolds(t.folds.map((f) => f.metrics));
    return {
      model: t.candidate.name,
      mase: mean.mase,
      rmsse: mean.rmsse,
      folds: t.folds.map((f) => (ranking.selectBy === "mase" ? f.metrics.mase : f.metrics.rmsse)),
      complete: t.complete,
    };
  });
}
