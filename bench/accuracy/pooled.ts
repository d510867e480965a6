// Forecast accuracy on the store-item-demand data (10 stores × 50 items, daily
// sales 2013–2017): train through 2017-09-30, forecast the 92 days after,
// score by sMAPE (Kaggle's definition) and MASE, and time each model. The
// profiles come from the seasonal_profiles view, as in a training run, and
// the selection's folds get theirs as of each fold's cut-off.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test tsx bench/accuracy/pooled.ts [--prophet-series 60] [--threads 2]
//
// Pooled and seasonal naive run on all 500 series; Prophet and the selection
// (dozens of Prophet fits per series) on an evenly spaced subset, with pooled
// and seasonal naive scored on that subset too, so every row compares alike.
// Without DATABASE_URL it runs on embedded PGlite (slower loading and refresh).
import { createReadStream } from "node:fs";
import os from "node:os";
import { createGunzip } from "node:zlib";
import { Command } from "commander";
import { parse } from "csv-parse";
import { connect, type Sql } from "../../trainer/db/connect.ts";
import { migrate } from "../../trainer/db/migrate.ts";
import { FitPool } from "../../trainer/fit/pool.ts";
import { upsertCatalog } from "../../trainer/ingest/catalog.ts";
import { loadSales, type SalesInput } from "../../trainer/ingest/sales.ts";
import { mase, seasonalNaiveScale, smape } from "../../trainer/models/metrics.ts";
import { fitPooled } from "../../trainer/models/pooled.ts";
import { seasonalNaive } from "../../trainer/models/seasonal-naive.ts";
import type { FitOptions, FitResult, Forecast, SeriesInput } from "../../trainer/models/types.ts";
import { fetchSeries, loadDimensions, type SeriesRecord } from "../../trainer/run/fetch.ts";
import { foldCutoffs, loadProfiles, loadProfilesAsOf } from "../../trainer/run/profiles.ts";
import { refreshFeatures } from "../../trainer/run/refresh.ts";
import { scratchDatabase } from "../../test/support/database.ts";

const opts = new Command("bench-accuracy-pooled")
  .option("--data <file>", "train.csv.gz of the store-item-demand data", "/work/shared/data/store-item-demand/train.csv.gz")
  .option("--cutoff <day>", "last training day", "2017-09-30")
  .option("--horizon <days>", "days forecast and scored", (v) => Number(v), 92)
  .option("--history <days>", "days of each series the models see (the feature view's window)", (v) => Number(v), 730)
  .option("--profile-days <days>", "days the seasonal profiles are computed over", (v) => Number(v), 1095)
  .option("--holdout <days>", "selection: days per backtest fold (the trainer's HOLDOUT_DAYS)", (v) => Number(v), 60)
  .option("--folds <n>", "selection: rolling-origin folds", (v) => Number(v), 3)
  .option("--prophet-series <n>", "series Prophet and the selection are run on (evenly spaced); 0 skips them", (v) => Number(v), 60)
  .option("--threads <n>", "fit threads", (v) => Number(v), os.availableParallelism())
  .parse()
  .opts<{ data: string; cutoff: string; horizon: number; history: number; profileDays: number; holdout: number; folds: number; prophetSeries: number; threads: number }>();

const DAY_MS = 86_400_000;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const cutoff = dayNumber(opts.cutoff);

interface Row { day: string; store: string; product: string; units: number }

async function readSales(file: string): Promise<Row[]> {
  const rows: Row[] = [];
  const parser = createReadStream(file).pipe(createGunzip()).pipe(parse({ columns: true }));
  for await (const r of parser as AsyncIterable<{ date: string; store: string; item: string; sales: string }>) {
    rows.push({ day: r.date, store: `store-${r.store}`, product: `item-${r.item}`, units: Number(r.sales) });
  }
  return rows;
}

async function database(): Promise<{ sql: Sql; label: string; close: () => Promise<void> }> {
  const bench = await scratchDatabase("bench");
  const { sql } = connect(bench.url, { max: 2 });
  return { sql, label: bench.label, close: async () => { await sql.end(); await bench.close(); } };
}

interface Scored { smape: number; mase: number | null }
interface Result { model: string; series: number; smape: number; mase: number; seconds: number; note?: string }

function score(record: SeriesRecord, actual: number[], forecast: Forecast): Scored {
  const point = forecast.point.slice(0, actual.length);
  return { smape: smape(actual, point)!, mase: mase(actual, point, seasonalNaiveScale(record.units)) };
}

function summarise(model: string, scored: Scored[], seconds: number, note?: string): Result {
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    model, series: scored.length, seconds, note,
    smape: mean(scored.map((s) => s.smape)),
    mase: mean(scored.map((s) => s.mase).filter((m): m is number => m !== null)),
  };
}

