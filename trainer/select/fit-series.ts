// One series end to end: validate, classify, then either the full selection
// (backtest the candidates its class allows, refit the best on everything)
// or, between two selections, a refit of the last winner alone; calibrate
// the intervals, forecast. Never throws: whatever goes wrong becomes a
// FitFailure with a stable code, so one bad series cannot stop a run.
import { addDays } from "../days.ts";
import type { FoldResult } from "../models/backtest.ts";
import { fitFailure } from "../models/errors.ts";
import { validateSeries } from "../models/series.ts";
import { MIN_SERIES_DAYS, type FitOptions, type FitOutcome, type FitResult, type Forecast, type Metrics, type ModelSeries, type RefitPlan, type SeriesInput, zeroForecast } from "../models/types.ts";
import { CANDIDATES, findCandidate, type Candidate, type CandidateSettings } from "./candidates.ts";
import { classify, SYNTETOS_BOYLAN, type DemandClass } from "./classify.ts";
import { bandsOf, calibrateBands, withBands, type Bands } from "./intervals.ts";
import { carriedToHorizon } from "./published-accuracy.ts";
import { rankCandidates, scoresOf, type Tried } from "./selection.ts";

export const NO_METRICS: Metrics = Object.freeze({ mase: null, rmsse: null, smape: null, wape: null, coverage: null, holdoutDays: 0 });
export const DEFAULT_FOLDS = 3;
/** Draws per Prophet fold fit when its own intervals are kept (intervals "model"). */
const MODEL_INTERVAL_FOLD_SAMPLES = 200;
/** Keys of a fit's params that are not a candidate's: fold params for leak-free warm starts, and the last selection. */
const FOLDS_KEY = "$folds";
const SELECTION_KEY = "$selection";

/** What the last full selection left for the refits until the next one. */
export interface SelectionRecord {
  /** The series' last day when it was selected. */
  on: string;
  /** Conformal bands of the winner and of the Prophet rollback, by candidate name. */
  bands: Record<string, Bands>;
  /** The Prophet rollback's model and accuracy, when the winner was another family. */
  rollback?: { model: string; metrics: Metrics };
}

/** Needs `loadProphet()` to have completed in this thread. */
export function fitSeries(input: SeriesInput | ModelSeries, options: FitOptions, candidates: readonly Candidate[] = CANDIDATES): FitResult {
  const started = performance.now();
  const registry = options.exclude?.length ? candidates.filter((c) => !options.exclude!.includes(c.name)) : candidates;
  const id = typeof input?.id === "string" ? input.id : String(input?.id);
  try {
    const series = fromFirstSale(validateSeries(input, options.horizon));
    const thresholds = options.thresholds ?? SYNTETOS_BOYLAN;
    const { demandClass } = classify(series.units, thresholds);
    const done = (fields: Omit<FitOutcome, "id" | "ok" | "fitMs">): FitOutcome => ({ id, ok: true, ...fields, fitMs: performance.now() - started });
    if (demandClass === "none") {
      // Nothing ever sold: no model has anything to learn, and Prophet cannot even scale it.
      return done({ model: "zero", demandClass, selection: "full", forecast: zeroForecast(options.horizon), params: null, metrics: NO_METRICS, scores: [] });
    }
    const fitter = new SeriesFitter(series, options, registry);
    const plan = series.refit;
    const refitted = plan ? fitter.refitOnly(plan) : null;
    return done(refitted ?? fitter.select(demandClass, thresholds));
  } catch (error) {
    return fitFailure(id, error, performance.now() - started);
  }
}

type Outcome = Omit<FitOutcome, "id" | "ok" | "fitMs">;

class SeriesFitter {
  readonly #series: ModelSeries;
  readonly #options: FitOptions;
  readonly #registry: readonly Candidate[];
  readonly #conformal: boolean;
  readonly #hybrid: boolean;
  readonly #previous: Record<string, unknown>;
  readonly #final: CandidateSettings;
  readonly #params: Record<string, unknown> = {};
  readonly #bands: Record<string, Bands> = {};

  constructor(series: ModelSeries, options: FitOptions, registry: readonly Candidate[]) {
    this.#series = series;
    this.#options = options;
    this.#registry = registry;
    this.#conformal = (options.intervals ?? "conformal") === "conformal";
    this.#hybrid = options.hybrid ?? true;
    this.#previous = previousParams(series.warm);
    const samples = this.#conformal ? 0 : options.uncertaintySamples;
    this.#final = { level: options.level, seed: options.seed, holidays: options.holidays, uncertaintySamples: samples, horizon: options.horizon, warm: [] };
  }

