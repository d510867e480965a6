// The models selection may choose from, one entry each. A candidate says
// which demand classes it is worth trying on and fits one series; the
// backtest, selection, warm starts and publishing treat every entry alike,
// so adding a model is adding an entry here.
import { croston, crostonRate, flatForecast, sbaRate, tsb, tsbRate } from "../models/intermittent.ts";
import { globalCandidate } from "../global/candidate.ts";
import { fitPooled } from "../models/pooled.ts";
import { fitProphet, type Holiday } from "../models/prophet.ts";
import { seasonalNaive } from "../models/seasonal-naive.ts";
import { sesOptimized, windowAverage } from "../models/smoothing.ts";
import type { Forecast, ModelSeries } from "../models/types.ts";
import type { DemandClass } from "./classify.ts";

export interface CandidateSettings {
  horizon: number;
  level: number;
  uncertaintySamples?: number;
  seed?: number;
  holidays?: readonly Holiday[];
  /** This candidate's params from earlier fits of the series, best guess first; may be stale or malformed. */
  warm: unknown[];
  /** Days of the whole series when fitting a backtest fold of it (see ProphetSettings.wholeDays). */
  wholeDays?: number;
}

export interface CandidateFit {
  forecast: Forecast;
  /** JSON-serialisable; handed back as `warm` on the next fit of the series. */
  params: unknown;
}

export interface Candidate {
  /** Stable name: published as the payload's `model`, stored per series. */
  name: string;
  /**
   * "prophet" is what ENABLE_HYBRID_FORECASTING=false keeps and what the
   * edge's Prophet rollback serves; every other family is the hybrid's.
   */
  family: "prophet" | "intermittent" | "naive" | (string & {});
  /** Demand classes it is tried on; "none" (no demand at all) never reaches a candidate. */
  classes: readonly DemandClass[];
  /**
   * "expensive" (a numerical optimiser per fit) is backtested after every
   * cheap candidate, and its folds stop as soon as it can no longer win.
   */
  cost: "cheap" | "expensive";
  /** Throws SeriesError when it cannot fit; the candidate is then left out of the selection. */
  fit(series: ModelSeries, settings: CandidateSettings): CandidateFit;
}

const ALL: readonly DemandClass[] = ["smooth", "erratic", "intermittent", "lumpy"];
const SPARSE: readonly DemandClass[] = ["intermittent", "lumpy"];
const DENSE: readonly DemandClass[] = ["smooth", "erratic"];
/** Smoothing constants for Croston's family: 0.1 is the usual choice in the literature for daily data. */
const ALPHA = 0.1;
const BETA = 0.1;
/** The M5 competition's moving-average benchmark window. */
const MOVING_AVERAGE_DAYS = 28;

function prophet(name: string, seasonalityMode: "additive" | "multiplicative"): Candidate {
  return {
    name,
    family: "prophet",
    classes: DENSE,
    cost: "expensive",
    fit(series, settings) {
      const fit = fitProphet(series, { ...settings, seasonalityMode }, settings.warm);
      return { forecast: fit.forecast, params: fit.params };
    },
  };
}

function intermittent(name: string, rate: (units: Float64Array) => { rate: number; params: object } | null): Candidate {
  return {
    name,
    family: "intermittent",
    classes: SPARSE,
    cost: "cheap",
    fit(series, { horizon, level }) {
      const fitted = rate(series.units) ?? { rate: 0, params: {} };
      return { forecast: flatForecast(series.units, fitted.rate, horizon, level), params: fitted.params };
    },
  };
}

export const CANDIDATES: readonly Candidate[] = Object.freeze([
  prophet("prophet", "additive"),
  prophet("prophet_multiplicative", "multiplicative"),
  intermittent("croston", (u) => {
    const p = croston(u, ALPHA);
    return p && { rate: crostonRate(p), params: p };
  }),
  intermittent("sba", (u) => {
    const p = croston(u, ALPHA);
    return p && { rate: sbaRate(p), params: p };
  }),
  intermittent("tsb", (u) => {
    const p = tsb(u, ALPHA, BETA);
    return p && { rate: tsbRate(p), params: p };
  }),
  {
    // Shape pooled across series (sql/006), level and trend from the series. Needs
    // context.profile: without one (POOLED_MODEL=off) it is left out of the selection.
    name: "pooled",
    family: "pooled",
    classes: ALL,
    cost: "cheap",
    fit: (series, { horizon, level }) => fitPooled(series, { horizon, level }),
  },
  globalCandidate,
  {
    // statsforecast's SimpleExponentialSmoothingOptimized: a level that follows recent demand.
    name: "ses",
    family: "smoothing",
    classes: ALL,
    cost: "cheap",
    fit(series, { horizon, level }) {
      const p = sesOptimized(series.units);
      return { forecast: flatForecast(series.units, p.level, horizon, level), params: p };
    },
  },
  {
    // statsforecast's WindowAverage over 28 days: the M5 benchmark intermittent demand is judged against.
    name: "moving_average",
    family: "smoothing",
    classes: ALL,
    cost: "cheap",
    fit(series, { horizon, level }) {
      const rate = windowAverage(series.units, MOVING_AVERAGE_DAYS);
      return { forecast: flatForecast(series.units, rate, horizon, level), params: { window: MOVING_AVERAGE_DAYS, rate } };
    },
  },
  {
    // The floor: a model that cannot beat last week's sales is not chosen.
    name: "seasonal_naive",
    family: "naive",
    classes: ALL,
    cost: "cheap",
    fit: (series, { horizon, level }) => ({ forecast: seasonalNaive(Array.from(series.units), horizon, level), params: null }),
  },
]);

/**
 * The candidates to backtest for a class, in registry order (the order breaks
 * ties). `hybrid: false` keeps the Prophet family only, on every class.
 */
export function candidatesFor(demandClass: DemandClass, options: { hybrid: boolean; registry?: readonly Candidate[] }): Candidate[] {
  const registry = options.registry ?? CANDIDATES;
  if (!options.hybrid) return registry.filter((c) => c.family === "prophet");
  return registry.filter((c) => c.classes.includes(demandClass));
}

export function findCandidate(name: string, registry: readonly Candidate[] = CANDIDATES): Candidate | undefined {
  return registry.find((c) => c.name === name);
}
