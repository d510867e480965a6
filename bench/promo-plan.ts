// What the promotion plan buys, measured on days no fit saw. The demo grid
// (5 × 5 × 5, two years, promotion runs drawn by the generator): the last
// `--holdout` days are held out, their promotions loaded as the plan with
// `trainer plan import`'s code, and a training cycle publishes forecasts with
// PROMO_PLAN=off and with it on. Both cycles fit with one optimizer seed and
// no interval draws, so the plan is the only difference. Scored: sMAPE of the published 60-day
// forecasts against the held-out sales, on the promotion days and on all days.
// The store-item cut (real Kaggle sales, no promotions, an empty plan) must
// come out identical with the plan on and off.
//
// Then the time from a plan change to the new forecast at the edge: a plan
// adding a promotion for one store is imported with --retrain's queueing, the
// scheduler takes the request, refits the changed series, publishes, and a
// Worker under `wrangler dev` (default POINTER_TTL) serves it.
//
//   DATABASE_URL=… REDIS_URL=… npx tsx bench/promo-plan.ts [--store-item-series 50] [--no-edge]
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { Command } from "commander";
import { parse } from "csv-parse";
import { decodeStoredForecast, fieldIdentity } from "../edge/contract/shape.ts";
import { keys, seriesField } from "../edge/contract/keys.ts";
import type { SeriesPayload } from "../edge/contract/payload.ts";
import { loadConfig, type TrainerConfig } from "../trainer/config.ts";
import { connect, type Database, type Sql } from "../trainer/db/connect.ts";
import { migrate } from "../trainer/db/migrate.ts";
import { FitPool } from "../trainer/fit/pool.ts";
import { openCsv } from "../trainer/import/csv-import.ts";
import { upsertCatalog } from "../trainer/ingest/catalog.ts";
import { loadSales, type SalesInput } from "../trainer/ingest/sales.ts";
import { createLogger } from "../trainer/log.ts";
import { smape, wape } from "../trainer/models/metrics.ts";
import { Alerter } from "../trainer/ops/alerts.ts";
import { importPlan } from "../trainer/plan/import.ts";
import { runCycle, type CycleSummary } from "../trainer/run/cycle.ts";
import { RetrainQueue } from "../trainer/schedule/retrain.ts";
import { Scheduler } from "../trainer/schedule/scheduler.ts";
import { generateSales, seedCatalog } from "../trainer/seed/generate.ts";
import { DEMO_GRID } from "../trainer/seed/load.ts";
import { freePort, startWranglerDev, type WorkerProcess } from "../scripts/wrangler-dev.ts";
import { scratchDatabase } from "../test/support/database.ts";
import { isolatedStore, type TestStore } from "../test/support/store.ts";

const opts = new Command("bench-promo-plan")
  .option("--end <day>", "last day of the generated demo history", "2026-06-30")
  .option("--holdout <days>", "days held out and scored (the longest horizon)", (v) => Number(v), 60)
  .option("--store-item-data <file>", "train.csv.gz of the store-item-demand data", "/work/shared/data/store-item-demand/train.csv.gz")
  .option("--store-item-series <n>", "store-item series in the cut (the first stores × items); 0 skips it", (v) => Number(v), 50)
  .option("--store-item-cutoff <day>", "last store-item training day", "2017-10-31")
  .option("--no-edge", "skip the plan-change-to-edge timing")
  .option("--threads <n>", "fit threads", (v) => Number(v), os.availableParallelism())
  .parse()
  .opts<{ end: string; holdout: number; storeItemData: string; storeItemSeries: number; storeItemCutoff: string; edge: boolean; threads: number }>();

const DAY_MS = 86_400_000;
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const dayText = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
const log = createLogger("silent");

interface HeldOut {
  /** series field → held-out units and promotion flags, one per day after the origin. */
  units: Map<string, number[]>;
  promo: Map<string, number[]>;
}

interface Scenario {
  sql: Sql;
  db: Database;
  url: string;
  store: TestStore;
  dir: string;
  close(): Promise<void>;
}

async function scenario(name: string): Promise<Scenario> {
  const [scratch, store, dir] = await Promise.all([scratchDatabase(`bench_${name}`), isolatedStore(), mkdtemp(join(os.tmpdir(), `bench-${name}-`))]);
  const { sql, db } = connect(scratch.url, { max: 4 });
  await migrate(sql);
  return {
    sql, db, url: scratch.url, store, dir,
    async close() {
      await sql.end();
      await Promise.all([scratch.close(), store.close(), rm(dir, { recursive: true, force: true })]);
    },
  };
}