  select(demandClass: DemandClass, thresholds: FitOptions["thresholds"] & object): Outcome {
    const options = this.#options;
    const ranking = rankCandidates(this.#series, {
      demandClass,
      thresholds,
      hybrid: this.#hybrid,
      holdoutDays: options.holdoutDays,
      folds: options.folds ?? DEFAULT_FOLDS,
      selectBy: options.selectBy ?? "rmsse",
      conformal: this.#conformal,
      level: options.level,
      settings: {
        level: options.level, seed: options.seed, holidays: options.holidays,
        // Fold fits need no draws: conformal intervals come from their errors, not from their intervals.
        uncertaintySamples: this.#conformal ? 0 : Math.min(options.uncertaintySamples ?? 1000, MODEL_INTERVAL_FOLD_SAMPLES),
      },
      warm: (name, cutoff) => this.#foldWarm(name, cutoff),
      registry: this.#registry,
    });
    // Each fold's params, for the next run's folds: fitted on days before their own cut-off only.
    const foldParams: Record<string, { cutoff: string; params: unknown }[]> = {};
    for (const t of ranking.tried) foldParams[t.candidate.name] = t.folds.map((f) => ({ cutoff: cutoffOf(this.#series, f.trainDays), params: f.params }));
    this.#params[FOLDS_KEY] = foldParams;

    // Without folds (a short series, or the backtest off) the class's first candidate is the default.
    const order: (Tried | Candidate)[] = ranking.ranked.length ? ranking.ranked : this.#defaults(demandClass);
    const chosen = this.#firstThatFits(order);
    if (!chosen) throw ranking.firstError ?? new Error("no candidate model applies to this series");
    const honest = ranking.honest;
    const metrics = this.#metricsOf(honest ? this.#published(honest.fold, honest.metrics, chosen.forecast) : { ...NO_METRICS });

    // The Prophet rollback needs a Prophet forecast for every series the hybrid gave to another model.
    let prophet: FitOutcome["prophet"];
    if (this.#hybrid && chosen.candidate.family !== "prophet") {
      const tried = ranking.tried
        .filter((t) => t.candidate.family === "prophet")
        .sort((a, b) => (meanOf(a) - meanOf(b)) || this.#registry.indexOf(a.candidate) - this.#registry.indexOf(b.candidate));
      const fitted = this.#firstThatFits(tried.length ? tried : this.#registry.filter((c) => c.family === "prophet").slice(0, 1), this.#rollbackHorizon());
      if (fitted) prophet = { model: fitted.candidate.name, forecast: fitted.forecast, metrics: this.#metricsOf(this.#rollbackMetrics(fitted.from, atHorizon(fitted.forecast, this.#options.horizon))) };
    }
    this.#params[SELECTION_KEY] = {
      on: lastDay(this.#series), bands: this.#bands, ...(prophet ? { rollback: { model: prophet.model, metrics: prophet.metrics } } : {}),
    } satisfies SelectionRecord;
    return {
      model: chosen.candidate.name, demandClass, selection: "full", forecast: chosen.forecast, params: this.#params, metrics,
      scores: scoresOf(ranking), ...(prophet ? { prophet } : {}),
    };
  }

  /** The last winner refitted on today's series, with the last selection's bands and accuracy; null (select instead) when it cannot be. */
  refitOnly(plan: RefitPlan): Outcome | null {
    const selection = selectionOf(this.#previous[SELECTION_KEY]);
    const candidate = findCandidate(plan.model, this.#registry);
    if (!selection || !candidate) return null;
    for (const [name, bands] of Object.entries(selection.bands)) this.#bands[name] = bands;
    const chosen = this.#firstThatFits([candidate]);
    if (!chosen) return null;
    let prophet: FitOutcome["prophet"];
    if (this.#hybrid && candidate.family !== "prophet") {
      const rollback = findCandidate(selection.rollback?.model ?? "prophet", this.#registry);
      const metrics = selection.rollback?.metrics ?? { ...NO_METRICS };
      // An earlier run's rollback, shifted to today, stands in for a Prophet fit (fit-plan.ts says when).
      const fitted = rollback && !plan.rollback ? this.#firstThatFits([rollback], this.#rollbackHorizon()) : null;
      if (rollback && plan.rollback) prophet = { model: rollback.name, forecast: plan.rollback, metrics };
      else if (fitted) prophet = { model: fitted.candidate.name, forecast: fitted.forecast, metrics };
    }
    this.#params[FOLDS_KEY] = this.#previous[FOLDS_KEY];
    this.#params[SELECTION_KEY] = selection;
    return {
      model: candidate.name, demandClass: plan.demandClass, selection: "refit", forecast: chosen.forecast, params: this.#params,
      metrics: plan.metrics, scores: plan.scores, ...(prophet ? { prophet } : {}),
    };
  }

  /** Refits on the whole series, warm from last run's final params, else the newest fold's; intervals from its folds. */
  #refit(from: Tried | Candidate, horizon: number): Forecast {
    const candidate = "candidate" in from ? from.candidate : from;
    const newestFold = "candidate" in from ? from.folds.at(-1)?.params : undefined;
    const fit = candidate.fit(this.#series, { ...this.#final, horizon, warm: [this.#previous[candidate.name], newestFold] });
    this.#params[candidate.name] = fit.params;
    if (!this.#conformal) return fit.forecast;
    const bands = "candidate" in from ? calibrateBands(this.#series.units, from.folds, this.#options.level) : this.#bands[candidate.name] ?? null;
    if (!bands) return fit.forecast;
    this.#bands[candidate.name] = bands;
    return withBands(fit.forecast.point, bands);
  }

  #firstThatFits(order: (Tried | Candidate)[], horizon = this.#options.horizon) {
    for (const from of order) {
      try {
        const forecast = this.#refit(from, horizon);
        return { from, candidate: "candidate" in from ? from.candidate : from, forecast };
      } catch {
        // A final fit can fail where the folds did not (e.g. Stan on the full series): take the next best.
      }
    }
    return null;
  }

  /** The rollback forecasts past the horizon, so the refits before the next selection can shift it. */
  #rollbackHorizon(): number {
    return this.#options.horizon + (this.#options.rollbackDays ?? 0);
  }

  #defaults(demandClass: DemandClass): Candidate[] {
    return this.#registry.filter((c) => (this.#hybrid ? c.classes.includes(demandClass) : c.family === "prophet"));
  }

  /** Previous fold params of `name` fitted on days up to `cutoff` at most, newest first. */
  #foldWarm(name: string, cutoff: string): unknown[] {
    const folds = (this.#previous[FOLDS_KEY] as Record<string, { cutoff?: unknown; params?: unknown }[]> | undefined)?.[name];
    if (!Array.isArray(folds)) return [];
    return folds.filter((f) => typeof f?.cutoff === "string" && f.cutoff <= cutoff).map((f) => f.params).reverse();
  }

  /** A held-out fold's metrics as published beside `forecast` (PUBLISHED_ACCURACY). */
  #published(fold: FoldResult, measured: Metrics, forecast: Forecast): Metrics {
    return (this.#options.publishedAccuracy ?? "horizon") === "horizon" ? carriedToHorizon(this.#series.units, fold, measured, forecast.point) : measured;
  }

  /** Prophet was not chosen, so each of its folds is an honest score of it; the newest is the most like tomorrow. */
  #rollbackMetrics(from: Tried | Candidate, forecast: Forecast): Metrics {
    const newest = "candidate" in from ? from.folds.at(-1) : undefined;
    return newest ? this.#published(newest, newest.metrics, forecast) : { ...NO_METRICS };
  }

  #metricsOf(m: Metrics): Metrics {
    return !this.#conformal && this.#options.uncertaintySamples === 0 ? { ...m, coverage: null } : m;
  }
}

/** The days a run publishes of a rollback forecast that reaches past them: what its accuracy is measured on. */
const atHorizon = (f: Forecast, horizon: number): Forecast => ({ point: f.point.slice(0, horizon), lower: f.lower.slice(0, horizon), upper: f.upper.slice(0, horizon) });

function meanOf(t: Tried): number {
  const known = t.folds.map((f) => f.metrics.rmsse).filter((v): v is number => v !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : Number.POSITIVE_INFINITY;
}

/**
 * Params from the last run, by candidate name. Runs before model selection
 * stored Prophet's params alone; those still warm-start Prophet.
 */
function previousParams(warm: unknown): Record<string, unknown> {
  if (warm === null || typeof warm !== "object" || Array.isArray(warm)) return {};
  if ("k" in warm && "delta" in warm) return { prophet: warm };
  return warm as Record<string, unknown>;
}

function selectionOf(value: unknown): SelectionRecord | null {
  if (value === null || typeof value !== "object") return null;
  const { on, bands, rollback } = value as Partial<SelectionRecord>;
  if (typeof on !== "string" || bands === null || typeof bands !== "object") return null;
  const checked: Record<string, Bands> = {};
  for (const [name, b] of Object.entries(bands)) {
    const ok = bandsOf(b);
    if (ok) checked[name] = ok;
  }
  return { on, bands: checked, ...(rollback && typeof rollback.model === "string" ? { rollback: { model: rollback.model, metrics: { ...NO_METRICS, ...rollback.metrics } } } : {}) };
}

const cutoffOf = (series: ModelSeries, trainDays: number) => addDays(series.start, trainDays - 1);
const lastDay = (series: ModelSeries) => cutoffOf(series, series.units.length);

/**
 * Drops the zeros before a series' first sale: the feature view fills a new
 * product's days before launch with zeros, which are not demand and would
 * make it look intermittent. Keeps the series whole when it never sold.
 */
function fromFirstSale(series: ModelSeries): ModelSeries {
  const first = series.units.findIndex((u) => u > 0);
  if (first <= 0 || series.units.length - first < MIN_SERIES_DAYS) return series;
  const start = addDays(series.start, first);
  return { ...series, start, units: series.units.subarray(first), promo: series.promo.subarray(first) };
}


/** The day of the last full selection recorded in a fit's params, if any. */
export function selectedOn(params: unknown): string | null {
  if (params === null || typeof params !== "object") return null;
  return selectionOf((params as Record<string, unknown>)[SELECTION_KEY])?.on ?? null;
}
