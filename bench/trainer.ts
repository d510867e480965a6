// Training-cycle benchmark: the demo grid (125 series, 730 days of history)
// against the Postgres at DATABASE_URL and the Upstash-compatible endpoint
// over REDIS_URL (each falls back to the embedded engine when unset).
// Prints per-stage times for a few cycles as a markdown table.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npm run bench:trainer
import { randomBytes } from "node:crypto";
import os from "node:os";
import postgres from "postgres";
import { Command } from "commander";
import { loadConfig } from "../trainer/config.ts";
import { connect } from "../trainer/db/connect.ts";
import { startEmbeddedPostgres } from "../trainer/db/embedded.ts";
import { migrate } from "../trainer/db/migrate.ts";
import { createLogger } from "../trainer/log.ts";
import { connectStore } from "../trainer/publish/store.ts";
import { runCycle, type CycleSummary } from "../trainer/run/cycle.ts";
import { DEMO_GRID, seedDemo, yesterday } from "../trainer/seed/load.ts";
import { startUpstashLocal } from "../upstash-local/server.ts";

const opts = new Command("bench-trainer")
  .option("--cycles <n>", "training cycles to time", (v) => Number(v), 2)
  .option("--days <n>", "days of generated history", (v) => Number(v), DEMO_GRID.days)
  .parse()
  .opts<{ cycles: number; days: number }>();

const schema = `bench_${randomBytes(4).toString("hex")}`;
let url = process.env.DATABASE_URL;
let admin: postgres.Sql | undefined;
let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
if (url) {
  admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create schema ${schema}`);
  const u = new URL(url);
  u.searchParams.set("search_path", schema);
  url = u.toString();
} else {
  embedded = await startEmbeddedPostgres();
  url = embedded.url;
}
const token = randomBytes(8).toString("hex");
const store = await startUpstashLocal({ token, redisUrl: process.env.REDIS_URL });
const prefix = `bench${randomBytes(3).toString("hex")}`;
const config = loadConfig({ ...process.env, DATABASE_URL: url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token, KEY_PREFIX: prefix }, { needsStore: true });
const { sql, db } = connect(url, { max: config.DB_POOL_SIZE });
const redis = connectStore({ url: store.url, token });

try {
  await migrate(sql);
  const seedStart = performance.now();
  const seeded = await seedDemo(sql, { ...DEMO_GRID, days: opts.days, end: yesterday() });
  const seedMs = performance.now() - seedStart;
  const runs: CycleSummary[] = [];
  for (let i = 0; i < opts.cycles; i++) {
    runs.push(await runCycle(config, { sql, db, redis, log: createLogger("warn") }));
  }
  const stages = ["refresh", "fetch", "fit", "record", "publish", "total"];
  console.log(`\nTraining cycle, ${seeded.series} series × ${opts.days} days (${seeded.rows.toLocaleString("en")} sales rows, seeded in ${(seedMs / 1000).toFixed(1)} s),`);
  console.log(`${process.env.DATABASE_URL ? "Postgres at DATABASE_URL" : "embedded PGlite"}, store ${store.backend}, ${config.FIT_THREADS} fit threads on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), history ${config.HISTORY_DAYS} days, holdout ${config.HOLDOUT_DAYS} days\n`);
  console.log(`| cycle | ${stages.join(" | ")} | series/s |`);
  console.log(`|---|${stages.map(() => "---:").join("|")}|---:|`);
  runs.forEach((r, i) => {
    const cells = stages.map((s) => `${((r.stageMs[s] ?? 0) / 1000).toFixed(2)} s`);
    console.log(`| ${i + 1} | ${cells.join(" | ")} | ${(r.series / (r.stageMs.total / 1000)).toFixed(1)} |`);
  });
} finally {
  const leftovers = await redis.keys(`${prefix}:*`);
  if (leftovers.length) await redis.del(...leftovers);
  await sql.end();
  await store.close();
  if (admin) {
    await admin.unsafe(`drop schema ${schema} cascade`);
    await admin.end();
  }
  await embedded?.close();
}
