// One global model per cycle: for the origin and for each backtest fold's
// cut-off, one ridge regression per horizon bucket and demand segment, all
// from the per-day sums kept in Postgres (./gram.ts). A fold's model sums
// only the target days up to its cut-off, so it is trained on days up to it
// and no later.
import type { Sql } from "../db/connect.ts";
import { foldCutoffs } from "../run/profiles.ts";
import { FEATURES } from "./features.ts";
import { addDays } from "../days.ts";
import { gramDays, refreshGramDays, type GramDay } from "./gram.ts";
import { ridge } from "./ridge.ts";

export interface GlobalModel {
  horizon: number;
  dense: boolean;
  rows: number;
  /** Intercept first, then FEATURES. */
  coefficients: number[];
  sigma: number;
}

/** What a series needs to forecast with the global model: plain data, cloned with it to the fit threads. */
export interface GlobalModels {
  /** Bucket ends, ascending: a day h ahead uses the first bucket ≥ h. */
  horizons: number[];
  /** Nonzero share of the scale window from which a series counts as dense. */
  denseShare: number;
  /** By cut-off day (the origin's too): the models trained on days up to it. */
  byCutoff: Record<string, GlobalModel[]>;
}

export interface GlobalTraining {
  models: GlobalModels;
  /** Each product's pooled promotion lift by cut-off day: a feature its series forecast with. */
  lifts: Map<number, Record<string, number>>;
  /** Training rows of the origin's models (all buckets and segments). */
  rows: number;
  /** Target days whose sums this run computed; the others were kept from earlier runs. */
  computedDays: number;
  queryMs: number;
  solveMs: number;
}

export interface GlobalTrainingOptions {
  origin: string;
  holdoutDays: number;
  folds: number;
  /** Days of target rows each model trains on, up to its cut-off. */
  trainingDays: number;
  horizons: readonly number[];
  calendar: string;
  denseShare: number;
  lambda: number;
}

export async function trainGlobalModels(sql: Sql, options: GlobalTrainingOptions): Promise<GlobalTraining> {
  const cutoffs = foldCutoffs(options.origin, options.holdoutDays, options.folds);
  const first = addDays(cutoffs.at(-1)!, 1 - options.trainingDays);
  let started = performance.now();
  const refresh = await refreshGramDays(sql, { first, last: options.origin, horizons: options.horizons, calendar: options.calendar, denseShare: options.denseShare });
  const days = await gramDays(sql, first, options.origin);
  const lifts = new Map<number, Record<string, number>>();
  for (const row of await sql<{ cutoff: string; product_id: number; lift: number }[]>`
    select cutoff::text as cutoff, product_id, lift from global_promotion_lifts(${sql.array(cutoffs)}::date[])`) {
    if (!lifts.has(row.product_id)) lifts.set(row.product_id, {});
    lifts.get(row.product_id)![row.cutoff] = row.lift;
  }
  const queryMs = performance.now() - started;
  started = performance.now();
  const byCutoff: Record<string, GlobalModel[]> = {};
  for (const cutoff of cutoffs) {
    const from = addDays(cutoff, 1 - options.trainingDays);
    const models: GlobalModel[] = [];
    for (const horizon of options.horizons) {
      for (const dense of [false, true]) {
        const sum = summed(days.filter((d) => d.horizon === horizon && d.dense === dense && d.day >= from && d.day <= cutoff));
        // Fewer rows than ten per coefficient: too few to trust; that segment's series go without.
        const fit = sum && sum.rows >= 10 * (FEATURES.length + 1) ? ridge(sum.xx, sum.xy, sum.yy, sum.rows, options.lambda) : null;
        if (fit) models.push({ horizon, dense, rows: sum!.rows, ...fit });
      }
    }
    byCutoff[cutoff] = models;
  }
  const rows = byCutoff[options.origin].reduce((s, m) => s + m.rows, 0);
  return { models: { horizons: [...options.horizons], denseShare: options.denseShare, byCutoff }, lifts, rows, computedDays: refresh.computedDays, queryMs, solveMs: performance.now() - started };
}

function summed(days: GramDay[]): Pick<GramDay, "rows" | "xx" | "xy" | "yy"> | null {
  if (days.length === 0) return null;
  const xx = new Array<number>(days[0].xx.length).fill(0);
  const xy = new Array<number>(days[0].xy.length).fill(0);
  let rows = 0;
  let yy = 0;
  for (const d of days) {
    rows += d.rows;
    yy += d.yy;
    for (let i = 0; i < xx.length; i++) xx[i] += d.xx[i];
    for (let i = 0; i < xy.length; i++) xy[i] += d.xy[i];
  }
  return { rows, xx, xy, yy };
}

/** The run's models, for `trainer status`. */
export async function recordGlobalModels(sql: Sql, runId: number, models: GlobalModels): Promise<void> {
  const rows = Object.entries(models.byCutoff).flatMap(([cutoff, list]) => list.map((m) => ({
    run_id: runId, cutoff, horizon: m.horizon, dense: m.dense, rows: m.rows, features: ["intercept", ...FEATURES], coefficients: m.coefficients, sigma: m.sigma,
  })));
  if (rows.length) await sql`insert into global_model_fit ${sql(rows)}`;
}
