// Forecast accuracy of the trainer's model selection, and a check of the
// Prophet port against Prophet's own published reference.
//
//   tsx bench/accuracy/selection.ts [--series 500] [--threads 2] [--history 730] [--multiplicative]
//
// 1. store-item-demand (10 stores × 50 items, daily sales 2013–2017, read from
//    $STORE_ITEM_DEMAND or /work/shared/data/store-item-demand/train.csv.gz):
//    train through 2017-09-30 on the last --history days, forecast the 92 days
//    after, score by sMAPE (Kaggle's definition) and MASE, for the selection
//    (rolling-origin folds as long as the horizon, as the trainer runs it),
//    Prophet alone (ENABLE_HYBRID_FORECASTING=false) and seasonal naive.
//    The pooled candidate needs the seasonal_profiles view; bench/accuracy/pooled.ts
//    scores it against Postgres. This one needs no database.
// 2. Prophet's reference (data.csv of Prophet's examples, in $PROPHET_EXAMPLES or
//    /work/shared/data/prophet-examples): hold out the last 30 rows, fit with
//    absmax scaling, forecast 30 days after the training end (calendar days, as
//    Prophet's make_future_dataframe does), RMSE against the held-out rows in
//    order. Prophet's own test expects 10.64.
import { createReadStream, existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { Prophet } from "@bsull/augurs/prophet";
import { optimizer } from "@bsull/augurs-prophet-wasmstan";
import { Command } from "commander";
import { parse } from "csv-parse";
import { FitPool } from "../../trainer/fit/pool.ts";
import { mase, seasonalNaiveScale, smape } from "../../trainer/models/metrics.ts";
import { loadProphet } from "../../trainer/models/prophet.ts";
import { seasonalNaive } from "../../trainer/models/seasonal-naive.ts";
import type { FitOptions, FitResult, Forecast, SeriesInput } from "../../trainer/models/types.ts";

const opts = new Command("bench-accuracy-selection")
  .option("--data <file>", "train.csv.gz of store-item-demand", process.env.STORE_ITEM_DEMAND ?? "/work/shared/data/store-item-demand/train.csv.gz")
  .option("--examples <dir>", "Prophet's example data", process.env.PROPHET_EXAMPLES ?? "/work/shared/data/prophet-examples")
  .option("--cutoff <day>", "last training day", "2017-09-30")
  .option("--horizon <days>", "days forecast and scored", (v) => Number(v), 92)
  .option("--history <days>", "days of each series the models see (the trainer's FIT_HISTORY_DAYS)", (v) => Number(v), 730)
  .option("--folds <n>", "rolling-origin folds, each --horizon days", (v) => Number(v), 3)
  .option("--series <n>", "series scored (evenly spaced of the 500)", (v) => Number(v), 500)
  .option("--threads <n>", "fit threads", (v) => Number(v), os.availableParallelism())
  .option("--multiplicative", "also try multiplicative Prophet, as the accurate variant does (PROPHET_MULTIPLICATIVE=always)")
  .parse()
  .opts<{ data: string; examples: string; cutoff: string; horizon: number; history: number; folds: number; series: number; threads: number; multiplicative?: boolean }>();

const DAY_MS = 86_400_000;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const dateOf = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

await prophetReference();
await storeItemDemand();

async function prophetReference(): Promise<void> {
  const csv = join(opts.examples, "data.csv");
  if (!existsSync(csv)) {
    console.log(`Prophet reference: ${csv} not found; set PROPHET_EXAMPLES to the folder holding Prophet's example data.csv`);
    return;
  }
  await loadProphet();
  const rows = readFileSync(csv, "utf8").trim().split("\n").slice(1).map((line) => line.split(","));
  const train = rows.slice(0, -30);
  const test = rows.slice(-30).map(([, y]) => Number(y));
  const seconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;
  const rmseFor = (scaling: "absMax" | "minMax") => {
    const prophet = new Prophet({ optimizer, scaling });
    try {
      prophet.fit({ ds: train.map(([ds]) => seconds(ds)), y: train.map(([, y]) => Number(y)) });
      const last = dayNumber(train[train.length - 1][0]);
      const future = Array.from({ length: 30 }, (_, i) => seconds(dateOf(last + 1 + i)));
      const yhat = prophet.predict({ ds: future }).yhat.point;
      return Math.sqrt(mean(yhat.map((p, i) => (p - test[i]) ** 2)));
    } finally {
      prophet.free();
    }
  };
  const absmax = rmseFor("absMax");
  const within = Math.abs(absmax / 10.64 - 1);
  console.log("\nProphet reference (Prophet's data.csv, last 30 rows held out, default seasonalities)\n");
  console.log("| scaling | RMSE | Prophet's reference | within 10% |");
  console.log("|---|---:|---:|---|");
  console.log(`| absmax | ${absmax.toFixed(2)} | 10.64 | ${within <= 0.1 ? "yes" : "NO"} (${(within * 100).toFixed(1)}% off) |`);
  console.log(`| minmax | ${rmseFor("minMax").toFixed(2)} | — | — |`);
}

async function storeItemDemand(): Promise<void> {
  if (!existsSync(opts.data)) {
    console.log(`\nstore-item-demand: ${opts.data} not found; set STORE_ITEM_DEMAND to its train.csv.gz (Kaggle's "Store Item Demand Forecasting Challenge")`);
    return;
  }
  const cutoff = dayNumber(opts.cutoff);
  const first = cutoff - opts.history + 1;
  const series = new Map<string, { units: number[]; actual: number[] }>();
  const parser = createReadStream(opts.data).pipe(createGunzip()).pipe(parse({ columns: true }));
  for await (const r of parser as AsyncIterable<{ date: string; store: string; item: string; sales: string }>) {
    const day = dayNumber(r.date);
    if (day < first || day > cutoff + opts.horizon) continue;
    const id = `store-${r.store}/item-${r.item}`;
    let s = series.get(id);
    if (!s) series.set(id, (s = { units: new Array(opts.history).fill(0), actual: new Array(opts.horizon).fill(0) }));
    if (day <= cutoff) s.units[day - first] = Number(r.sales);
    else s.actual[day - cutoff - 1] = Number(r.sales);
  }
  const all = [...series.keys()].sort();
  const step = Math.max(1, Math.floor(all.length / opts.series));
  const ids = all.filter((_, i) => i % step === 0).slice(0, opts.series);
  const inputs: SeriesInput[] = ids.map((id) => ({ id, start: dateOf(first), units: series.get(id)!.units, promo: new Array(opts.history).fill(0) }));

  const base: FitOptions = {
    horizon: opts.horizon, level: 0.8, holdoutDays: opts.horizon, folds: opts.folds, uncertaintySamples: 1000, hybrid: true,
    exclude: opts.multiplicative ? [] : ["prophet_multiplicative"],
  };
  const rows: { name: string; smape: number; mase: number; seconds: number; models: Record<string, number> }[] = [];
  const scoreAll = (name: string, forecasts: Map<string, Forecast>, seconds: number, models: Record<string, number>) => {
    const scored = ids.map((id) => {
      const { units, actual } = series.get(id)!;
      const point = forecasts.get(id)!.point;
      return { smape: smape(actual, point)!, mase: mase(actual, point, seasonalNaiveScale(units)) };
    });
    rows.push({ name, seconds, models, smape: mean(scored.map((s) => s.smape)), mase: mean(scored.map((s) => s.mase).filter((m): m is number => m !== null)) });
  };
  const viaPool = async (name: string, fit: FitOptions) => {
    const started = performance.now();
    const forecasts = new Map<string, Forecast>();
    const models: Record<string, number> = {};
    const pool = new FitPool({ threads: opts.threads, fit });
    try {
      await pool.fitAll(inputs, (r: FitResult) => {
        const model = r.ok ? r.model : `failed:${r.error.code}`;
        models[model] = (models[model] ?? 0) + 1;
        forecasts.set(r.id, r.ok ? r.forecast : seasonalNaive(series.get(r.id)!.units, opts.horizon, 0.8));
      });
    } finally {
      await pool.close();
    }
    scoreAll(name, forecasts, (performance.now() - started) / 1000, models);
  };

  let started = performance.now();
  scoreAll("seasonal naive (weekly)", new Map(ids.map((id) => [id, seasonalNaive(series.get(id)!.units, opts.horizon, 0.8)])), (performance.now() - started) / 1000, { seasonal_naive: ids.length });
  await viaPool("Prophet alone (ENABLE_HYBRID_FORECASTING=false)", { ...base, hybrid: false });
  await viaPool(`selection${opts.multiplicative ? ", with multiplicative Prophet" : ""}`, base);

  console.log(`\nstore-item-demand: ${ids.length} series, trained on ${dateOf(first)}…${opts.cutoff} (${opts.history} days), ${opts.horizon} days scored; ` +
    `${opts.folds} rolling folds of ${opts.horizon} days; ${opts.threads} fit threads on ${os.cpus().length} cores\n`);
  console.log("| model | sMAPE (Kaggle) | MASE | wall time | chosen |");
  console.log("|---|---:|---:|---:|---|");
  for (const r of rows) {
    const chosen = Object.entries(r.models).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${n}`).join(", ");
    console.log(`| ${r.name} | ${r.smape.toFixed(2)} | ${r.mase.toFixed(3)} | ${r.seconds.toFixed(1)} s | ${chosen} |`);
  }
}