/**
 * The reference the issue measured (12.18): each series' mean over its last 365
 * days × weekday factor × month factor, both over all series, from whole
 * calendar years, each day taken relative to its year's mean so growth does
 * not tilt the months.
 */
function plainPooledBaseline(rows: Row[], records: SeriesRecord[], horizon: number): Map<SeriesRecord, Forecast> {
  const yearOf = (day: string) => Number(day.slice(0, 4));
  const lastFullYear = new Date(cutoff * DAY_MS).getUTCMonth() === 11 && new Date(cutoff * DAY_MS).getUTCDate() === 31
    ? yearOf(opts.cutoff) : yearOf(opts.cutoff) - 1;
  const years = new Map<number, { units: number; days: number }>();
  const full = rows.filter((r) => yearOf(r.day) <= lastFullYear);
  for (const r of full) {
    const y = years.get(yearOf(r.day)) ?? { units: 0, days: 0 };
    y.units += r.units;
    y.days++;
    years.set(yearOf(r.day), y);
  }
  const weekday = new Array(7).fill(0), weekdayDays = new Array(7).fill(0);
  const month = new Array(12).fill(0), monthDays = new Array(12).fill(0);
  for (const r of full) {
    const y = years.get(yearOf(r.day))!;
    const relative = r.units / (y.units / y.days);
    const d = new Date(`${r.day}T00:00:00Z`);
    weekday[d.getUTCDay()] += relative; weekdayDays[d.getUTCDay()]++;
    month[d.getUTCMonth()] += relative; monthDays[d.getUTCMonth()]++;
  }
  const w = weekday.map((u, i) => u / weekdayDays[i]);
  const m = month.map((u, i) => u / monthDays[i]);
  const out = new Map<SeriesRecord, Forecast>();
  for (const record of records) {
    const level = record.units.slice(-365).reduce((a, b) => a + b, 0) / Math.min(365, record.units.length);
    const point = Array.from({ length: horizon }, (_, h) => {
      const d = new Date((cutoff + 1 + h) * DAY_MS);
      return level * w[d.getUTCDay()] * m[d.getUTCMonth()];
    });
    out.set(record, { point, lower: point, upper: point });
  }
  return out;
}

