// The trainer on a cron host, against real Postgres and the Upstash-compatible
// endpoint on a small seeded grid: the cycle lock, runs left behind by a killed
// trainer, abandoning before the commit, retrain requests, metrics, alerts,
// `trainer status`, and two `trainer schedule` processes side by side.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keys } from "../../edge/contract/keys.ts";
import { retrainKeys, type RetrainRequest } from "../../edge/contract/retrain.ts";
import { loadConfig, type TrainerConfig } from "../../trainer/config.ts";
import { createLogger } from "../../trainer/log.ts";
import { Alerter, type Alert } from "../../trainer/ops/alerts.ts";
import { serveMetrics, TrainerMetrics } from "../../trainer/ops/metrics.ts";
import { buildStatus, formatStatus } from "../../trainer/ops/status-report.ts";
import { runGuardedCycle, type GuardedCycleDeps } from "../../trainer/schedule/guarded-cycle.ts";
import { acquireLock, LockBusyError } from "../../trainer/schedule/lock.ts";
import { Scheduler } from "../../trainer/schedule/scheduler.ts";
import { seedDemo } from "../../trainer/seed/load.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { isolatedStore, type TestStore } from "../support/store.ts";

const END = "2025-03-31";
const log = createLogger("silent");
let database: TestDatabase;
let store: TestStore;
let config: TrainerConfig;
let webhook: Server;
let webhookUrl: string;
const alerts: Alert[] = [];
const metrics = new TrainerMetrics();
let deps: GuardedCycleDeps;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: database.url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: store.token,
    KEY_PREFIX: store.prefix, HISTORY_DAYS: "60", HOLDOUT_DAYS: "7", FIT_THREADS: "1",
    ALERT_WEBHOOK_URL: webhookUrl, ...extra,
  };
}

beforeAll(async () => {
  webhook = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c)).on("end", () => {
      alerts.push(JSON.parse(body) as Alert);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
  [database, store] = await Promise.all([isolatedDatabase(), isolatedStore()]);
  await seedDemo(database.sql, { cities: 1, stores: 1, products: 3, days: 90, end: END, seed: 11 });
  config = loadConfig(env(), { needsStore: true });
  deps = { sql: database.sql, db: database.db, redis: store.redis, log, metrics, alerter: new Alerter({ url: webhookUrl, log }) };
});

afterAll(async () => {
  await Promise.all([database?.close(), store?.close(), new Promise((r) => webhook?.close(r))]);
});

const runStatus = async (id: number) => (await database.sql`select status, trigger, error from training_run where id = ${id}`)[0];

/** A new day of sales after the last one, so every series is fitted again rather than carried over unchanged. */
const addDay = (sql = database.sql) => sql`insert into sales (city_id, store_id, product_id, day, units, price, promo)
  select city_id, store_id, product_id, day + 1, units, price, promo from sales where day = (select max(day) from sales)`;

/** The live version; when a test runs alone, it publishes one first. */
async function ensureLive(): Promise<string> {
  const live = await store.redis.get<string>(keys(store.prefix).live);
  if (live) return live;
  expect((await runGuardedCycle(config, deps, { trigger: "schedule" })).outcome).toBe("published");
  return (await store.redis.get<string>(keys(store.prefix).live))!;
}

describe("the cycle lock", () => {
  it("admits one holder; a second is refused with a clear message, or waits for it with --wait", async () => {
    const first = await acquireLock(database.sql, "cycle");
    await expect(acquireLock(database.sql, "cycle")).rejects.toThrow(LockBusyError);
    await expect(acquireLock(database.sql, "cycle")).rejects.toThrow(/another training cycle is running.*pass --wait/);
    // Other names are other locks.
    const schedule = await acquireLock(database.sql, "schedule");
    let waited = false;
    const second = acquireLock(database.sql, "cycle", { wait: true, pollMs: 50 }).then((lock) => ((waited = true), lock));
    await new Promise((r) => setTimeout(r, 200));
    expect(waited).toBe(false);
    await first.release();
    await (await second).release();
    expect(waited).toBe(true);
    await schedule.release();
  });

  it("a guarded cycle that finds the lock taken does nothing and says so", async () => {
    const held = await acquireLock(database.sql, "cycle");
    try {
      const result = await runGuardedCycle(config, deps, { trigger: "manual" });
      expect(result).toMatchObject({ outcome: "locked", message: expect.stringMatching(/another training cycle is running/) });
    } finally {
      await held.release();
    }
  });
});