function trainerConfig(s: Scenario, extra: Record<string, string>): TrainerConfig {
  return loadConfig({
    DATABASE_URL: s.url, UPSTASH_REDIS_REST_URL: s.store.url, UPSTASH_REDIS_REST_TOKEN: s.store.token, KEY_PREFIX: s.store.prefix,
    FIT_THREADS: String(opts.threads), LOG_LEVEL: "silent", ...extra,
  }, { needsStore: true });
}

/** A cycle whose fits all use one optimizer seed: two cycles over equal inputs give equal forecasts. */
function seededCycle(s: Scenario, config: TrainerConfig): Promise<CycleSummary> {
  return runCycle(config, {
    sql: s.sql, db: s.db, redis: s.store.redis, log,
    createFitter: (fit) => new FitPool({ threads: config.FIT_THREADS, fit: { ...fit, seed: 1 } }),
  });
}

async function writePlan(s: Scenario, name: string, days: { day: string; store: string; product: string }[]): Promise<string> {
  const path = join(s.dir, name);
  await writeFile(path, ["date,store,item", ...days.map((d) => `${d.day},${d.store},${d.product}`)].join("\n") + "\n");
  return path;
}

async function published(s: Scenario, version: string): Promise<Map<string, SeriesPayload>> {
  const key = keys(s.store.prefix).horizon(version, 60);
  const out = new Map<string, SeriesPayload>();
  for (const field of await s.store.redis.hkeys(key)) out.set(field, await decodeStoredForecast((await s.store.redis.hget<string>(key, field))!, fieldIdentity(field, version, 60)));
  return out;
}

interface Score {
  smape: number;
  wape: number;
  days: number;
}

/** sMAPE (Kaggle's definition, in percent) and WAPE over every series-day picked, as one pool of days. */
function score(forecasts: Map<string, SeriesPayload>, held: HeldOut, pick: (field: string, day: number) => boolean, days: number): Score {
  const actual: number[] = [];
  const forecast: number[] = [];
  for (const [field, payload] of forecasts) {
    const units = held.units.get(field)!;
    for (let d = 0; d < days; d++) {
      if (!pick(field, d)) continue;
      actual.push(units[d]);
      forecast.push(payload.point[d]);
    }
  }
  return { smape: smape(actual, forecast) ?? Number.NaN, wape: wape(actual, forecast) ?? Number.NaN, days: actual.length };
}

function maxDifference(a: Map<string, SeriesPayload>, b: Map<string, SeriesPayload>): number {
  let worst = 0;
  for (const [field, payload] of a) payload.point.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - b.get(field)!.point[i]))));
  return worst;
}

const rows: string[] = [];
const cell = (s: Score | null) => (s ? `${s.smape.toFixed(2)} / ${(s.wape * 100).toFixed(1)}% (${s.days} days)` : "–");
const row = (cut: string, plan: string, promo: Score | null, all: Score) => rows.push(`| ${cut} | ${plan} | ${cell(promo)} | ${cell(all)} |`);

