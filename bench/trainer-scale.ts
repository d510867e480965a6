// The trainer at retail scale: an M5-shaped grid (--series store × item
// series, three years, mostly intermittent; see seedRetail) on the Postgres at
// DATABASE_URL. Times a cold cycle and the daily cycle after one new day is
// imported, stage by stage; the feature refresh after one new day against a
// full recompute of the same window (and, with --baseline, against the
// materialized view it replaced); the trainer's peak RSS and the database's
// size; and projects the hosts one million series need.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npm run bench:trainer-scale
//   … npm run bench:trainer-scale -- --series 30000 --data-only     (refresh, fetch and import only: no fits)
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import os from "node:os";
import { Command } from "commander";
import { loadConfig } from "../trainer/config.ts";
import { connect, type Sql } from "../trainer/db/connect.ts";
import { migrate } from "../trainer/db/migrate.ts";
import type { CatalogIds } from "../trainer/ingest/catalog.ts";
import { loadSales } from "../trainer/ingest/sales.ts";
import { createLogger } from "../trainer/log.ts";
import { connectStore } from "../trainer/publish/store.ts";
import { runCycle, type CycleSummary } from "../trainer/run/cycle.ts";
import { fetchSeries, loadDimensions } from "../trainer/run/fetch.ts";
import { refreshFeatures } from "../trainer/run/refresh.ts";
import { scratchDatabase } from "../test/support/database.ts";
import { startUpstashLocal } from "../upstash-local/server.ts";
import { retailDays, seedRetail } from "./trainer-grid.ts";

const opts = new Command("bench-trainer-scale")
  .option("--series <n>", "store × item series", (v) => Number(v), 2000)
  .option("--stores <n>", "stores (M5 has 10)", (v) => Number(v), 10)
  .option("--cores <n>", "cores per host for the projection", (v) => Number(v), 16)
  .option("--data-only", "refresh, fetch and import only: no fits, no publish")
  .option("--baseline", "also time the materialized view series_features was before sql/008")
  .option("--keep", "keep the scratch schema (to inspect it, or to run again with --schema)")
  .option("--schema <name>", "reuse a schema an earlier run seeded with the same --series and --stores (seeding 30k series takes a while)")
  .parse()
  .opts<{ series: number; stores: number; cores: number; dataOnly?: boolean; baseline?: boolean; keep?: boolean; schema?: string }>();

const DAY_MS = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  return [await work(), performance.now() - started];
};

const database = opts.schema ? existingSchema(opts.schema) : await scratchDatabase("scale");
const token = randomBytes(8).toString("hex");
const store = await startUpstashLocal({ token, redisUrl: process.env.REDIS_URL });
const config = loadConfig({
  ...process.env, DATABASE_URL: database.url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token,
  KEY_PREFIX: `scale${randomBytes(3).toString("hex")}`,
}, { needsStore: true });
const { sql, db } = connect(database.url, { max: config.DB_POOL_SIZE });
const redis = connectStore({ url: store.url, token });
const log = createLogger((process.env.LOG_LEVEL as "warn" | undefined) ?? "warn");
const report: string[] = [];
const say = (line = "") => {
  report.push(line);
  console.log(line);
};

