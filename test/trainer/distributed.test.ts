// `trainer run --distributed`: a coordinator (here, in the test process) and
// two `trainer worker` processes share one Postgres through pg-boss. The
// published version must equal a single-host run on the same data: the same
// models, points and intervals, though the workers fit on one thread each and
// the single host on two. With a memory bound of one unanswered job
// the coordinator must stream: it can only read the next series once a
// worker has answered.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeStoredForecast, fieldIdentity } from "../../edge/contract/shape.ts";
import { keys, seriesField } from "../../edge/contract/keys.ts";
import type { Manifest, SeriesPayload } from "../../edge/contract/payload.ts";
import { loadConfig, type TrainerConfig } from "../../trainer/config.ts";
import { addDays } from "../../trainer/days.ts";
import { DistributedFitter } from "../../trainer/distributed/coordinator.ts";
import type { PgBoss } from "pg-boss";
import { FIT_QUEUE, startBoss, type FitJob } from "../../trainer/distributed/queue.ts";
import { FitWorker } from "../../trainer/distributed/worker.ts";
import type { FitResult } from "../../trainer/models/types.ts";
import { createLogger } from "../../trainer/log.ts";
import { Alerter } from "../../trainer/ops/alerts.ts";
import { runGuardedCycle } from "../../trainer/schedule/guarded-cycle.ts";
import { seedDemo } from "../../trainer/seed/load.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { isolatedStore, type TestStore } from "../support/store.ts";

const END = "2025-05-31";
const GRID = { cities: 1, stores: 1, products: 5, days: 90, end: END, seed: 5 };
const log = createLogger("silent");
const bossSchema = `boss_${randomBytes(4).toString("hex")}`;
let distributed: { database: TestDatabase; store: TestStore; config: TrainerConfig };
let single: { database: TestDatabase; store: TestStore; config: TrainerConfig };
const workers: { child: ChildProcess; output: string; exit: Promise<number | null> }[] = [];

function configFor(database: TestDatabase, store: TestStore): TrainerConfig {
  return loadConfig({
    DATABASE_URL: database.url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: store.token, KEY_PREFIX: store.prefix,
    HISTORY_DAYS: "60", HOLDOUT_DAYS: "7", FIT_THREADS: "2", FIT_JOB_SERIES: "2", PGBOSS_SCHEMA: bossSchema, FIT_JOB_HEARTBEAT_SECONDS: "10",
  }, { needsStore: true });
}

async function setup() {
  const [database, store] = await Promise.all([isolatedDatabase(), isolatedStore()]);
  await seedDemo(database.sql, GRID);
  return { database, store, config: configFor(database, store) };
}

function startWorker(url: string): (typeof workers)[number] {
  const child = spawn(process.execPath, ["--import", "tsx", "trainer/cli.ts", "worker", "--threads", "1"], {
    env: { ...process.env, DATABASE_URL: url, PGBOSS_SCHEMA: bossSchema, FIT_JOB_HEARTBEAT_SECONDS: "10", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const worker = { child, output: "", exit: new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code))) };
  child.stdout!.on("data", (c) => (worker.output += c));
  child.stderr!.on("data", (c) => (worker.output += c));
  workers.push(worker);
  return worker;
}

let boss: PgBoss;

beforeAll(async () => {
  [distributed, single] = await Promise.all([setup(), setup()]);
  // The coordinator installs the queue schema; the workers then find it.
  boss = await startBoss(distributed.config, log);
}, 300_000);

/**
 * A distributed cycle on `distributed`; `whenQueued` runs once its jobs are
 * all queued. `bound` sets series per job and unanswered jobs at most (the
 * configuration's by default); `fitters` collects the coordinators made.
 */