// ── Demo grid ────────────────────────────────────────────────────────────────
const demo = await scenario("demo");
let timing = "";
try {
  const grid = { ...DEMO_GRID, end: opts.end };
  const origin = dayNumber(opts.end) - opts.holdout;
  const catalog = seedCatalog(grid);
  const cityOf = new Map(catalog.stores.map((s) => [s.code, s.city]));
  const held: HeldOut = { units: new Map(), promo: new Map() };
  for (const s of catalog.stores) for (const p of catalog.products) {
    held.units.set(seriesField(s.city, s.code, p.code), new Array(opts.holdout).fill(0));
    held.promo.set(seriesField(s.city, s.code, p.code), new Array(opts.holdout).fill(0));
  }
  const training: SalesInput[] = [];
  const planned: { day: string; store: string; product: string }[] = [];
  // Promotions are recorded on sales rows; slow movers' days without sales (no row) count as no promotion.
  for (const r of generateSales(grid)) {
    const d = dayNumber(r.day) - origin - 1;
    if (d < 0) training.push(r);
    else {
      const field = seriesField(cityOf.get(r.store)!, r.store, r.product);
      held.units.get(field)![d] = r.units;
      if (r.promo) {
        held.promo.get(field)![d] = 1;
        planned.push({ day: r.day, store: r.store, product: r.product });
      }
    }
  }
  await loadSales(demo.sql, await upsertCatalog(demo.sql, catalog), training);
  const planFile = await writePlan(demo, "plan.csv", planned);
  const imported = await importPlan(demo.sql, openCsv(planFile), { city: catalog.cities[0].code, source: planFile });

  // No interval draws in the compared cycles: they cannot be seeded, and they set the step published values are rounded to.
  const config = (plan: "on" | "off") => trainerConfig(demo, { PROMO_PLAN: plan, MODEL_MAX_AGE_HOURS: "0", WARM_START: "false", UNCERTAINTY_SAMPLES: "0" });
  const t0 = performance.now();
  const without = await seededCycle(demo, config("off"));
  const offSeconds = (performance.now() - t0) / 1000;
  const withPlan = await seededCycle(demo, config("on"));
  const [a, b] = await Promise.all([published(demo, without.version), published(demo, withPlan.version)]);
  const onPromo = (field: string, d: number) => held.promo.get(field)![d] === 1;
  const every = () => true;
  const offPromo = score(a, held, onPromo, opts.holdout);
  const onPromoScore = score(b, held, onPromo, opts.holdout);
  row("demo grid, 125 series", "PROMO_PLAN=off", offPromo, score(a, held, every, opts.holdout));
  row("demo grid, 125 series", `plan loaded (${imported.days} days, ${imported.changed.length} series)`, onPromoScore, score(b, held, every, opts.holdout));
  const offDays = score(a, held, (f, d) => !onPromo(f, d), opts.holdout);
  const onDays = score(b, held, (f, d) => !onPromo(f, d), opts.holdout);
  rows.push(`| demo grid, days without a promotion | off → on | – | ${cell(offDays)} → ${cell(onDays)} |`);
  console.error(`demo grid: cycle ${offSeconds.toFixed(0)} s; sMAPE on promotion days ${offPromo.smape.toFixed(2)} → ${onPromoScore.smape.toFixed(2)}`);

  if (opts.edge) timing = await planChangeToEdge(demo, catalog.stores[0], catalog.products.map((p) => p.code), origin);
} finally {
  await demo.close();
}

/**
 * One store's products get a three-day promotion starting a week out; the
 * time runs from the import to the first Worker answer carrying it.
 */
async function planChangeToEdge(s: Scenario, store: { code: string; city: string }, products: string[], origin: number): Promise<string> {
  // Reuse is what makes it "just those series": the defaults (models kept for a week), warm starts on.
  const config = trainerConfig(s, {});
  const { db } = s;
  await runCycle(config, { sql: s.sql, db, redis: s.store.redis, log });
  let worker: WorkerProcess | null = null;
  try {
    worker = await startWranglerDev({ port: await freePort(), vars: { UPSTASH_REDIS_REST_URL: s.store.url, UPSTASH_REDIS_REST_TOKEN: s.store.token, KEY_PREFIX: s.store.prefix } });
    const url = `${worker.url}/v1/forecast/${store.city}/${store.code}/${products[0]}?h=30`;
    await fetch(url); // the Worker has the live version in memory, as a busy one would
    const extra = [7, 8, 9].flatMap((d) => products.map((product) => ({ day: dayText(origin + d), store: store.code, product })));
    const file = await writePlan(s, "change.csv", extra);

    const started = performance.now();
    const report = await importPlan(s.sql, openCsv(file), { city: store.city, source: file, replace: false });
    await new RetrainQueue(s.store.redis, config.KEY_PREFIX).enqueue(report.changed);
    const importMs = performance.now() - started;
    const scheduler = new Scheduler(config, { sql: s.sql, db, redis: s.store.redis, log, alerter: new Alerter({ log }) });
    const { result } = await scheduler.pollRequests();
    const publishedMs = performance.now() - started;
    if (result?.outcome !== "published") throw new Error(`retrain did not publish: ${result?.outcome}`);
    const version = result.summary.version;
    // The version answered is in the header (a shape 2 body does not repeat it).
    const served = async () => { const res = await fetch(url); return { version: res.headers.get("X-Forecast-Version"), ...((await res.json()) as { promoDays?: number[] }) }; };
    let seen = await served();
    while (seen.version !== version) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await served();
      if (performance.now() - started > 120_000) throw new Error("the Worker never served the new version");
    }
    const edgeMs = performance.now() - started;
    const { fitted, skipped } = result.summary.accuracy!;
    const stages = Object.entries(result.summary.stageMs).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(", ");
    return [
      `plan change for ${report.changed.length} series (one store, 3 days): import + queue ${(importMs / 1000).toFixed(2)} s;`,
      `retrain cycle published ${(publishedMs / 1000).toFixed(1)} s after the import (${fitted} series refitted, ${skipped} reused; ${stages});`,
      `served at the edge (wrangler dev, POINTER_TTL 5 s) ${(edgeMs / 1000).toFixed(1)} s after the import, promoDays ${JSON.stringify(seen.promoDays)}.`,
      `Add up to RETRAIN_POLL_SECONDS (30) for \`trainer schedule\` to take the request.`,
    ].join("\n");
  } finally {
    await worker?.close();
  }
}

