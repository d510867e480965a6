// What the accuracy benchmarks share: load sales that end at a cut-off into a
// scratch database, refresh the features and profiles as a cycle does, fit
// every series through the trainer's own FitPool with the trainer's default
// fit options (profiles as of the origin and every fold's cut-off), then
// score what would be published against the held-out days nothing saw.
import os from "node:os";
import { loadConfig } from "../../trainer/config.ts";
import { connect } from "../../trainer/db/connect.ts";
import { migrate } from "../../trainer/db/migrate.ts";
import { FitPool } from "../../trainer/fit/pool.ts";
import { upsertCatalog, type CatalogInput } from "../../trainer/ingest/catalog.ts";
import { loadSales, type SalesInput } from "../../trainer/ingest/sales.ts";
import { coverage, mase, rmsse, rmsseScale, seasonalNaiveScale, smape } from "../../trainer/models/metrics.ts";
import { seasonalNaive } from "../../trainer/models/seasonal-naive.ts";
import type { FitOptions, FitOutcome, Forecast, Metrics, SeriesInput } from "../../trainer/models/types.ts";
import { fetchSeries, loadDimensions, type SeriesRecord } from "../../trainer/run/fetch.ts";
import { fitOptionsFor } from "../../trainer/run/fit-settings.ts";
import { attachGlobal, trainForRun } from "../../trainer/global/run.ts";
import { attachProfiles, foldCutoffs, loadProfilesAsOf } from "../../trainer/run/profiles.ts";
import { refreshFeatures } from "../../trainer/run/refresh.ts";
import { scratchDatabase } from "../../test/support/database.ts";

export interface Scored {
  /** Held-out days, scored on the forecast that would have been published. */
  realised: Omit<Metrics, "holdoutDays">;
  /** What the payload would have claimed (days the selection did not use). */
  published: Metrics;
  /** The winner's mean over the folds that chose it: what was published before. */
  inSample: { mase: number | null; rmsse: number | null };
}

export interface SeriesRun {
  record: SeriesRecord;
  actual: number[];
  result: FitOutcome | null;
  forecast: Forecast;
  scored: Scored;
}

export interface RunOptions {
  catalog: CatalogInput;
  /** Sales up to and including `cutoff` only. */
  sales: SalesInput[];
  /** Held-out actuals per "store/product", `horizon` days after the cut-off. */
  actuals: Map<string, number[]>;
  /** Promotions planned for the held-out days per "store/product" (0|1 a day); none when absent. */
  planned?: Map<string, number[]>;
  horizon: number;
  historyDays: number;
  profileDays: number;
  threads: number;
  /** Overrides of the trainer's configuration (e.g. HOLDOUT_DAYS, SELECTION_METRIC). */
  env?: Record<string, string>;
}

export function score(record: SeriesRecord, actual: number[], forecast: Forecast, published: Metrics, inSample: Scored["inSample"]): Scored {
  const point = forecast.point.slice(0, actual.length);
  return {
    realised: {
      mase: mase(actual, point, seasonalNaiveScale(record.units)),
      rmsse: rmsse(actual, point, rmsseScale(record.units)),
      smape: smape(actual, point),
      wape: null,
      coverage: coverage(actual, forecast.lower.slice(0, actual.length), forecast.upper.slice(0, actual.length)),
    },
    published,
    inSample,
  };
}

