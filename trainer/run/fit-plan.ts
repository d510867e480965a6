// What a run does with one series, from what the fetch provides (its data
// hash and the last published result): skip it (unchanged data and
// settings, young model: republish), refit the last winner alone (within
// RESELECT_DAYS of the last full selection and off its day slot), or run the full selection. A
// refit reuses the last Prophet rollback shifted to today when only new
// days came and the plan is the one it was made with: that rollback is the
// one Prophet fit a refit of another model would otherwise pay for.
import { createHash } from "node:crypto";
import { daysBetween } from "../days.ts";
import type { Forecast, Metrics, RefitPlan } from "../models/types.ts";
import { selectedOn } from "../select/fit-series.ts";
import type { PreviousResult, SeriesRecord } from "./fetch.ts";

export type FitPlan =
  | { kind: "skip"; previous: PreviousResult }
  | { kind: "refit"; plan: RefitPlan }
  | { kind: "select" };

export interface PlanRules {
  /** settingsHash of this run's fit options: another hash means another model setup, so select. */
  settings: string;
  /** MODEL_MAX_AGE_HOURS: older results are refitted even when nothing changed (0: always). */
  maxAgeHours: number;
  /** RESELECT_DAYS: a full selection once the last is this many days old; 1: every run selects. */
  reselectDays: number;
  /** The run's last day (YYYY-MM-DD). */
  origin: string;
  /** RESELECT_SPREAD: a series also reselects on its own day slot, once it is at least a day old. */
  spread: boolean;
  /** Forecast days a run publishes. */
  horizon: number;
  /** Days the rollback forecasts past the horizon (FitOptions.rollbackDays); 0: refit it every run. */
  rollbackDays: number;
}

const EMPTY: Metrics = { mase: null, rmsse: null, smape: null, wape: null, coverage: null, holdoutDays: 0 };

export function planFit(
  record: Pick<SeriesRecord, "dataHash" | "previous" | "change" | "planned" | "city" | "store" | "product">,
  rules: PlanRules,
  now = Date.now(),
): FitPlan {
  const previous = record.previous;
  if (!previous || previous.errorCode !== null || previous.forecast === null || previous.settingsHash !== rules.settings) return { kind: "select" };
  if (reusable(previous, record.dataHash, rules.maxAgeHours, now)) return { kind: "skip", previous };
  const on = selectedOn(previous.params);
  if (!on || previous.model === "zero") return { kind: "select" };
  const age = daysBetween(on, rules.origin);
  if (rules.reselectDays <= 1 || !(age >= 0 && age < rules.reselectDays)) return { kind: "select" };
  if (rules.spread && age >= 1 && onSlot(record, rules)) return { kind: "select" };
  return {
    kind: "refit",
    plan: {
      model: previous.model,
      demandClass: previous.demandClass ?? "smooth",
      metrics: { ...EMPTY, ...previous.metrics } as Metrics,
      scores: Array.isArray(previous.scores) ? previous.scores : [],
      ...shiftedRollback(record, rules),
    },
  };
}

/** The last rollback as seen from today: its first `appendedDays` are past. Nothing when it cannot stand in for a fit. */
function shiftedRollback(record: Pick<SeriesRecord, "previous" | "change" | "planned">, rules: PlanRules): { rollback?: Forecast } {
  const last = record.previous?.prophetForecast;
  const change = record.change;
  if (rules.rollbackDays <= 0 || !last || !Array.isArray(last.planned) || !change?.historyUnchanged) return {};
  const shift = change.appendedDays;
  if (!(shift >= 0) || last.point.length < shift + rules.horizon || last.lower.length !== last.point.length || last.upper.length !== last.point.length) return {};
  // A day planned (or unplanned) since would be forecast without knowing it.
  const planned = last.planned.filter((d) => d >= shift).map((d) => d - shift);
  if (planned.length !== record.planned.length || planned.some((d, i) => d !== record.planned[i])) return {};
  return { rollback: { point: last.point.slice(shift), lower: last.lower.slice(shift), upper: last.upper.slice(shift) } };
}

/**
 * Whether today is the series' reselection slot: a day index modulo
 * RESELECT_DAYS fixed by the series' key. After a cold start every series has
 * been selected on one day; from the next day on each reselects on its slot,
 * so the selections' cost is spread evenly over the days of the cadence.
 */
export function onSlot(record: Pick<SeriesRecord, "city" | "store" | "product">, rules: Pick<PlanRules, "origin" | "reselectDays">): boolean {
  const slot = createHash("sha256").update(`${record.city}/${record.store}/${record.product}`).digest().readUInt32LE(0) % rules.reselectDays;
  return daysBetween("1970-01-01", rules.origin) % rules.reselectDays === slot;
}

/** Same data as the stored fit and a model younger than MODEL_MAX_AGE_HOURS (0: never reused). */
function reusable(previous: PreviousResult, dataHash: string, maxAgeHours: number, now: number): boolean {
  if (maxAgeHours <= 0 || previous.fittedAt === null || previous.dataHash !== dataHash) return false;
  return now - previous.fittedAt.getTime() < maxAgeHours * 3_600_000;
}