function distributedCycle(whenQueued: () => void | Promise<void>, bound: { seriesPerJob?: number; maxQueuedJobs?: number } = {}, fitters: DistributedFitter[] = []) {
  const { database, store, config } = distributed;
  let queued: Promise<void> = Promise.resolve();
  const result = runGuardedCycle(config, {
    sql: database.sql, db: database.db, redis: store.redis, log, alerter: new Alerter({ log }),
    createFitter: (fit, runId) => {
      const fitter = new DistributedFitter({
        boss, sql: database.sql, log, runId, fit, pollMs: 100,
        seriesPerJob: bound.seriesPerJob ?? config.FIT_JOB_SERIES, maxQueuedJobs: bound.maxQueuedJobs ?? config.FIT_JOB_QUEUE_LIMIT,
        onQueued: () => void (queued = Promise.resolve(whenQueued())),
      });
      fitters.push(fitter);
      return fitter;
    },
  }, { trigger: "manual" });
  return result.then(async (r) => (await queued, r));
}

afterAll(async () => {
  await boss?.stop({ graceful: false });
  for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
  await Promise.all(workers.map((w) => w.exit));
  if (process.env.DATABASE_URL) await distributed?.database.sql.unsafe(`drop schema if exists ${bossSchema} cascade`);
  await Promise.all([distributed?.database.close(), distributed?.store.close(), single?.database.close(), single?.store.close()]);
});

/** SIGTERMs the worker processes still running and waits for them to exit. */
async function stopWorkers(): Promise<void> {
  const running = workers.filter((w) => w.child.exitCode === null);
  for (const w of running) w.child.kill("SIGTERM");
  await Promise.all(running.map((w) => w.exit));
}

/** A new day of sales on `distributed`, so every series is fitted again rather than carried over. */
async function addDay(): Promise<void> {
  await distributed.database.sql`insert into sales (city_id, store_id, product_id, day, units, price, promo)
    select city_id, store_id, product_id, day + 1, units, price, promo from sales where day = (select max(day) from sales)`;
}

async function publishedSeries(store: TestStore): Promise<{ manifest: Manifest; series: Map<string, SeriesPayload> }> {
  const k = keys(store.prefix);
  const version = (await store.redis.get<string>(k.live))!;
  const manifest = JSON.parse((await store.redis.get<string>(k.manifest(version)))!) as Manifest;
  const series = new Map<string, SeriesPayload>();
  for (const s of manifest.dimensions.stores) {
    for (const p of manifest.dimensions.products) {
      const field = seriesField(s.city, s.code, p.code);
      const stored = await store.redis.hget<string>(k.horizon(version, 60), field);
      if (stored !== null) series.set(field, await decodeStoredForecast(stored, fieldIdentity(field, version, 60)));
    }
  }
  return { manifest, series };
}