describe("scheduled cycles", () => {
  it("the lock holder marks runs left 'running' by a killed trainer as abandoned, then publishes", async () => {
    const [stale] = await database.sql`insert into training_run (version, trigger) values ('20250101T000000Z-dead', 'schedule') returning id`;
    const result = await runGuardedCycle(config, deps, { trigger: "schedule" });
    expect(result.outcome).toBe("published");
    if (result.outcome !== "published") return;
    expect(await runStatus(stale.id)).toMatchObject({ status: "abandoned", error: expect.stringMatching(/stopped before recording an outcome/) });
    expect(await runStatus(result.summary.runId)).toMatchObject({ status: "published", trigger: "schedule" });
    expect(await store.redis.get(keys(store.prefix).live)).toBe(result.summary.version);
  });

  it("an abort before the final commit records the run abandoned and publishes nothing", async () => {
    const k = keys(store.prefix);
    const [liveBefore, versionsBefore] = [await store.redis.get(k.live), await store.redis.zrange(k.versions, 0, -1)];
    const abort = new AbortController();
    const result = await runGuardedCycle(config, {
      ...deps,
      progress: { onProgress: (done) => done === 1 && abort.abort(new Error("SIGTERM")), onStage() {}, stop() {} },
    }, { trigger: "schedule", signal: abort.signal });
    expect(result.outcome).toBe("abandoned");
    if (result.outcome !== "abandoned") return;
    expect(result.error.message).toMatch(/abandoned before publishing: SIGTERM; the live version is unchanged/);
    const [run] = await database.sql`select id, version, status, error from training_run order by id desc limit 1`;
    expect(run).toMatchObject({ status: "abandoned", error: "abandoned before publishing: SIGTERM" });
    expect(await store.redis.get(k.live)).toBe(liveBefore);
    expect(await store.redis.exists(k.manifest(run.version))).toBe(0);
    expect(await store.redis.zrange(k.versions, 0, -1)).toEqual(versionsBefore);
  });

  it("answers queued retrain requests with one cycle, marks them done, and alerts when accuracy drops", async () => {
    const liveBefore = await ensureLive();
    // The previous published run looked far more accurate than this data allows: the next one is a drop.
    await database.sql`update series_result set metrics = jsonb_set(metrics, '{wape}', '0.001')
                       where run_id = (select max(id) from training_run where status = 'published')`;
    await addDay();
    const rk = retrainKeys(store.prefix);
    const requests: RetrainRequest[] = ["rt-aaaaaaaaaaaa", "rt-bbbbbbbbbbbb"].map((id) => ({ id, series: "all", requestedAt: new Date().toISOString(), state: "queued" }));
    for (const r of requests) {
      await store.redis.set(rk.request(r.id), JSON.stringify(r), { ex: 3600 });
      await store.redis.lpush(rk.queue, r.id);
    }
    // Every run selects: a refit between selections carries the last scores over, and would hide the drop.
    const scheduler = new Scheduler(loadConfig(env({ RESELECT_DAYS: "1" }), { needsStore: true }), deps);
    const { requests: taken, result } = await scheduler.pollRequests();
    expect(taken.map((r) => r.id)).toEqual(["rt-aaaaaaaaaaaa", "rt-bbbbbbbbbbbb"]);
    expect(result?.outcome).toBe("published");
    const live = await store.redis.get<string>(keys(store.prefix).live);
    expect(live).not.toBe(liveBefore);
    for (const r of requests) {
      const stored = JSON.parse((await store.redis.get<string>(rk.request(r.id)))!) as RetrainRequest;
      expect(stored).toMatchObject({ state: "done", version: live, startedAt: expect.any(String), finishedAt: expect.any(String) });
    }
    expect(await store.redis.llen(rk.queue)).toBe(0);
    const [run] = await database.sql`select trigger from training_run where version = ${live}`;
    expect(run.trigger).toBe("request");
    expect(alerts.find((a) => a.kind === "accuracy_drop")).toMatchObject({ source: "trainer", message: expect.stringMatching(/mean backtest WAPE rose/), version: live });
    // Nothing queued: nothing to do.
    expect(await scheduler.pollRequests()).toEqual({ requests: [], result: null });
  });

  it("serves Prometheus metrics: stage durations, series, cycles by outcome, last success", async () => {
    // Its own counters, fed by one cycle of each outcome.
    const own = new TrainerMetrics();
    const ownDeps = { ...deps, metrics: own };
    const held = await acquireLock(database.sql, "cycle");
    try {
      expect((await runGuardedCycle(config, ownDeps, { trigger: "schedule" })).outcome).toBe("locked");
    } finally {
      await held.release();
    }
    await addDay();
    const abort = new AbortController();
    expect((await runGuardedCycle(config, {
      ...ownDeps, progress: { onProgress: (done) => done === 1 && abort.abort(new Error("SIGTERM")), onStage() {}, stop() {} },
    }, { trigger: "schedule", signal: abort.signal })).outcome).toBe("abandoned");
    expect((await runGuardedCycle(config, ownDeps, { trigger: "schedule" })).outcome).toBe("published");
    const server = await serveMetrics(own, { port: 0, host: "127.0.0.1" });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
      const text = await response.text();
      expect(text).toMatch(/^trainer_series_total\{result="fitted"\} 3$/m);
      expect(text).toMatch(/^trainer_series_total\{result="failed"\} 0$/m);
      expect(text).toMatch(/^trainer_cycles_total\{outcome="published"\} 1$/m);
      expect(text).toMatch(/^trainer_cycles_total\{outcome="abandoned"\} 1$/m);
      expect(text).toMatch(/^trainer_cycles_total\{outcome="skipped_locked"\} 1$/m);
      expect(text).toMatch(/^trainer_cycle_stage_seconds\{stage="fit"\} [0-9.e-]+$/m);
      const lastSuccess = Number(/^trainer_last_success_timestamp_seconds (\S+)$/m.exec(text)![1]);
      expect(Math.abs(lastSuccess - Date.now() / 1000)).toBeLessThan(120);
      expect((await fetch(`http://127.0.0.1:${server.port}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("alerts when a cycle fails, and once per live version when it is stale", async () => {
    const empty = await isolatedDatabase();
    try {
      const result = await runGuardedCycle(loadConfig({ ...env(), DATABASE_URL: empty.url }, { needsStore: true }),
        { ...deps, sql: empty.sql, db: empty.db }, { trigger: "schedule" });
      expect(result.outcome).toBe("failed");
    } finally {
      await empty.close();
    }
    await ensureLive();
    expect(alerts.find((a) => a.kind === "cycle_failed")).toMatchObject({ message: expect.stringMatching(/training cycle \(schedule\) failed: no sales/) });
    const stale = new Scheduler(loadConfig(env({ ALERT_STALE_HOURS: "0.00001" }), { needsStore: true }), deps);
    await stale.checkLiveVersion();
    await stale.checkLiveVersion();
    const staleAlerts = alerts.filter((a) => a.kind === "live_stale");
    expect(staleAlerts).toHaveLength(1);
    expect(staleAlerts[0].message).toMatch(/live version \S+ is \d+\.\d h old/);
  });

  it("trainer status: live and retained versions, runs with stage timings, least accurate series", async () => {
    // A history of its own: a run a killed trainer left behind, a published one, another left behind, another published.
    const [own, ownStore] = await Promise.all([isolatedDatabase(), isolatedStore()]);
    try {
      await seedDemo(own.sql, { cities: 1, stores: 1, products: 3, days: 90, end: END, seed: 11 });
      const ownConfig = loadConfig({ ...env(), DATABASE_URL: own.url, UPSTASH_REDIS_REST_URL: ownStore.url, UPSTASH_REDIS_REST_TOKEN: ownStore.token, KEY_PREFIX: ownStore.prefix }, { needsStore: true });
      for (const dead of ["20250101T000000Z-dead", "20250102T000000Z-dead"]) {
        await own.sql`insert into training_run (version, trigger) values (${dead}, 'schedule')`;
        expect((await runGuardedCycle(ownConfig, { ...deps, sql: own.sql, db: own.db, redis: ownStore.redis }, { trigger: "schedule" })).outcome).toBe("published");
      }
      await expectStatus(own, ownStore);
    } finally {
      await Promise.all([own.close(), ownStore.close()]);
    }
  }, 120_000);
});

/** What `trainer status` reports for that history. */
async function expectStatus(database: TestDatabase, store: TestStore) {
  const report = await buildStatus(database.sql, { redis: store.redis, prefix: store.prefix }, { runs: 10, outliers: 2 });
  expect(report.live?.version).toBe(await store.redis.get(keys(store.prefix).live));
  expect(report.retained).toHaveLength(2);
  expect(report.runs.map((r) => r.status)).toEqual(["published", "abandoned", "published", "abandoned"]);
  expect(report.runs[0].stageMs).toHaveProperty("fit");
  expect(report.outliers).toHaveLength(2);
  expect(report.outliers[0].mase).toBeGreaterThanOrEqual(report.outliers[1].mase!);
  const text = formatStatus(report);
  expect(text).toContain(`live version   ${report.live!.version}`);
  expect(text).toMatch(/recent runs\n\s+run\s+status\s+trigger/);
  expect(text).toContain("run 1 abandoned: the trainer stopped before recording an outcome");
  expect(text).toMatch(/least accurate series in run \d+/);
  const withoutStore = await buildStatus(database.sql, null, { runs: 1, outliers: 1 });
  expect(formatStatus(withoutStore)).toMatch(/live version   unknown: UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are not set/);
}

describe("trainer schedule (the command)", () => {
  function schedule(extra: string[] = []): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
    const child = spawn(process.execPath, ["--import", "tsx", "trainer/cli.ts", "schedule", "--metrics-port", "0", ...extra], {
      env: { ...process.env, ...env({ TRAIN_CRON: "0 0 1 1 *", RETRAIN_POLL_SECONDS: "0", LOG_LEVEL: "info" }) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (c) => (output += c));
    child.stderr!.on("data", (c) => (output += c));
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, output: () => output, exit };
  }

  it("one scheduler per database: a second exits with code 4; SIGTERM stops the first cleanly", async () => {
    const first = schedule();
    await expect.poll(first.output, { timeout: 30_000, interval: 100 }).toMatch(/scheduler started/);
    expect(first.output()).toMatch(/metrics on http:\/\/0\.0\.0\.0:\d+\/metrics/);
    expect(first.output()).toMatch(/"next":"\d{4}-01-01T00:00:00/);
    const second = schedule();
    expect(await second.exit).toBe(4);
    expect(second.output()).toMatch(/another `trainer schedule` is running against this database; try again when it ends, or pass --wait to stand by/);
    first.child.kill("SIGTERM");
    expect(await first.exit).toBe(0);
    expect(first.output()).toMatch(/SIGTERM: stopping the scheduler/);
  }, 60_000);
});