// ── Store-item cut ───────────────────────────────────────────────────────────
if (opts.storeItemSeries > 0) {
  const cut = await scenario("storeitem");
  try {
    const cutoff = dayNumber(opts.storeItemCutoff);
    const stores = 10;
    const items = Math.ceil(opts.storeItemSeries / stores);
    const held: HeldOut = { units: new Map(), promo: new Map() };
    const training: SalesInput[] = [];
    const parser = createReadStream(opts.storeItemData).pipe(createGunzip()).pipe(parse({ columns: true }));
    let series = 0;
    for await (const r of parser as AsyncIterable<{ date: string; store: string; item: string; sales: string }>) {
      if (Number(r.item) > items || (Number(r.item) - 1) * stores + Number(r.store) > opts.storeItemSeries) continue;
      const d = dayNumber(r.date) - cutoff - 1;
      const store = `store-${r.store}`;
      const product = `item-${r.item}`;
      const field = seriesField("kaggle", store, product);
      if (!held.units.has(field)) {
        held.units.set(field, new Array(opts.holdout).fill(0));
        series++;
      }
      if (d < 0 && d >= -730) training.push({ store, product, day: r.date, units: Number(r.sales), promo: false, price: null });
      else if (d >= 0 && d < opts.holdout) held.units.get(field)![d] = Number(r.sales);
    }
    const codes = (prefix: string, values: Iterable<string>) => [...new Set(values)].map((code) => ({ code, name: code }));
    await loadSales(cut.sql, await upsertCatalog(cut.sql, {
      cities: [{ code: "kaggle", name: "Kaggle" }],
      stores: codes("store", training.map((t) => t.store)).map((s) => ({ ...s, city: "kaggle" })),
      products: codes("item", training.map((t) => t.product)),
    }), training);
    // No promotions in this data: the plan is empty, and must change nothing.
    const empty = await writePlan(cut, "empty.csv", []);
    await importPlan(cut.sql, openCsv(empty), { city: "kaggle", source: empty });
    const config = (plan: "on" | "off") => trainerConfig(cut, { PROMO_PLAN: plan, HISTORY_DAYS: "730", MODEL_MAX_AGE_HOURS: "0", WARM_START: "false", UNCERTAINTY_SAMPLES: "0" });
    const without = await seededCycle(cut, config("off"));
    const again = await seededCycle(cut, config("off"));
    const withPlan = await seededCycle(cut, config("on"));
    const [a, a2, b] = await Promise.all([published(cut, without.version), published(cut, again.version), published(cut, withPlan.version)]);
    row(`store-item, ${series} series`, "PROMO_PLAN=off", null, score(a, held, () => true, opts.holdout));
    row(`store-item, ${series} series`, "plan on (empty: no promotions)", null, score(b, held, () => true, opts.holdout));
    rows.push(`| store-item | largest forecast difference, off against on (and off against off again: the fits' own noise) | – | ${maxDifference(a, b).toFixed(3)} (${maxDifference(a, a2).toFixed(3)}) units |`);
  } finally {
    await cut.close();
  }
}

console.log(`\nPromotion plan, ${opts.holdout} held-out days scored on the published h=60 forecasts (${opts.threads} fit threads, ${os.cpus().length} cores):\n`);
console.log("| cut | forecasts | sMAPE / WAPE on promotion days | sMAPE / WAPE on all days |");
console.log("| --- | --- | ---: | ---: |");
for (const r of rows) console.log(r);
if (timing) console.log(`\n${timing}`);
