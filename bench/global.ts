// What the global model buys, on days nothing in its making saw: the same
// selection run twice per data set, GLOBAL_MODEL=off and on, in one process.
//
//   demo        the demo grid (5 × 5 × 5, two years, promotions), the last 60 days held out, their promotions planned
//   store-item  Kaggle's store-item demand, trained through 2017-09-30, 92 days scored (data in $STORE_ITEM_DEMAND)
//   m5          the M5-like intermittent grid of bench/accuracy/m5-like.ts, 28 days held out; also against the
//               best of Croston, SBA and TSB per series (chosen on the held-out days: a bound no selection can beat by luck)
//
//   DATABASE_URL=… npx tsx bench/global.ts [--sets demo,store-item,m5] [--m5-stores 10 --m5-items 50] [--store-item-series 100]
import { createReadStream } from "node:fs";
import os from "node:os";
import { createGunzip } from "node:zlib";
import { Command } from "commander";
import { parse } from "csv-parse";
import type { SalesInput } from "../trainer/ingest/sales.ts";
import { croston, crostonRate, flatForecast, sbaRate, tsb, tsbRate } from "../trainer/models/intermittent.ts";
import { rmsse, rmsseScale } from "../trainer/models/metrics.ts";
import { generateSales, seedCatalog } from "../trainer/seed/generate.ts";
import { DEMO_GRID } from "../trainer/seed/load.ts";
import { mean, modelSplit, runSelection, type RunOptions, type SeriesRun } from "./accuracy/harness.ts";
import { historyRows, m5LikeGrid } from "./accuracy/m5-like.ts";

const opts = new Command("bench-global")
  .option("--sets <list>", "data sets, comma-separated", "demo,store-item,m5")
  .option("--demo-end <day>", "last day of the generated demo history", "2026-06-30")
  .option("--store-item-data <file>", "train.csv.gz", process.env.STORE_ITEM_DEMAND ?? "/work/shared/data/store-item-demand/train.csv.gz")
  .option("--store-item-series <n>", "store-item series (evenly spaced over the 500)", (v) => Number(v), 100)
  .option("--m5-stores <n>", "M5-like grid stores", (v) => Number(v), 10)
  .option("--m5-items <n>", "M5-like grid items per store", (v) => Number(v), 50)
  .option("--threads <n>", "fit threads", (v) => Number(v), os.availableParallelism())
  .option("--env <NAME=value...>", "trainer settings for both runs", [])
  .parse()
  .opts<{ env: string[]; sets: string; demoEnd: string; storeItemData: string; storeItemSeries: number; m5Stores: number; m5Items: number; threads: number }>();

const DAY_MS = 86_400_000;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const key = (s: { store: string; product: string }) => `${s.store}/${s.product}`;
// One optimizer seed and no interval draws: GLOBAL_MODEL is the only difference between the two runs.
const SAME = { UNCERTAINTY_SAMPLES: "0", ...Object.fromEntries(opts.env.map((e) => e.split("=", 2) as [string, string])) };

async function compare(name: string, options: Omit<RunOptions, "env" | "threads">, extra?: (runs: SeriesRun[]) => string[]) {
  const off = await runSelection({ ...options, threads: opts.threads, env: { ...SAME, GLOBAL_MODEL: "off" } });
  const on = await runSelection({ ...options, threads: opts.threads, env: { ...SAME, GLOBAL_MODEL: "on" } });
  const smape = (r: typeof on) => mean(r.runs.map((s) => s.scored.realised.smape));
  const rm = (r: typeof on) => mean(r.runs.map((s) => s.scored.realised.rmsse));
  const pct = (a: number, b: number) => `${((a / b - 1) * 100).toFixed(1)}%`;
  console.log(`\n${name}: ${on.runs.length} series, ${on.fit.folds} folds of ${on.fit.holdoutDays} days; ${on.label}; load ${os.loadavg()[0].toFixed(1)}`);
  console.log("| selection | sMAPE | mean RMSSE | fit time |\n| --- | ---: | ---: | ---: |");
  console.log(`| GLOBAL_MODEL=off | ${smape(off).toFixed(2)} | ${rm(off).toFixed(4)} | ${off.seconds.toFixed(0)} s |`);
  console.log(`| GLOBAL_MODEL=on | ${smape(on).toFixed(2)} (${pct(smape(on), smape(off))}) | ${rm(on).toFixed(4)} (${pct(rm(on), rm(off))}) | ${on.seconds.toFixed(0)} s |`);
  console.log(`chosen with global: ${modelSplit(on.runs)}`);
  // Per demand class (as the run with global classified it): where it helps and where it does not.
  const classOf = (r: SeriesRun) => r.result?.demandClass ?? "failed";
  for (const c of [...new Set(on.runs.map(classOf))].sort()) {
    const pick = (r: typeof on) => r.runs.filter((s, i) => classOf(on.runs[i]) === c);
    const [a, b] = [pick(off), pick(on)];
    const m = (rs: SeriesRun[], f: (s: SeriesRun) => number | null) => mean(rs.map(f));
    console.log(`  ${c} (${b.length}): sMAPE ${m(a, (s) => s.scored.realised.smape).toFixed(2)} → ${m(b, (s) => s.scored.realised.smape).toFixed(2)}, RMSSE ${m(a, (s) => s.scored.realised.rmsse).toFixed(3)} → ${m(b, (s) => s.scored.realised.rmsse).toFixed(3)}; global chosen ${b.filter((s) => s.result?.model === "global").length}`);
  }
  for (const line of extra?.(on.runs) ?? []) console.log(line);
}

