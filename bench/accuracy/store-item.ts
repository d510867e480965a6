// The published forecasts on Kaggle's store-item demand data (10 stores × 50
// items, daily 2013–2017), as a training run would publish them: trained
// through 2017-09-30 with the trainer's defaults (selection by RMSSE on 3
// folds of 60 days, pooled profiles as of each fold's cut-off, conformal
// intervals), scored on the 92 days after, which nothing saw. Reports the
// selection's sMAPE and MASE, published accuracy against realised per demand
// class, and the 80% interval's coverage, beside seasonal naive.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test tsx bench/accuracy/store-item.ts [--threads 2] [--series 500]
//   … -- --env SELECTION_METRIC=mase --env INTERVAL_METHOD=model     (the rollbacks)
import { createReadStream } from "node:fs";
import os from "node:os";
import { createGunzip } from "node:zlib";
import { Command } from "commander";
import { parse } from "csv-parse";
import type { SalesInput } from "../../trainer/ingest/sales.ts";
import { seasonalNaive } from "../../trainer/models/seasonal-naive.ts";
import { mean, modelSplit, publishedTable, runSelection, score } from "./harness.ts";

const opts = new Command("bench-accuracy-store-item")
  .option("--data <file>", "train.csv.gz of the store-item-demand data", process.env.STORE_ITEM_DEMAND ?? "/work/shared/data/store-item-demand/train.csv.gz")
  .option("--cutoff <day>", "last training day", "2017-09-30")
  .option("--horizon <days>", "days forecast and scored", (v) => Number(v), 92)
  .option("--history <days>", "days of each series the models see", (v) => Number(v), 730)
  .option("--profile-days <days>", "days the seasonal profiles are computed over", (v) => Number(v), 1095)
  .option("--series <n>", "series (evenly spaced over the 500)", (v) => Number(v), 500)
  .option("--threads <n>", "fit threads", (v) => Number(v), os.availableParallelism())
  .option("--env <NAME=value...>", "trainer settings to override", [])
  .parse()
  .opts<{ data: string; cutoff: string; horizon: number; history: number; profileDays: number; series: number; threads: number; env: string[] }>();

const DAY_MS = 86_400_000;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const cutoff = dayNumber(opts.cutoff);
const firstDay = cutoff - Math.max(opts.history, opts.profileDays) + 1;

const all: (SalesInput & { n: number })[] = [];
const parser = createReadStream(opts.data).pipe(createGunzip()).pipe(parse({ columns: true }));
for await (const r of parser as AsyncIterable<{ date: string; store: string; item: string; sales: string }>) {
  all.push({ day: r.date, store: `store-${r.store}`, product: `item-${r.item}`, units: Number(r.sales), promo: false, n: dayNumber(r.date) });
}
const keys = [...new Set(all.map((r) => `${r.store}/${r.product}`))].sort();
const step = Math.max(1, Math.floor(keys.length / opts.series));
const chosen = new Set(keys.filter((_, i) => i % step === 0).slice(0, opts.series));
const actuals = new Map<string, number[]>();
for (const r of all) {
  const offset = r.n - cutoff - 1;
  const key = `${r.store}/${r.product}`;
  if (offset < 0 || offset >= opts.horizon || !chosen.has(key)) continue;
  if (!actuals.has(key)) actuals.set(key, new Array(opts.horizon).fill(0));
  actuals.get(key)![offset] = r.units;
}
const env = Object.fromEntries(opts.env.map((e) => e.split("=", 2) as [string, string]));
const { runs, fit, seconds, label } = await runSelection({
  catalog: {
    cities: [{ code: "kaggle", name: "Kaggle" }],
    stores: [...new Set(all.map((r) => r.store))].map((code) => ({ code, name: code, city: "kaggle" })),
    products: [...new Set(all.map((r) => r.product))].map((code) => ({ code, name: code })),
  },
  // Every series feeds the profiles; only the chosen ones are scored.
  sales: all.filter((r) => r.n <= cutoff && r.n >= firstDay).map(({ n: _, ...r }) => r),
  actuals, horizon: opts.horizon, historyDays: opts.history, profileDays: opts.profileDays, threads: opts.threads, env,
});

const naive = runs.map((r) => score(r.record, r.actual, seasonalNaive(r.record.units, opts.horizon, fit.level), r.scored.published, r.scored.inSample));
console.log(`\nstore-item-demand: ${runs.length} series, ${opts.history} days of history each, trained through ${opts.cutoff}, ${opts.horizon} days scored;`);
console.log(`${label}; selection by ${fit.selectBy}, ${fit.folds} folds of ${fit.holdoutDays} days, intervals ${fit.intervals}${opts.env.length ? `, ${opts.env.join(" ")}` : ""}\n`);
console.log("| forecast | sMAPE | MASE | RMSSE | 80% coverage | fit time |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
const row = (name: string, scored: typeof naive, time: string) =>
  console.log(`| ${name} | ${mean(scored.map((s) => s.realised.smape)).toFixed(2)} | ${mean(scored.map((s) => s.realised.mase)).toFixed(3)} | ${mean(scored.map((s) => s.realised.rmsse)).toFixed(3)} | ${(mean(scored.map((s) => s.realised.coverage)) * 100).toFixed(1)}% | ${time} |`);
row("seasonal naive (weekly)", naive, "–");
row("published selection", runs.map((r) => r.scored), `${seconds.toFixed(0)} s`);
console.log(`\nchosen: ${modelSplit(runs)}\n`);
console.log(publishedTable(runs));