async function fitInPool(inputs: SeriesInput[], fit: FitOptions, threads: number): Promise<{ results: Map<string, FitResult>; seconds: number }> {
  const started = performance.now();
  const pool = new FitPool({ threads, fit });
  const results = new Map<string, FitResult>();
  try {
    await pool.fitAll(inputs, (r) => void results.set(r.id, r));
  } finally {
    await pool.close();
  }
  return { results, seconds: (performance.now() - started) / 1000 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const all = await readSales(opts.data);
const actuals = new Map<string, number[]>();
for (const r of all) {
  const offset = dayNumber(r.day) - cutoff - 1;
  if (offset < 0 || offset >= opts.horizon) continue;
  const key = `${r.store}/${r.product}`;
  if (!actuals.has(key)) actuals.set(key, new Array(opts.horizon).fill(0));
  actuals.get(key)![offset] = r.units;
}
const training = all.filter((r) => { const d = dayNumber(r.day); return d <= cutoff && d > cutoff - Math.max(opts.history, opts.profileDays); });

const db = await database();
try {
  const { sql } = db;
  await migrate(sql);
  const ids = await upsertCatalog(sql, {
    cities: [{ code: "kaggle", name: "Kaggle" }],
    stores: [...new Set(all.map((r) => r.store))].map((code) => ({ code, name: code, city: "kaggle" })),
    products: [...new Set(all.map((r) => r.product))].map((code) => ({ code, name: code })),
  });
  let t = performance.now();
  await loadSales(sql, ids, training.map((r): SalesInput => ({ ...r, promo: false })));
  const loadSeconds = (performance.now() - t) / 1000;

  // The daily refresh with and without the profiles, alternating, three times each.
  const refresh = { features: [] as number[], profiles: [] as number[] };
  for (let i = 0; i < 3; i++) {
    t = performance.now();
    await refreshFeatures(sql, opts.history);
    refresh.features.push((performance.now() - t) / 1000);
    t = performance.now();
    await refreshFeatures(sql, opts.history, { profileDays: opts.profileDays });
    refresh.profiles.push((performance.now() - t) / 1000);
  }
  t = performance.now();
  const profiles = await loadProfiles(sql);
  const profileSeconds = (performance.now() - t) / 1000;
  const records: SeriesRecord[] = [];
  for await (const record of fetchSeries(sql, await loadDimensions(sql))) records.push(record);
  const actualOf = (r: SeriesRecord) => actuals.get(`${r.store}/${r.product}`)!;
  const step = opts.prophetSeries > 0 ? Math.max(1, Math.floor(records.length / opts.prophetSeries)) : 0;
  const subset = step ? records.filter((_, i) => i % step === 0).slice(0, opts.prophetSeries) : [];
  const inSubset = new Set(subset);

  const results: Result[] = [];
  const rowsFor = (model: string, forecasts: Map<SeriesRecord, Forecast>, seconds: number, note?: string) => {
    results.push(summarise(model, records.filter((r) => forecasts.has(r)).map((r) => score(r, actualOf(r), forecasts.get(r)!)), seconds, note));
    if (subset.length) results.push(summarise(model, subset.map((r) => score(r, actualOf(r), forecasts.get(r)!)), seconds * (subset.length / records.length), "subset"));
  };

  t = performance.now();
  const naive = new Map(records.map((r) => [r, seasonalNaive(r.units, opts.horizon, 0.8)]));
  rowsFor("seasonal naive (weekly)", naive, (performance.now() - t) / 1000);

  t = performance.now();
  rowsFor("plain pooled baseline (issue's reference)", plainPooledBaseline(all, records, opts.horizon), (performance.now() - t) / 1000);

  t = performance.now();
  const pooled = new Map(records.map((r) => [r, fitPooled({ start: r.start, units: Float64Array.from(r.units), context: { profile: profiles.forSeries(r.storeId, r.productId) } }, { horizon: opts.horizon, level: 0.8 }).forecast]));
  rowsFor("pooled", pooled, (performance.now() - t) / 1000, `+ ${profileSeconds.toFixed(2)} s profile read`);

  const coverage = (() => {
    let inside = 0, total = 0;
    for (const [r, f] of pooled) actualOf(r).forEach((y, h) => { total++; if (y >= f.lower[h] && y <= f.upper[h]) inside++; });
    return inside / total;
  })();

  let families = "";
  if (subset.length) {
    // As a training run sees them: each fold's profile as of its cut-off, the forecast's as of the origin.
    const asOf = await loadProfilesAsOf(sql, opts.cutoff, foldCutoffs(opts.cutoff, opts.holdout, opts.folds));
    const input = (r: SeriesRecord): SeriesInput => ({
      id: `${r.storeId}:${r.productId}`, start: r.start, units: r.units, promo: r.promo,
      context: asOf.contextFor(r.storeId, r.productId) ?? undefined,
    });
    const byId = new Map(subset.map((r) => [`${r.storeId}:${r.productId}`, r]));
    const scoreAll = (label: string, run: { results: Map<string, FitResult>; seconds: number }) => {
      const scored = [...run.results].map(([id, result]) => {
        if (!result.ok) throw new Error(`${label}: ${id} failed: ${result.error.code} ${result.error.message}`);
        return score(byId.get(id)!, actualOf(byId.get(id)!), result.forecast);
      });
      results.push(summarise(label, scored, run.seconds, "subset"));
      return run.results;
    };
    const base = { horizon: opts.horizon, level: 0.8 };
    scoreAll("Prophet alone (default options)", await fitInPool(subset.map(input), { ...base, holdoutDays: 0, hybrid: false }, opts.threads));
    const selected = scoreAll(`selection (${opts.folds} × ${opts.holdout}-day folds, every candidate)`,
      await fitInPool(subset.map(input), { ...base, holdoutDays: opts.holdout, folds: opts.folds }, opts.threads));
    const split: Record<string, number> = {};
    for (const r of selected.values()) if (r.ok) split[r.model] = (split[r.model] ?? 0) + 1;
    families = Object.entries(split).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${n}`).join(", ");
  }

  console.log(`\nstore-item-demand: ${records.length} series, ${opts.history} days of history each, trained through ${opts.cutoff}, ${opts.horizon} days scored;`);
  console.log(`${db.label}, ${opts.threads} fit threads on ${os.cpus().length} cores; ${training.length.toLocaleString("en")} sales rows loaded in ${loadSeconds.toFixed(1)} s`);
  console.log(subset.length ? `subset: ${subset.length} series, every ${step}th\n` : "");
  console.log("| model | series | sMAPE | MASE | time |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    console.log(`| ${r.model}${r.note === "subset" ? " (subset)" : ""} | ${r.series} | ${r.smape.toFixed(2)} | ${r.mase.toFixed(3)} | ${r.seconds.toFixed(r.seconds < 1 ? 3 : 1)} s${r.note && r.note !== "subset" ? ` ${r.note}` : ""} |`);
  }
  console.log(`\npooled 80% interval coverage over the ${opts.horizon} days: ${(coverage * 100).toFixed(1)}%`);
  if (families) console.log(`selection picked: ${families}`);
  console.log(`refresh (median of 3): features only ${median(refresh.features).toFixed(2)} s, features + profiles ${median(refresh.profiles).toFixed(2)} s`);
} finally {
  await db.close();
}