export async function runSelection(options: RunOptions): Promise<{ runs: SeriesRun[]; fit: FitOptions; seconds: number; label: string }> {
  const bench = await scratchDatabase("bench");
  const { sql } = connect(bench.url, { max: 2 });
  try {
    const stage = (name: string, since: number) => console.error(`  ${name}: ${((performance.now() - since) / 1000).toFixed(1)} s`);
    let t = performance.now();
    await migrate(sql);
    const ids = await upsertCatalog(sql, options.catalog);
    await loadSales(sql, ids, options.sales);
    stage(`load ${options.sales.length} rows`, t);
    t = performance.now();
    const refreshed = await refreshFeatures(sql, options.historyDays, { profileDays: options.profileDays });
    stage("refresh", t);
    t = performance.now();
    const config = loadConfig({ DATABASE_URL: bench.url, HISTORY_DAYS: String(options.historyDays), FIT_HISTORY_DAYS: String(options.historyDays), ...options.env });
    const fit: FitOptions = { ...fitOptionsFor(config, []), horizon: options.horizon };
    const origin = refreshed.origin!;
    const profiles = await loadProfilesAsOf(sql, origin, foldCutoffs(origin, config.HOLDOUT_DAYS, config.BACKTEST_FOLDS));
    stage("profiles as of the origin and each fold's cut-off", t);
    t = performance.now();
    // The fits here get no holidays (fitOptionsFor(config, [])), so neither does the global model's training.
    const global = config.GLOBAL_MODEL ? await trainForRun(sql, config, origin, fit, "none") : null;
    if (global) stage(`global model, ${global.rows} training rows`, t);
    const records = new Map<string, SeriesRecord>();
    for await (const record of fetchSeries(sql, await loadDimensions(sql))) {
      // Every series feeds the profiles; only those with held-out days are fitted.
      if (options.actuals.has(`${record.store}/${record.product}`)) records.set(`${record.storeId}:${record.productId}`, record);
    }
    const inputs = async function* (): AsyncGenerator<SeriesInput> {
      for (const [id, r] of records) yield { id, start: r.start, units: r.units, promo: r.promo, futurePromo: options.planned?.get(`${r.store}/${r.product}`) };
    };
    const started = performance.now();
    const results = new Map<string, FitOutcome | null>();
    const pool = new FitPool({ threads: options.threads, fit });
    try {
      await pool.fitAll(attachGlobal(attachProfiles(inputs(), profiles, (id) => records.get(id)), global, (id) => records.get(id)), async (r) => void results.set(r.id, r.ok ? r : null));
    } finally {
      await pool.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const runs: SeriesRun[] = [];
    for (const [id, record] of records) {
      const actual = options.actuals.get(`${record.store}/${record.product}`);
      if (!actual) continue;
      const result = results.get(id) ?? null;
      const forecast = result?.forecast ?? seasonalNaive(record.units, options.horizon, fit.level);
      const none: Metrics = { mase: null, rmsse: null, smape: null, wape: null, coverage: null, holdoutDays: 0 };
      runs.push({
        record, actual, result, forecast,
        scored: score(record, actual, forecast, result?.metrics ?? none, { mase: result?.scores[0]?.mase ?? null, rmsse: result?.scores[0]?.rmsse ?? null }),
      });
    }
    return { runs, fit, seconds, label: `${bench.label}, ${options.threads} fit threads on ${os.cpus().length} cores` };
  } finally {
    await sql.end();
    await bench.close();
  }
}

export const mean = (values: (number | null)[]) => {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : Number.NaN;
};

/** Published against realised, per demand class and overall, as a markdown table. */
export function publishedTable(runs: SeriesRun[]): string {
  const classes = [...new Set(runs.map((r) => r.result?.demandClass ?? "failed"))].sort();
  const lines = [
    "| demand class | series | published MASE | realised MASE | ratio | published RMSSE | realised RMSSE | ratio | published coverage | realised coverage | in-sample MASE (as published before) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const c of [...classes, "all"]) {
    const rows = runs.filter((r) => c === "all" || (r.result?.demandClass ?? "failed") === c);
    const pm = mean(rows.map((r) => r.scored.published.mase));
    const rm = mean(rows.map((r) => r.scored.realised.mase));
    const pr = mean(rows.map((r) => r.scored.published.rmsse));
    const rr = mean(rows.map((r) => r.scored.realised.rmsse));
    const pc = mean(rows.map((r) => r.scored.published.coverage));
    const rc = mean(rows.map((r) => r.scored.realised.coverage));
    lines.push(`| ${c} | ${rows.length} | ${pm.toFixed(3)} | ${rm.toFixed(3)} | ${(pm / rm).toFixed(3)} | ${pr.toFixed(3)} | ${rr.toFixed(3)} | ${(pr / rr).toFixed(3)} | ${(pc * 100).toFixed(1)}% | ${(rc * 100).toFixed(1)}% | ${mean(rows.map((r) => r.scored.inSample.mase)).toFixed(3)} |`);
  }
  return lines.join("\n");
}

export function modelSplit(runs: SeriesRun[]): string {
  const split: Record<string, number> = {};
  for (const r of runs) split[r.result?.model ?? "failed"] = (split[r.result?.model ?? "failed"] ?? 0) + 1;
  return Object.entries(split).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${n}`).join(", ");
}
