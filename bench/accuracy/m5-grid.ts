// Intermittent demand, M5-like: the generated grid of bench/accuracy/m5-like.ts
// (1,500 store × item series by default, most of them intermittent), two
// years of history, the last 28 days held out. Scores the published forecasts
// by mean RMSSE (M5's point measure) against a 28-day moving average of the
// same history (M5's benchmark) and against the generating mean (the best any
// forecast can do on average), with the published accuracy against realised.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test tsx bench/accuracy/m5-grid.ts [--stores 10 --items 150] [--threads 2]
import os from "node:os";
import { Command } from "commander";
import { windowAverage } from "../../trainer/models/smoothing.ts";
import { mean, modelSplit, publishedTable, runSelection, score } from "./harness.ts";
import { historyRows, m5LikeGrid } from "./m5-like.ts";

const opts = new Command("bench-accuracy-m5-grid")
  .option("--stores <n>", "stores", (v) => Number(v), 10)
  .option("--items <n>", "items per store", (v) => Number(v), 150)
  .option("--days <n>", "days of history", (v) => Number(v), 730)
  .option("--horizon <n>", "days held out", (v) => Number(v), 28)
  .option("--seed <n>", "generator seed", (v) => Number(v), 5)
  .option("--threads <n>", "fit threads", (v) => Number(v), os.availableParallelism())
  .option("--env <NAME=value...>", "trainer settings to override", [])
  .parse()
  .opts<{ stores: number; items: number; days: number; horizon: number; seed: number; threads: number; env: string[] }>();

const grid = { stores: opts.stores, items: opts.items, days: opts.days, horizon: opts.horizon, last: Date.UTC(2024, 11, 31), seed: opts.seed };
const { catalog, series } = m5LikeGrid(grid);
const key = (s: { store: string; product: string }) => `${s.store}/${s.product}`;
const byKey = new Map(series.map((s) => [key(s), s]));
const zeroShare = mean(series.map((s) => s.units.slice(0, opts.days).filter((u) => u === 0).length / opts.days));
const env = Object.fromEntries(opts.env.map((e) => e.split("=", 2) as [string, string]));
const { runs, fit, seconds, label } = await runSelection({
  catalog,
  sales: historyRows(series, grid),
  actuals: new Map(series.map((s) => [key(s), s.units.slice(opts.days)])),
  planned: new Map(series.map((s) => [key(s), s.promo.slice(opts.days)])),
  horizon: opts.horizon, historyDays: opts.days, profileDays: opts.days, threads: opts.threads, env,
});

const flat = (v: number) => ({ point: new Array(opts.horizon).fill(v), lower: new Array(opts.horizon).fill(v), upper: new Array(opts.horizon).fill(v) });
const scored = {
  published: runs.map((r) => r.scored),
  movingAverage: runs.map((r) => score(r.record, r.actual, flat(windowAverage(r.record.units, 28)), r.scored.published, r.scored.inSample)),
  truth: runs.map((r) => {
    const m = byKey.get(key(r.record))!.mean.slice(opts.days);
    return score(r.record, r.actual, { point: m, lower: m, upper: m }, r.scored.published, r.scored.inSample);
  }),
};
const classes: Record<string, number> = {};
for (const r of runs) classes[r.result?.demandClass ?? "failed"] = (classes[r.result?.demandClass ?? "failed"] ?? 0) + 1;
const rmsseOf = (list: typeof scored.published) => mean(list.map((s) => s.realised.rmsse));
const [pub, ma, truth] = [rmsseOf(scored.published), rmsseOf(scored.movingAverage), rmsseOf(scored.truth)];

console.log(`\nM5-like grid: ${runs.length} series (${opts.stores} stores × ${opts.items} items, seed ${opts.seed}), ${opts.days} days of history, ${(zeroShare * 100).toFixed(0)}% zero days,`);
console.log(`classes ${Object.entries(classes).map(([c, n]) => `${c} ${n}`).join(", ")}; last ${opts.horizon} days held out (their promotions planned, so known);`);
console.log(`${label}; selection by ${fit.selectBy}, ${fit.folds} folds of ${fit.holdoutDays} days${opts.env.length ? `, ${opts.env.join(" ")}` : ""}; fit ${seconds.toFixed(0)} s\n`);
console.log("| forecast | mean RMSSE | against the moving average | against the generating mean | 80% coverage |");
console.log("| --- | ---: | ---: | ---: | ---: |");
console.log(`| published selection | ${pub.toFixed(4)} | ${((pub / ma - 1) * 100).toFixed(1)}% | ${((pub / truth - 1) * 100).toFixed(1)}% | ${(mean(scored.published.map((s) => s.realised.coverage)) * 100).toFixed(1)}% |`);
console.log(`| 28-day moving average | ${ma.toFixed(4)} | – | ${((ma / truth - 1) * 100).toFixed(1)}% | – |`);
console.log(`| generating mean | ${truth.toFixed(4)} | ${((truth / ma - 1) * 100).toFixed(1)}% | – | – |`);
console.log(`\nchosen: ${modelSplit(runs)}\n`);
console.log(publishedTable(runs));