describe("distributed fitting on pg-boss", () => {
  it("a coordinator bound to one unanswered job and two workers publish what a single host publishes", async () => {
    const { database, store } = distributed;
    startWorker(database.url);
    startWorker(database.url);
    const fitters: DistributedFitter[] = [];
    const result = await distributedCycle(() => {}, { seriesPerJob: 1, maxQueuedJobs: 1 }, fitters);
    expect(result.outcome, result.outcome === "failed" ? `${String(result.error)} ${JSON.stringify((result.error as { query?: string }).query)} ${(result.error as Error).stack}` : "").toBe("published");
    const reference = await runGuardedCycle(single.config, {
      sql: single.database.sql, db: single.database.db, redis: single.store.redis, log, alerter: new Alerter({ log }),
    }, { trigger: "manual" });
    expect(reference.outcome).toBe("published");

    // Every job was fitted by a worker process: 5 series in jobs of 1.
    const jobs = workers.flatMap((w) => [...w.output.matchAll(/"series":(\d+),"failed":0.*"msg":"fit job done"/g)].map((m) => Number(m[1])));
    expect(jobs.reduce((a, b) => a + b, 0)).toBe(5);
    expect(jobs).toHaveLength(5);
    // It streamed: never more than the queued job and the one being read were held.
    expect(fitters).toHaveLength(1);
    expect(fitters[0].peakSeries).toBeLessThanOrEqual(2);
    // The coordinator took every result and dropped every input: none are left behind.
    expect(await database.sql`select 1 from fit_job_result`).toHaveLength(0);
    expect(await database.sql`select 1 from fit_job_input`).toHaveLength(0);

    const a = await publishedSeries(store);
    const b = await publishedSeries(single.store);
    expect(a.manifest).toMatchObject({ series: 5, failed: 0, models: b.manifest.models, origin: END });
    expect(a.series.size).toBe(5);
    expect([...a.series.keys()].sort()).toEqual([...b.series.keys()].sort());
    for (const [field, payload] of a.series) {
      const other = b.series.get(field)!;
      expect(payload.model, field).toBe(other.model);
      for (const band of ["point", "lower", "upper"] as const) {
        payload[band].forEach((v, i) => expect(v, `${field} ${band} day ${i + 1}`).toBeCloseTo(other[band][i], 9));
      }
    }
  }, 180_000);

  it("workers finish their jobs in hand and exit 0 on SIGTERM", async () => {
    // Two of its own, beside any an earlier test left running.
    for (const w of [startWorker(distributed.database.url), startWorker(distributed.database.url)]) {
      // Starting a worker compiles the trainer and starts pg-boss: slow on a busy machine.
      await expect.poll(() => w.output, { timeout: 90_000, interval: 100 }).toMatch(/worker ready/);
    }
    const running = workers.filter((w) => w.child.exitCode === null);
    expect(running.length).toBeGreaterThanOrEqual(2);
    // One an earlier test left may still be starting; until it is ready, SIGTERM is not yet its to handle.
    for (const w of running) await expect.poll(() => w.output, { timeout: 90_000, interval: 100 }).toMatch(/worker ready/);
    for (const w of running) w.child.kill("SIGTERM");
    expect(await Promise.all(running.map((w) => w.exit))).toEqual(running.map(() => 0));
    for (const w of running) expect(w.output).toMatch(/SIGTERM: finishing the jobs in hand, then stopping/);
  }, 240_000);

  it("a job whose worker died mid-fit is retried by another worker, and the cycle still publishes every series", async () => {
    const { database } = distributed;
    // Only the worker started here may take the job the dead one leaves.
    await stopWorkers();
    await addDay();
    let claimed: string | undefined;
    let survivor: (typeof workers)[number] | undefined;
    const result = await distributedCycle(async () => {
      // A worker that takes a job and dies: it never completes it and never sends a heartbeat.
      claimed = (await boss.fetch<FitJob>(FIT_QUEUE))[0]?.id;
      survivor = startWorker(database.url);
    });
    expect(claimed).toBeTruthy();
    expect(result.outcome, result.outcome === "failed" ? `${String(result.error)} ${JSON.stringify((result.error as { query?: string }).query)} ${(result.error as Error).stack}` : "").toBe("published");
    if (result.outcome !== "published") return;
    expect(result.summary).toMatchObject({ series: 5, failed: 0 });
    const [job] = await boss.findJobs(FIT_QUEUE, { id: claimed! });
    expect(job).toMatchObject({ state: "completed", retryCount: 1 });
    expect(survivor!.output).toContain(claimed!);
    survivor!.child.kill("SIGTERM");
    expect(await survivor!.exit).toBe(0);
  }, 90_000);

  it("a series whose fit hangs on a worker fails as fit_timeout and is published with the fallback", async () => {
    const { database } = distributed;
    // Only the worker made here may take the jobs.
    await stopWorkers();
    await addDay();
    const [hung] = await database.sql<{ id: string }[]>`select s.id || ':' || p.id as id from store s, product p order by s.id, p.id limit 1`;
    process.env.HANG_SERIES_ID = hung.id;
    const workerBoss = await startBoss(distributed.config, log);
    // A worker as `trainer worker` makes it, with a thread that never finishes that one series.
    const worker = new FitWorker({
      boss: workerBoss, sql: database.sql, log,
      pool: { threads: 1, timeoutMs: 10_000, workerUrl: new URL("./fixtures/hang-worker.ts", import.meta.url) },
    });
    try {
      await worker.start();
      const result = await distributedCycle(() => {});
      expect(result.outcome, result.outcome === "failed" ? String(result.error) : "").toBe("published");
      if (result.outcome !== "published") return;
      expect(result.summary).toMatchObject({ series: 5, failed: 1 });
      const rows = await database.sql`select store_id || ':' || product_id as id, model, error_code from series_result where run_id = ${result.summary.runId}`;
      expect(rows.find((r) => r.id === hung.id)).toMatchObject({ model: "seasonal_naive", error_code: "fit_timeout" });
      expect(rows.filter((r) => r.error_code === null)).toHaveLength(4);
    } finally {
      delete process.env.HANG_SERIES_ID;
      await worker.stop();
      await workerBoss.stop({ graceful: false });
    }
  }, 120_000);

  it("the run's global models ride once in each job, not in each series' input, and every series of the job fits with them", async () => {
    const { database } = distributed;
    await stopWorkers();
    const [{ id: runId }] = await database.sql<{ id: number }[]>`insert into training_run (version) values (${`global-${randomBytes(4).toString("hex")}`}) returning id`;
    const start = "2025-01-01";
    const days = 120;
    const last = addDays(start, days - 1);
    // A model that forecasts the 28-day level: one coefficient on recent_28, for the origin and the one fold's cut-off.
    const model = (dense: boolean) => ({ horizon: 7, dense, rows: 1000, coefficients: [0, 0, 1, ...new Array(10).fill(0)], sigma: 1 });
    const profile = { dayOfWeek: new Array(7).fill(1), monthOfYear: new Array(12).fill(1), annualGrowth: 1 };
    const global = { horizons: [7], denseShare: 0.75, byCutoff: Object.fromEntries([last, addDays(last, -7)].map((c) => [c, [model(false), model(true)]])) };
    const inputs = ["g1", "g2", "g3"].map((id, k) => ({
      id, start, units: Array.from({ length: days }, (_, i) => 3 + ((i + k) % 4)), promo: new Array(days).fill(0), context: { profile, foldProfiles: { [addDays(last, -7)]: profile }, global, globalLift: {} },
    }));
    const fit = { horizon: 7, level: 0.8, holdoutDays: 7, folds: 1, seed: 1, exclude: ["prophet_multiplicative"] };
    const workerBoss = await startBoss(distributed.config, log);
    const worker = new FitWorker({ boss: workerBoss, sql: database.sql, log, pool: { threads: 1, timeoutMs: 30_000 } });
    const stored: { input: { context?: Record<string, unknown> } }[] = [];
    let queued: Promise<void> = Promise.resolve();
    // The worker starts once every job is queued (so their rows can be read first); a failure there stops the wait.
    const stop = new AbortController();
    const jobs: unknown[] = [];
    const fitter = new DistributedFitter({
      boss, sql: database.sql, log, runId, fit, pollMs: 100, seriesPerJob: 3, maxQueuedJobs: 2, signal: stop.signal,
      onQueued: () => void (queued = (async () => {
        stored.push(...await database.sql<{ input: { context?: Record<string, unknown> } }[]>`select input from fit_job_input where run_id = ${runId}`);
        jobs.push(...(await database.sql.unsafe(`select data from ${bossSchema}.job where name = '${FIT_QUEUE}' and data->>'runId' = '${runId}'`)).map((j) => j.data));
        await worker.start();
      })().catch((error) => stop.abort(error))),
    });
    const results: FitResult[] = [];
    try {
      await fitter.fitAll((async function* () { yield* inputs; })(), async (r) => void results.push(r));
      await queued;
    } finally {
      await worker.stop();
      await workerBoss.stop({ graceful: false });
      await fitter.close();
    }
    expect(stored).toHaveLength(3);
    for (const row of stored) expect(row.input.context).toEqual({ profile, foldProfiles: { [addDays(last, -7)]: profile }, globalLift: {} });
    expect(jobs).toEqual([expect.objectContaining({ global })]);
    expect(results).toHaveLength(3);
    for (const r of results) {
      if (!r.ok) throw new Error(r.error.message);
      expect(r.scores.find((c) => c.model === "global")?.rmsse, JSON.stringify(r.scores.map((c) => [c.model, c.rmsse]))).toEqual(expect.any(Number));
    }
  }, 120_000);
});
