// What the global model adds to a cycle at retail scale: the training query
// and solves (once per run) and the per-series forecasts (once per fold and
// once for the published forecast), on the M5-like grid of
// bench/accuracy/m5-like.ts with the trainer's defaults (HISTORY_DAYS 1095,
// 3 folds of 60 days, 730 training days), cold and then the next day with
// the sums of the days before kept (trainer/global/gram.ts). Compare with docs/scale.md's
// 2,000-series cycle (725 s cold, 460 s daily on this machine).
//
//   DATABASE_URL=… npx tsx bench/global-scale.ts [--stores 10 --items 200]
import os from "node:os";
import { Command } from "commander";
import { loadConfig } from "../trainer/config.ts";
import { addDays } from "../trainer/days.ts";
import { connect } from "../trainer/db/connect.ts";
import { migrate } from "../trainer/db/migrate.ts";
import { forecastGlobal } from "../trainer/global/candidate.ts";
import { trainForRun } from "../trainer/global/run.ts";
import { upsertCatalog } from "../trainer/ingest/catalog.ts";
import { loadSales } from "../trainer/ingest/sales.ts";
import { validateSeries } from "../trainer/models/series.ts";
import { fetchSeries, loadDimensions } from "../trainer/run/fetch.ts";
import { fitOptionsFor, lastDays } from "../trainer/run/fit-settings.ts";
import { foldCutoffs, loadProfilesAsOf } from "../trainer/run/profiles.ts";
import { refreshFeatures } from "../trainer/run/refresh.ts";
import { foldSeries, holdoutFolds } from "../trainer/models/backtest.ts";
import { scratchDatabase } from "../test/support/database.ts";
import { historyRows, m5LikeGrid } from "./accuracy/m5-like.ts";

const opts = new Command("bench-global-scale")
  .option("--stores <n>", "stores", (v) => Number(v), 10)
  .option("--items <n>", "items per store", (v) => Number(v), 200)
  .option("--days <n>", "days of history", (v) => Number(v), 1095)
  .option("--keep", "leave the scratch schema behind (to look at the plans)")
  .parse()
  .opts<{ stores: number; items: number; days: number; keep?: boolean }>();

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
const scratch = await scratchDatabase("bench_global");
const { sql } = connect(scratch.url, { max: 2 });
try {
  await migrate(sql);
  const grid = { stores: opts.stores, items: opts.items, days: opts.days, horizon: 0, last: Date.UTC(2024, 11, 31), seed: 5 };
  const { catalog, series } = m5LikeGrid(grid);
  let t = performance.now();
  const ids = await upsertCatalog(sql, catalog);
  const rows = historyRows(series, grid);
  await loadSales(sql, ids, rows);
  console.log(`${series.length} series, ${rows.length} sales rows loaded in ${seconds(t)} s; ${scratch.label}, load ${os.loadavg()[0].toFixed(1)}`);
  t = performance.now();
  const refreshed = await refreshFeatures(sql, opts.days, { profileDays: opts.days });
  console.log(`feature and profile refresh ${seconds(t)} s`);
  const config = loadConfig({ DATABASE_URL: scratch.url, HISTORY_DAYS: String(opts.days) });
  const fit = fitOptionsFor(config, []);
  const origin = refreshed.origin!;
  t = performance.now();
  const profiles = await loadProfilesAsOf(sql, origin, foldCutoffs(origin, config.HOLDOUT_DAYS, config.BACKTEST_FOLDS));
  console.log(`profiles as of the origin and each cut-off ${seconds(t)} s (the pooled candidate's; the global model reads them)`);
  t = performance.now();
  const global = await trainForRun(sql, config, origin, fit, "none");
  const trainMs = performance.now() - t;
  console.log(`global training ${(trainMs / 1000).toFixed(1)} s (${global.computedDays} target days computed): query ${(global.queryMs / 1000).toFixed(1)} s, solves ${global.solveMs.toFixed(0)} ms, ${global.rows} training rows at the origin, load ${os.loadavg()[0].toFixed(1)}`);

  // Per series, as the selection calls it: every fold and the published forecast.
  let predictMs = 0;
  let forecasts = 0;
  let failed = 0;
  for await (const r of fetchSeries(sql, await loadDimensions(sql))) {
    const input = lastDays({ id: "s", start: r.start, units: r.units, promo: r.promo }, config.FIT_HISTORY_DAYS);
    const context = { ...profiles.contextFor(r.storeId, r.productId), global: global.models, globalLift: global.lifts.get(r.productId) ?? {} };
    const whole = validateSeries({ ...input, context }, fit.horizon);
    const started = performance.now();
    for (const fold of holdoutFolds(whole.units.length, fit.holdoutDays, fit.folds)) {
      try { forecastGlobal(foldSeries(whole, fold), fold.testDays, fit.level, []); forecasts++; } catch { failed++; }
    }
    try { forecastGlobal(whole, fit.horizon, fit.level, []); forecasts++; } catch { failed++; }
    predictMs += performance.now() - started;
  }
  console.log(`forecasts: ${forecasts} in ${(predictMs / 1000).toFixed(2)} s on one thread (${(predictMs / series.length).toFixed(2)} ms a series; ${failed} without a model)`);
  const threads = os.availableParallelism();
  console.log(`added to a cold cycle: ${((trainMs + predictMs / threads) / 1000).toFixed(1)} s wall (training, then the forecasts spread over ${threads} fit threads)`);

  // The next day, as a daily cycle sees it: one more day of sales for every series, then the same training.
  const next = addDays(origin, 1);
  await sql`insert into sales (city_id, store_id, product_id, day, units, promo)
            select city_id, store_id, product_id, ${next}::date, units, promo from sales where day = ${origin}::date`;
  t = performance.now();
  await refreshFeatures(sql, opts.days);
  console.log(`daily: feature refresh ${seconds(t)} s`);
  t = performance.now();
  const daily = await trainForRun(sql, config, next, fit, "none");
  const dailyMs = performance.now() - t;
  console.log(`daily: global training ${(dailyMs / 1000).toFixed(1)} s (${daily.computedDays} target day computed, the others kept), load ${os.loadavg()[0].toFixed(1)}`);
  console.log(`added to a daily cycle: ${((dailyMs + predictMs / threads) / 1000).toFixed(1)} s wall (every series forecast again)`);
} finally {
  await sql.end();
  if (opts.keep) {
    console.log(`kept: ${scratch.label}`);
    await scratch.release();
  } else await scratch.close();
}