try {
  await migrate(sql);
  // The last seeded day leaves room for two imported days up to yesterday.
  const days = config.HISTORY_DAYS + 28;
  const [seeded, seedMs] = opts.schema
    ? await timed(async () => {
      const [row] = await sql<{ rows: number; end: string }[]>`select count(*)::int as rows, max(day)::text as end from sales`;
      const stores = Math.min(opts.stores, opts.series);
      return { series: opts.series, rows: row.rows, stores, items: Math.ceil(opts.series / stores), end: row.end };
    })
    : await timed(() => seedRetail(sql, { series: opts.series, stores: opts.stores, days, end: isoDay(Date.now() - 3 * DAY_MS) }));
  const end = seeded.end;
  const zeroShare = 1 - seeded.rows / (seeded.series * days);
  say(`${seeded.series.toLocaleString("en")} series (${seeded.stores} stores × ${seeded.items} items), ${days} days to ${end}: ${seeded.rows.toLocaleString("en")} sales rows, ${(100 * zeroShare).toFixed(0)}% of series-days without a sale (${opts.schema ? `reused from ${opts.schema}` : `seeded in ${seconds(seedMs)} s`})`);
  say(`${database.label}; ${config.FIT_THREADS} fit threads on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}); load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  say();

  if (opts.baseline) {
    const [, viewMs] = await timed(() => materializedViewBefore(sql, config.HISTORY_DAYS));
    say(`materialized view as before sql/008, built and refreshed CONCURRENTLY over the same sales: ${seconds(viewMs)} s`);
  }

  // Cold: the first cycle on this data.
  const cold = await cycleOrDataPath("cold");
  const dims = await loadDimensions(sql);
  const ids: CatalogIds = {
    city: new Map(dims.cities.map((c) => [c.code, c.id])),
    store: new Map(dims.stores.map((s) => [s.code, { id: s.id, cityId: s.cityId }])),
    product: new Map(dims.products.map((p) => [p.code, p.id])),
  };
  const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000)).toLocaleString("en");

  // One new day through the importer, then the feature refresh alone.
  const day1 = isoDay(Date.parse(`${end}T00:00:00Z`) + DAY_MS);
  const rows1 = await retailDays(sql, { series: opts.series, stores: opts.stores, from: day1, to: day1 });
  const [, import1Ms] = await timed(() => loadSales(sql, ids, rows1));
  const [refresh1, refresh1Ms] = await timed(() => refreshFeatures(sql, config.HISTORY_DAYS));
  say(`import of one new day: ${rows1.length.toLocaleString("en")} rows in ${seconds(import1Ms)} s (${rate(rows1.length, import1Ms)} rows/s)`);
  say(`feature refresh after it: ${seconds(refresh1Ms)} s, ${refresh1.features.mode}, ${refresh1.features.rows.toLocaleString("en")} series-days written, watermark ${refresh1.origin}`);
  // Data only: the cold refresh was that full recompute (of a window one day earlier); else it is timed here.
  const fullMs = opts.dataOnly ? cold.stageMs.features : (await timed(() => refreshFeatures(sql, config.HISTORY_DAYS, { full: true })))[1];
  say(`the same window recomputed in full: ${seconds(fullMs)} s (incremental is ${(fullMs / refresh1Ms).toFixed(0)}× faster)`);

  // What the fetch tells the fit about each series after one new day.
  let unchanged = 0;
  let appendedOne = 0;
  let fetched = 0;
  const [, fetchMs] = await timed(async () => {
    for await (const record of fetchSeries(sql, await loadDimensions(sql), { previous: true })) {
      fetched++;
      if (record.change?.historyUnchanged) unchanged++;
      if (record.change?.appendedDays === 1) appendedOne++;
    }
  });
  say(`fetch of every series with its last result: ${seconds(fetchMs)} s (${rate(fetched, fetchMs)} series/s); history unchanged for ${unchanged.toLocaleString("en")} of ${fetched.toLocaleString("en")}, one appended day for ${appendedOne.toLocaleString("en")}`);

  // Daily: a second new day, imported, then the whole cycle as the cron runs it.
  const day2 = isoDay(Date.parse(`${day1}T00:00:00Z`) + DAY_MS);
  const rows2 = await retailDays(sql, { series: opts.series, stores: opts.stores, from: day2, to: day2 });
  const [, import2Ms] = await timed(() => loadSales(sql, ids, rows2));
  say(`import of the next day: ${rows2.length.toLocaleString("en")} rows in ${seconds(import2Ms)} s`);
  const daily = await cycleOrDataPath("daily");
  say();

  const stages = [...new Set([...Object.keys(cold.stageMs), ...Object.keys(daily.stageMs)])];
  say("| stage | cold (s) | daily after one new day (s) |");
  say("|---|---:|---:|");
  for (const stage of stages) say(`| ${stage} | ${seconds(cold.stageMs[stage] ?? 0)} | ${seconds(daily.stageMs[stage] ?? 0)} |`);
  say();
  say(`peak RSS of this process (trainer, fit threads, the local store endpoint): ${cold.rssMb} MB after the cold cycle, ${daily.rssMb} MB after the daily one`);
  const sizes = await sql<{ name: string; mb: number }[]>`
    select coalesce(p.relname, c.relname) as name, round(sum(pg_total_relation_size(c.oid)) / 1048576.0)::int as mb
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace and n.nspname = current_schema()
    left join pg_inherits i on i.inhrelid = c.oid
    left join pg_class p on p.oid = i.inhparent
    where c.relkind in ('r', 'm')
    group by 1 order by 2 desc`;
  say(`Postgres: ${sizes.reduce((a, s) => a + s.mb, 0).toLocaleString("en")} MB in all; ${sizes.slice(0, 4).map((s) => `${s.name} ${s.mb.toLocaleString("en")} MB`).join(", ")}`);

  if (!opts.dataOnly) {
    const perCpu = (c: typeof cold) => (c.series / ((c.cpuMs ?? 1) / 1000)).toFixed(2);
    say(`trainer CPU (this process, every thread; Postgres not included): ${seconds(cold.cpuMs ?? 0)} s cold, ${seconds(daily.cpuMs ?? 0)} s daily: ${perCpu(cold)} and ${perCpu(daily)} series per CPU-second, what one core would fit with nothing else on it`);
    project(cold.stageMs, daily.stageMs, daily.series);
  }
} finally {
  await sql.end();
  await store.close();
  await (opts.keep ? database.release() : database.close());
}

function existingSchema(schema: string): { url: string; label: string; close(): Promise<void>; release(): Promise<void> } {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema) || !process.env.DATABASE_URL) throw new Error("--schema needs DATABASE_URL and a lowercase schema name");
  const u = new URL(process.env.DATABASE_URL);
  u.searchParams.set("search_path", schema);
  return {
    url: u.toString(), label: `Postgres at DATABASE_URL (schema ${schema})`,
    release: async () => {},
    async close() {
      const admin = connect(process.env.DATABASE_URL!, { max: 1 }).sql;
      await admin.unsafe(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

async function cycleOrDataPath(label: string): Promise<{ stageMs: Record<string, number>; series: number; rssMb: number; cpuMs?: number }> {
  if (!opts.dataOnly) {
    // CPU of this process (fit threads included), which other work on the machine does not inflate as it does wall time.
    const cpu = process.cpuUsage();
    const summary: CycleSummary = await runCycle(config, { sql, db, redis, log, trigger: "manual" });
    const used = process.cpuUsage(cpu);
    return { stageMs: summary.stageMs, series: summary.series, rssMb: rssMb(), cpuMs: (used.user + used.system) / 1000 };
  }
  const [refreshed, refreshMs] = await timed(() => refreshFeatures(sql, config.HISTORY_DAYS, config.POOLED_MODEL ? { profileDays: config.PROFILE_HISTORY_DAYS, profilesView: false } : {}));
  let series = 0;
  const [, fetchMs] = await timed(async () => {
    for await (const record of fetchSeries(sql, await loadDimensions(sql), { previous: true })) if (record.units.length > 0) series++;
  });
  console.log(`${label}: refresh ${seconds(refreshMs)} s (features ${seconds(refreshed.featuresMs)} s, ${refreshed.features.mode}; profiles ${seconds(refreshed.profilesMs ?? 0)} s), fetch ${seconds(fetchMs)} s`);
  return { stageMs: { refresh: refreshMs, features: refreshed.featuresMs, profiles: refreshed.profilesMs ?? 0, fetch: fetchMs }, series, rssMb: rssMb() };
}

/** The feature view as sql/002 defined it, under another name: what one refresh cost before. */
async function materializedViewBefore(sql: Sql, historyDays: number): Promise<void> {
  const text = await readFile(new URL("../sql/002_series_features.sql", import.meta.url), "utf8");
  const view = text.slice(text.indexOf("create materialized view series_features"), text.indexOf("-- CONCURRENTLY needs"));
  await sql`update feature_settings set history_days = ${historyDays}`;
  await sql.unsafe(view.replace("series_features", "series_features_before").replace(/;\s*$/, " with no data;"));
  await sql.unsafe("create unique index on series_features_before (store_id, product_id, day)");
  await sql.unsafe("refresh materialized view series_features_before");
  await sql.begin(async (tx) => {
    await tx`set local jit = off`;
    await tx.unsafe("refresh materialized view concurrently series_features_before");
  });
  await sql.unsafe("drop materialized view series_features_before");
}

/** Hosts for one million series from the measured rates; the serial stages are what no host count shortens. */
function project(cold: Record<string, number>, daily: Record<string, number>, series: number) {
  const perSeries = (ms: number) => ms / 1000 / series;
  const million = 1_000_000;
  const serial = ["refresh", "fetch", "record", "publish"].reduce((a, s) => a + perSeries(daily[s] ?? 0) * million, 0);
  const fitCoreSeconds = perSeries(daily.fit ?? 0) * config.FIT_THREADS * million;
  const coldFitCoreSeconds = perSeries(cold.fit ?? 0) * config.FIT_THREADS * million;
  say();
  say(`fit: ${(series / ((daily.fit ?? 1) / 1000) / config.FIT_THREADS).toFixed(2)} series/s/core daily, ${(series / ((cold.fit ?? 1) / 1000) / config.FIT_THREADS).toFixed(2)} cold`);
  say(`one million series, scaled linearly: serial stages (refresh, fetch, record, publish on one coordinator) ${(serial / 60).toFixed(0)} min a day; fits ${(fitCoreSeconds / 3600).toFixed(0)} core-hours daily, ${(coldFitCoreSeconds / 3600).toFixed(0)} cold`);
  say();
  say(`| window | hosts of ${opts.cores} cores, daily | cold |`);
  say("|---|---:|---:|");
  for (const hours of [1, 4, 8, 24]) {
    const left = hours * 3600 - serial;
    const hosts = (coreSeconds: number) => (left <= 0 ? "—" : String(Math.ceil(coreSeconds / (opts.cores * left))));
    say(`| ${hours} h | ${hosts(fitCoreSeconds)} | ${hosts(coldFitCoreSeconds)} |`);
  }
}
