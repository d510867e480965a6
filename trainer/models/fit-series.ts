// One series end to end: validate, classify, backtest the candidates its
// class allows, refit the best on everything, forecast. Never throws:
// whatever goes wrong becomes a FitFailure with a stable code, so one bad
// series cannot stop a run.
import { addDays } from "../days.ts";
import { classify, SYNTETOS_BOYLAN, type DemandClass } from "../select/classify.ts";
import { meanForecast, rankCandidates, scoresOf, type Tried } from "../select/selection.ts";
import { CANDIDATES, type Candidate, type CandidateSettings } from "./candidates.ts";
import { fitFailure } from "./errors.ts";
import { validateSeries } from "./series.ts";
import { MIN_SERIES_DAYS, type FitOptions, type FitOutcome, type FitResult, type Forecast, type Metrics, type ModelSeries, type SeriesInput, zeroForecast } from "./types.ts";

const NO_METRICS: Metrics = Object.freeze({ mase: null, smape: null, wape: null, coverage: null, holdoutDays: 0 });
export const DEFAULT_FOLDS = 3;
export const DEFAULT_BACKTEST_SAMPLES = 200;

/** Needs `loadProphet()` to have completed in this thread. */
export function fitSeries(input: SeriesInput | ModelSeries, options: FitOptions, candidates: readonly Candidate[] = CANDIDATES): FitResult {
  const started = performance.now();
  const registry = options.exclude?.length ? candidates.filter((c) => !options.exclude!.includes(c.name)) : candidates;
  const id = typeof input?.id === "string" ? input.id : String(input?.id);
  try {
    const series = fromFirstSale(validateSeries(input, options.horizon));
    const { demandClass } = classify(series.units, options.thresholds ?? SYNTETOS_BOYLAN);
    const outcome = (fields: Omit<FitOutcome, "id" | "ok" | "demandClass" | "fitMs">): FitOutcome =>
      ({ id, ok: true, demandClass, ...fields, fitMs: performance.now() - started });
    if (demandClass === "none") {
      // Nothing ever sold: no model has anything to learn, and Prophet cannot even scale it.
      return outcome({ model: "zero", forecast: zeroForecast(options.horizon), params: null, metrics: NO_METRICS, scores: [] });
    }

    const hybrid = options.hybrid ?? true;
    const warm = previousParams(series.warm);
    const settings = { level: options.level, seed: options.seed, holidays: options.holidays };
    const samples = options.uncertaintySamples;
    const ranking = rankCandidates(series, {
      demandClass,
      hybrid,
      holdoutDays: options.holdoutDays,
      folds: options.folds ?? DEFAULT_FOLDS,
      ensemble: options.ensemble ?? false,
      settings: { ...settings, uncertaintySamples: Math.min(samples ?? 1000, options.backtestSamples ?? DEFAULT_BACKTEST_SAMPLES) },
      warm: (name) => [warm[name]],
      registry,
    });
    const final: CandidateSettings = { ...settings, uncertaintySamples: samples, horizon: options.horizon, warm: [] };
    const params: Record<string, unknown> = {};
    const refit = (tried: Tried | Candidate): Forecast => {
      const candidate = "candidate" in tried ? tried.candidate : tried;
      const fromFold = "candidate" in tried ? tried.backtest.params : undefined;
      // Last run's params are fitted on nearly this very series; the newest fold's are the fallback.
      const fit = candidate.fit(series, { ...final, warm: [warm[candidate.name], fromFold] });
      params[candidate.name] = fit.params;
      return fit.forecast;
    };
    const metricsOf = (m: Metrics) => (samples === 0 ? { ...m, coverage: null } : m);

    let model: string;
    let forecast: Forecast;
    let metrics: Metrics;
    let family: string;
    if (ranking.ensemble) {
      const [a, b] = ranking.ensemble.members;
      model = `ensemble:${a.candidate.name}+${b.candidate.name}`;
      forecast = meanForecast([refit(a), refit(b)]);
      metrics = metricsOf(ranking.ensemble.backtest.metrics);
      family = a.candidate.family === "prophet" && b.candidate.family === "prophet" ? "prophet" : "ensemble";
    } else {
      // Without folds (a short series, or the backtest off) the class's first candidate is the default.
      const order: (Tried | Candidate)[] = ranking.ranked.length ? ranking.ranked : defaults(demandClass, hybrid, registry);
      const chosen = firstThatFits(order, refit);
      if (!chosen) throw ranking.firstError ?? new Error("no candidate model applies to this series");
      model = chosen.candidate.name;
      forecast = chosen.forecast;
      metrics = metricsOf("candidate" in chosen.from ? chosen.from.backtest.metrics : NO_METRICS);
      family = chosen.candidate.family;
    }

    // The Prophet rollback needs a Prophet forecast for every series the hybrid gave to another model.
    let prophet: FitOutcome["prophet"];
    if (hybrid && family !== "prophet") {
      const tried = ranking.ranked.filter((t) => t.candidate.family === "prophet");
      const order: (Tried | Candidate)[] = tried.length ? tried : registry.filter((c) => c.family === "prophet").slice(0, 1);
      const fitted = firstThatFits(order, refit);
      if (fitted) {
        prophet = {
          model: fitted.candidate.name,
          forecast: fitted.forecast,
          metrics: metricsOf("candidate" in fitted.from ? fitted.from.backtest.metrics : NO_METRICS),
        };
      }
    }
    return outcome({ model, forecast, params, metrics, scores: scoresOf(ranking), ...(prophet ? { prophet } : {}) });
  } catch (error) {
    return fitFailure(id, error, performance.now() - started);
  }
}

function firstThatFits(order: (Tried | Candidate)[], refit: (t: Tried | Candidate) => Forecast) {
  for (const from of order) {
    try {
      const forecast = refit(from);
      return { from, candidate: "candidate" in from ? from.candidate : from, forecast };
    } catch {
      // A final fit can fail where the folds did not (e.g. Stan on the full series): take the next best.
    }
  }
  return null;
}

function defaults(demandClass: DemandClass, hybrid: boolean, registry: readonly Candidate[]): Candidate[] {
  return registry.filter((c) => (hybrid ? c.classes.includes(demandClass) : c.family === "prophet"));
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
