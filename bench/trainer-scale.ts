// Fitting throughput at scale: 2,000 series (1 city × 40 stores × 50 products,
// daily, HISTORY_DAYS of history), one training cycle on this host's cores,
// reported as series per second per core, and projected to the hosts needed
// to refit one million series within a refresh window.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npm run bench:trainer-scale
//   npm run bench:trainer-scale -- --stores 10 --products 20    (a smaller grid)
import { randomBytes } from "node:crypto";
import os from "node:os";
import { Command } from "commander";
import { loadConfig } from "../trainer/config.ts";
import { connect } from "../trainer/db/connect.ts";
import { scratchDatabase } from "../test/support/database.ts";
import { migrate } from "../trainer/db/migrate.ts";
import { createLogger } from "../trainer/log.ts";
import { connectStore } from "../trainer/publish/store.ts";
import { runCycle } from "../trainer/run/cycle.ts";
import { startUpstashLocal } from "../upstash-local/server.ts";

const opts = new Command("bench-trainer-scale")
  .option("--stores <n>", "stores (one city)", (v) => Number(v), 40)
  .option("--products <n>", "products per store", (v) => Number(v), 50)
  .option("--cores <n>", "cores per host for the projection", (v) => Number(v), 16)
  .parse()
  .opts<{ stores: number; products: number; cores: number }>();

const database = await scratchDatabase("bench");
const url = database.url;
const token = randomBytes(8).toString("hex");
const store = await startUpstashLocal({ token, redisUrl: process.env.REDIS_URL });
const prefix = `bench${randomBytes(3).toString("hex")}`;
const config = loadConfig({ ...process.env, DATABASE_URL: url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token, KEY_PREFIX: prefix }, { needsStore: true });
const { sql, db } = connect(url, { max: config.DB_POOL_SIZE });
const redis = connectStore({ url: store.url, token });

try {
  await migrate(sql);
  const days = config.HISTORY_DAYS + 28;
  const seedStart = performance.now();
  // Weekly shape, a level per series, and noise from a fixed seed: the same rows every run.
  await sql.begin(async (tx) => {
    await tx`insert into city (code, name) values ('scale', 'Scale')`;
    await tx`insert into store (code, name, city_id) select 's' || g, 'Store ' || g, (select id from city) from generate_series(1, ${opts.stores}) g`;
    await tx`insert into product (code, name) select 'p' || g, 'Product ' || g from generate_series(1, ${opts.products}) g`;
    await tx`select setseed(0.42)`;
    await tx`
      insert into sales (city_id, store_id, product_id, day, units, promo)
      select s.city_id, s.id, p.id, d::date,
             greatest(0, round((5 + (s.id * 7 + p.id * 13) % 40) * (1 + 0.3 * sin(2 * pi() * extract(isodow from d) / 7)) * (0.8 + 0.4 * random())))::numeric,
             random() < 0.05
      from store s cross join product p
      cross join generate_series(date '2025-12-31' - ${days - 1}::int, date '2025-12-31', interval '1 day') d`;
  });
  const seedMs = performance.now() - seedStart;
  const series = opts.stores * opts.products;
  const summary = await runCycle(config, { sql, db, redis, log: createLogger("warn") });
  const fitSeconds = summary.stageMs.fit / 1000;
  const perCore = summary.series / fitSeconds / config.FIT_THREADS;
  const cores = Math.min(config.FIT_THREADS, os.availableParallelism());
  console.log(`\n${series.toLocaleString("en")} series × ${config.HISTORY_DAYS} days in the view (seeded in ${(seedMs / 1000).toFixed(1)} s), holdout ${config.HOLDOUT_DAYS} days,`);
  console.log(`${database.label}, store ${store.backend}, ${config.FIT_THREADS} fit threads on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"})\n`);
  console.log("| stage | seconds |");
  console.log("|---|---:|");
  for (const [stage, ms] of Object.entries(summary.stageMs)) console.log(`| ${stage} | ${(ms / 1000).toFixed(1)} |`);
  console.log(`\nfit: ${(summary.series / fitSeconds).toFixed(1)} series/s on ${cores} cores = ${perCore.toFixed(2)} series/s/core (whole cycle: ${(summary.series / (summary.stageMs.total / 1000)).toFixed(1)} series/s)`);
  console.log(`\nHosts of ${opts.cores} cores to refit 1,000,000 series, from ${perCore.toFixed(2)} series/s/core:\n`);
  console.log("| refresh window | hosts |");
  console.log("|---|---:|");
  for (const hours of [1, 4, 8, 24]) {
    console.log(`| ${hours} h | ${Math.ceil(1_000_000 / (perCore * opts.cores * hours * 3600))} |`);
  }
} finally {
  await sql.end();
  await store.close();
  await database.close();
}
