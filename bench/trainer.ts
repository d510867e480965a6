// Training-cycle benchmark: the demo grid (125 series, 730 days of history),
// or a generated grid of --series, against the Postgres at DATABASE_URL and
// the Upstash-compatible endpoint over REDIS_URL (each falls back to the
// embedded engine when unset). Runs a cold cycle, an unchanged one (every fit
// skipped), a warm refit (MODEL_MAX_AGE_HOURS=0) and a cold refit
// (WARM_START=false as well), each refit a full selection (RESELECT_DAYS=1), and prints per-stage times and the process's
// peak RSS (fit threads included) as a markdown table.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npm run bench:trainer
//   … npm run bench:trainer -- --series 2000 --cycles 2     (memory at scale)
import { randomBytes } from "node:crypto";
import os from "node:os";
import { Command } from "commander";
import { loadConfig } from "../trainer/config.ts";
import { connect } from "../trainer/db/connect.ts";
import { scratchDatabase } from "../test/support/database.ts";
import { migrate } from "../trainer/db/migrate.ts";
import { createLogger } from "../trainer/log.ts";
import { connectStore } from "../trainer/publish/store.ts";
import { runCycle, type CycleSummary } from "../trainer/run/cycle.ts";
import { DEMO_GRID, seedDemo, yesterday } from "../trainer/seed/load.ts";
import { seedGrid } from "./trainer-grid.ts";
import { startUpstashLocal } from "../upstash-local/server.ts";

const opts = new Command("bench-trainer")
  .option("--days <n>", "days of generated history", (v) => Number(v), DEMO_GRID.days)
  .option("--series <n>", "series: 125 is the demo grid, any other number a generated grid", (v) => Number(v), 125)
  .option("--cycles <n>", "run the first n of: cold, unchanged, warm refit, cold refit", (v) => Number(v), 4)
  .parse()
  .opts<{ days: number; series: number; cycles: number }>();

const database = await scratchDatabase("bench");
const url = database.url;
const token = randomBytes(8).toString("hex");
const store = await startUpstashLocal({ token, redisUrl: process.env.REDIS_URL });
const prefix = `bench${randomBytes(3).toString("hex")}`;
const benchEnv = { ...process.env, DATABASE_URL: url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token, KEY_PREFIX: prefix };
const config = loadConfig(benchEnv, { needsStore: true });
const { sql, db } = connect(url, { max: config.DB_POOL_SIZE });
const redis = connectStore({ url: store.url, token });

try {
  await migrate(sql);
  const seedStart = performance.now();
  const seeded = opts.series === DEMO_GRID.cities * DEMO_GRID.stores * DEMO_GRID.products
    ? await seedDemo(sql, { ...DEMO_GRID, days: opts.days, end: yesterday() })
    : await seedGrid(sql, { series: opts.series, days: opts.days, end: yesterday() });
  const seedMs = performance.now() - seedStart;
  // The seeding runs in this process too: its share of the peak, before any cycle.
  const seededRssMb = process.resourceUsage().maxRSS / 1024;
  const cycles: [string, Record<string, string>][] = [
    ["cold (first run)", {}],
    ["unchanged (fits skipped)", {}],
    ["warm refit", { MODEL_MAX_AGE_HOURS: "0", RESELECT_DAYS: "1" }],
    ["cold refit", { MODEL_MAX_AGE_HOURS: "0", RESELECT_DAYS: "1", WARM_START: "false" }],
  ];
  const runs: { label: string; summary: CycleSummary; peakRssMb: number }[] = [];
  for (const [label, extra] of cycles.slice(0, opts.cycles)) {
    const summary = await runCycle(loadConfig({ ...benchEnv, ...extra }, { needsStore: true }), { sql, db, redis, log: createLogger("warn") });
    runs.push({ label, summary, peakRssMb: process.resourceUsage().maxRSS / 1024 });
  }
  const stages = ["refresh", "fetch", "fit", "record", "publish", "total"];
  console.log(`\nTraining cycle, ${seeded.series} series × ${opts.days} days (${seeded.rows.toLocaleString("en")} sales rows, seeded in ${(seedMs / 1000).toFixed(1)} s, peak RSS by then ${seededRssMb.toFixed(0)} MB),`);
  console.log(`${database.label}, store ${store.backend}, ${config.FIT_THREADS} fit threads on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), history ${config.HISTORY_DAYS} days (fast fits ${config.FIT_HISTORY_DAYS}), ${config.BACKTEST_FOLDS} folds of ${config.HOLDOUT_DAYS} days\n`);
  console.log(`| cycle | ${stages.join(" | ")} | refitted | peak RSS |`);
  console.log(`|---|${stages.map(() => "---:").join("|")}|---:|---:|`);
  for (const { label, summary, peakRssMb } of runs) {
    const cells = stages.map((s) => (summary.stageMs[s] === undefined ? "–" : `${(summary.stageMs[s] / 1000).toFixed(2)} s`));
    console.log(`| ${label} | ${cells.join(" | ")} | ${summary.accuracy?.fitted ?? "?"} | ${peakRssMb.toFixed(0)} MB |`);
  }
} finally {
  const leftovers = await redis.keys(`${prefix}:*`);
  if (leftovers.length) await redis.del(...leftovers);
  await sql.end();
  await store.close();
  await database.close();
}