const sets = new Set(opts.sets.split(","));

if (sets.has("demo")) {
  const holdout = 60;
  const grid = { ...DEMO_GRID, end: opts.demoEnd };
  const origin = dayNumber(opts.demoEnd) - holdout;
  const catalog = seedCatalog(grid);
  const actuals = new Map<string, number[]>();
  const planned = new Map<string, number[]>();
  for (const s of catalog.stores) for (const p of catalog.products) {
    actuals.set(key({ store: s.code, product: p.code }), new Array(holdout).fill(0));
    planned.set(key({ store: s.code, product: p.code }), new Array(holdout).fill(0));
  }
  const sales: SalesInput[] = [];
  for (const r of generateSales(grid)) {
    const d = dayNumber(r.day) - origin - 1;
    if (d < 0) sales.push(r);
    else {
      actuals.get(key(r))![d] = r.units;
      if (r.promo) planned.get(key(r))![d] = 1;
    }
  }
  await compare("demo grid, last 60 days held out", { catalog, sales, actuals, planned, horizon: holdout, historyDays: DEMO_GRID.days - holdout, profileDays: DEMO_GRID.days - holdout });
}

if (sets.has("store-item")) {
  const horizon = 92;
  const cutoff = dayNumber("2017-09-30");
  const all: (SalesInput & { n: number })[] = [];
  const parser = createReadStream(opts.storeItemData).pipe(createGunzip()).pipe(parse({ columns: true }));
  for await (const r of parser as AsyncIterable<{ date: string; store: string; item: string; sales: string }>) {
    all.push({ day: r.date, store: `store-${r.store}`, product: `item-${r.item}`, units: Number(r.sales), promo: false, n: dayNumber(r.date) });
  }
  const keys = [...new Set(all.map(key))].sort();
  const step = Math.max(1, Math.floor(keys.length / opts.storeItemSeries));
  const chosen = new Set(keys.filter((_, i) => i % step === 0).slice(0, opts.storeItemSeries));
  const actuals = new Map<string, number[]>();
  for (const r of all) {
    const offset = r.n - cutoff - 1;
    if (offset < 0 || offset >= horizon || !chosen.has(key(r))) continue;
    if (!actuals.has(key(r))) actuals.set(key(r), new Array(horizon).fill(0));
    actuals.get(key(r))![offset] = r.units;
  }
  await compare("store-item demand, cut 2017-09-30, 92 days", {
    catalog: {
      cities: [{ code: "kaggle", name: "Kaggle" }],
      stores: [...new Set(all.map((r) => r.store))].map((code) => ({ code, name: code, city: "kaggle" })),
      products: [...new Set(all.map((r) => r.product))].map((code) => ({ code, name: code })),
    },
    sales: all.filter((r) => r.n <= cutoff && r.n > cutoff - 1095).map(({ n: _, ...r }) => r),
    actuals, horizon, historyDays: 730, profileDays: 1095,
  });
}

if (sets.has("m5")) {
  const grid = { stores: opts.m5Stores, items: opts.m5Items, days: 730, horizon: 28, last: Date.UTC(2024, 11, 31), seed: 5 };
  const { catalog, series } = m5LikeGrid(grid);
  await compare(`M5-like grid, ${opts.m5Stores} stores × ${opts.m5Items} items, 28 days held out`, {
    catalog, sales: historyRows(series, grid),
    actuals: new Map(series.map((s) => [key(s), s.units.slice(grid.days)])),
    planned: new Map(series.map((s) => [key(s), s.promo.slice(grid.days)])),
    horizon: grid.horizon, historyDays: grid.days, profileDays: grid.days,
  }, (runs) => {
    // Per series, the best of Croston, SBA and TSB on the held-out days.
    const best = runs.map((r) => {
      const u = r.record.units;
      const c = croston(u, 0.1);
      const t = tsb(u, 0.1, 0.1);
      const rates = [c && crostonRate(c), c && sbaRate(c), t && tsbRate(t)].filter((x): x is number => x !== null);
      const scores = rates.map((rate) => rmsse(r.actual, flatForecast(u, rate, grid.horizon, 0.8).point, rmsseScale(u)));
      const known = scores.filter((s): s is number => s !== null);
      return known.length ? Math.min(...known) : null;
    });
    const selected = mean(runs.map((r, i) => (best[i] === null ? null : r.scored.realised.rmsse)));
    const bound = mean(best);
    // The mean each day was drawn from: what no forecast beats on average.
    const byKey = new Map(series.map((s) => [key(s), s]));
    const truth = mean(runs.map((r) => rmsse(r.actual, byKey.get(key(r.record))!.mean.slice(grid.days), rmsseScale(r.record.units))));
    return [
      `against the best of Croston/SBA/TSB per series (${best.filter((b) => b !== null).length} series): ${selected.toFixed(4)} vs ${bound.toFixed(4)} (${((selected / bound - 1) * 100).toFixed(1)}%)`,
      `the generating mean: ${truth.toFixed(4)} (${((truth / bound - 1) * 100).toFixed(1)}% against that best)`,
    ];
  });
}
