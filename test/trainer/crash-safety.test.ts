// One writer, fenced, and nothing lost when a trainer dies: the cycle lock per
// database and re-checked before the commit, the pointer move as a
// compare-and-set that only a newer run passes, runs reconciled against the
// store on start, and retrain requests that survive a crash while taken.
// Real Postgres (or PGlite), the real endpoint over real Redis (or its
// in-process store), the real model on a small seeded grid.
import { randomBytes } from "node:crypto";
import type { Redis } from "@upstash/redis";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keys } from "../../edge/contract/keys.ts";
import { retrainKeys } from "../../edge/contract/retrain.ts";
import { loadConfig, type TrainerConfig } from "../../trainer/config.ts";
import { migrate } from "../../trainer/db/migrate.ts";
import { createLogger } from "../../trainer/log.ts";
import { Alerter } from "../../trainer/ops/alerts.ts";
import { FitPool } from "../../trainer/fit/pool.ts";
import { runCycle } from "../../trainer/run/cycle.ts";
import { runGuardedCycle, type GuardedCycleDeps } from "../../trainer/schedule/guarded-cycle.ts";
import { acquireLock, LockBusyError } from "../../trainer/schedule/lock.ts";
import { RetrainQueue } from "../../trainer/schedule/retrain.ts";
import { seedDemo } from "../../trainer/seed/load.ts";
import { synthetic } from "./models/synthetic.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { isolatedStore, type TestStore } from "../support/store.ts";

const END = "2025-03-31";
const log = createLogger("silent");
let database: TestDatabase;
let store: TestStore;
let config: TrainerConfig;
let deps: GuardedCycleDeps;

beforeAll(async () => {
  [database, store] = await Promise.all([isolatedDatabase(), isolatedStore()]);
  await seedDemo(database.sql, { cities: 1, stores: 1, products: 2, days: 90, end: END, seed: 5 });
  config = loadConfig({
    DATABASE_URL: database.url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: store.token,
    KEY_PREFIX: store.prefix, HISTORY_DAYS: "60", HOLDOUT_DAYS: "7", FIT_THREADS: "1",
  }, { needsStore: true });
  deps = { sql: database.sql, db: database.db, redis: store.redis, log, alerter: new Alerter({ log }) };
});

afterAll(async () => {
  await Promise.all([database?.close(), store?.close()]);
});

const k = () => keys(store.prefix);
const runRow = async (id: number) => (await database.sql`select status, error from training_run where id = ${id}`)[0];

/** Version keys other than the live version's that would never expire. */
async function keysWithoutTtl(redis: Redis, prefix: string): Promise<string[]> {
  const live = await redis.get<string>(keys(prefix).live);
  const versionKeys = (await redis.keys(`${prefix}:v:*`)).filter((key) => !key.startsWith(`${prefix}:v:${live}:`));
  const ttls = await Promise.all(versionKeys.map((key) => redis.ttl(key)));
  return versionKeys.filter((_, i) => ttls[i] < 0);
}

/** The same client, with every call of `method` held until `gate` resolves; `reached` is called at the first. */
function holding(redis: Redis, method: "hlen", gate: Promise<unknown>, reached: () => void): Redis {
  return new Proxy(redis, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== method || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        reached();
        await gate;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe("one writer, fenced", () => {
  it("two trainers forced to overlap leave one live version, every other version key expiring, and the older run superseded", async () => {
    let newerDone!: () => void;
    const newerFinished = new Promise<void>((resolve) => (newerDone = resolve));
    let olderAtCommit!: () => void;
    const olderWaiting = new Promise<void>((resolve) => (olderAtCommit = resolve));
    // The older run (lower id) reaches its commit, and there waits until the newer one, started then, has published.
    const older = runCycle(config, { sql: database.sql, db: database.db, redis: holding(store.redis, "hlen", newerFinished, olderAtCommit), log });
    const newer = (async () => {
      await olderWaiting;
      try {
        return await runCycle(config, { sql: database.sql, db: database.db, redis: store.redis, log });
      } finally {
        newerDone();
      }
    })();
    const [olderOutcome, newerOutcome] = await Promise.allSettled([older, newer]);
    expect(newerOutcome.status).toBe("fulfilled");
    if (newerOutcome.status !== "fulfilled") return;
    const winner = newerOutcome.value;
    expect(olderOutcome.status).toBe("rejected");
    expect(String((olderOutcome as PromiseRejectedResult).reason)).toMatch(/superseded/);
    expect(await store.redis.get(k().live)).toBe(winner.version);
    const [loser] = await database.sql<{ id: number; version: string; status: string }[]>`
      select id, version, status from training_run where id <> ${winner.runId} order by id desc limit 1`;
    expect(Number(loser.id)).toBeLessThan(winner.runId);
    expect(loser.status).toBe("superseded");
    expect(await store.redis.exists(k().manifest(loser.version))).toBe(0);
    expect(await keysWithoutTtl(store.redis, store.prefix)).toEqual([]);
  }, 120_000);

  it("the cycle lock is per database: a deployment in another database of the same server does not block it", async () => {
    // Two deployments in schema public of two databases on one server (only a server can hold two databases).
    if (!process.env.DATABASE_URL) return expect(await acquireLock(database.sql, "cycle").then((l) => l.release())).toBeUndefined();
    const admin = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} });
    const names = [0, 1].map(() => `lock_${randomBytes(5).toString("hex")}`);
    const clients: postgres.Sql[] = [];
    try {
      for (const name of names) {
        await admin.unsafe(`create database ${name}`);
        const url = new URL(process.env.DATABASE_URL);
        url.pathname = `/${name}`;
        url.searchParams.delete("search_path");
        const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
        clients.push(sql);
        await migrate(sql);
      }
      const first = await acquireLock(clients[0], "cycle");
      const second = await acquireLock(clients[1], "cycle");
      // Within one database it still excludes.
      await expect(acquireLock(clients[0], "cycle")).rejects.toThrow(LockBusyError);
      await first.release();
      await second.release();
    } finally {
      await Promise.all(clients.map((c) => c.end()));
      for (const name of names) await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }, 60_000);

  it("a cycle whose lock was lost (connection dropped, idle timeout) does not commit", async () => {
    const live = await store.redis.get<string>(k().live);
    const dropLock = async () => {
      // On Postgres the lock's session is killed; PGlite shares one session, where an unlock does the same.
      const [row] = await database.sql<{ pid: number | null }[]>`
        select l.pid from pg_locks l
        where l.locktype = 'advisory' and l.granted and l.objsubid = 2
          and l.database = (select oid from pg_database where datname = current_database())
          and l.classid::int = hashtext('edge-forecast') and l.objid::int = hashtext(current_schema() || ':cycle')`;
      if (process.env.DATABASE_URL) await database.sql`select pg_terminate_backend(${row.pid})`;
      else await database.sql`select pg_advisory_unlock(hashtext('edge-forecast'), hashtext(current_schema() || ':cycle'))`;
    };
    let dropped: Promise<void> | null = null;
    const result = await runGuardedCycle(config, {
      ...deps,
      progress: { onStage: (stage) => { if (stage === "refresh") dropped = dropLock(); }, onProgress() {}, stop() {} },
    }, { trigger: "manual" });
    await dropped;
    expect(result.outcome).toBe("failed");
    if (result.outcome !== "failed") return;
    expect(String(result.error)).toMatch(/lost the cycle lock/);
    expect(await store.redis.get(k().live)).toBe(live);
    const [run] = await database.sql`select status, error from training_run order by id desc limit 1`;
    expect(run).toMatchObject({ status: "failed", error: expect.stringMatching(/lost the cycle lock/) });
    expect(await keysWithoutTtl(store.redis, store.prefix)).toEqual([]);
  }, 120_000);
});

describe("crash windows", () => {
  it("a run killed between the store commit and recording it is recorded as published on the next start, not abandoned", async () => {
    const first = await runGuardedCycle(config, deps, { trigger: "manual" });
    if (first.outcome === "failed") throw first.error;
    expect(first.outcome).toBe("published");
    if (first.outcome !== "published") return;
    // What SIGKILL right after the pointer move leaves behind: the version live, its run still 'running'.
    await database.sql`update training_run set status = 'running', finished_at = null where id = ${first.summary.runId}`;
    const [dead] = await database.sql`insert into training_run (version, trigger) values ('20250101T000000Z-dead', 'schedule') returning id`;
    const next = await runGuardedCycle(config, deps, { trigger: "manual" });
    if (next.outcome === "failed") throw next.error;
    expect(next.outcome).toBe("published");
    expect(await runRow(first.summary.runId)).toMatchObject({ status: "published" });
    expect(await runRow(Number(dead.id))).toMatchObject({ status: "abandoned" });
  }, 120_000);

  it("a retrain request taken by a scheduler that dies before marking it is not lost: the next one recovers it", async () => {
    const rk = retrainKeys(store.prefix);
    const id = "rt-crashcrash01";
    await store.redis.set(rk.request(id), JSON.stringify({ id, series: "all", requestedAt: new Date().toISOString(), state: "queued" }), { ex: 600 });
    await store.redis.lpush(rk.queue, id);
    // The store stops answering writes right after the request leaves the queue (the process dies there).
    const dying = new Proxy(store.redis, {
      get(target, property, receiver) {
        if (property === "set") return () => Promise.reject(new Error("killed"));
        return Reflect.get(target, property, receiver);
      },
    });
    await expect(new RetrainQueue(dying, store.prefix).take()).rejects.toThrow("killed");
    const queue = new RetrainQueue(store.redis, store.prefix);
    expect(await queue.recover()).toBe(1);
    const taken = await queue.take();
    expect(taken.map((r) => [r.id, r.state])).toEqual([[id, "running"]]);
    await queue.finish(taken, { version: "v" });
    expect(await store.redis.llen(rk.queue)).toBe(0);
    expect(await store.redis.llen(rk.processing)).toBe(0);
  });

  it("a fit past FIT_TIMEOUT_SECONDS fails as fit_timeout, its thread is replaced, and the others go on", async () => {
    process.env.HANG_SERIES_ID = "hangs";
    const pool = new FitPool({ threads: 1, fit: { horizon: 60, level: 0.8, holdoutDays: 14 }, timeoutMs: 10_000, workerUrl: new URL("./fixtures/hang-worker.ts", import.meta.url) });
    const series = (id: string, seed: number) => ({ ...synthetic({ id, days: 120, seed }).series, id });
    try {
      const results = await Promise.all([pool.fit(series("a", 1)), pool.fit(series("hangs", 2)), pool.fit(series("b", 3))]);
      expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual(["ok", "fit_timeout", "ok"]);
      expect(pool.threadsStarted).toBe(2);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it("a cycle publishes the fallback for a series whose fit hangs, recorded as fit_timeout", async () => {
    const [hung] = await database.sql<{ id: string }[]>`select s.id || ':' || p.id as id from store s, product p order by s.id, p.id limit 1`;
    process.env.HANG_SERIES_ID = hung.id;
    // Every series fitted again rather than carried over unchanged from the runs before.
    const summary = await runCycle({ ...config, MODEL_MAX_AGE_HOURS: 0 }, {
      sql: database.sql, db: database.db, redis: store.redis, log,
      createFitter: (fit) => new FitPool({ threads: 1, fit, timeoutMs: 10_000, workerUrl: new URL("./fixtures/hang-worker.ts", import.meta.url) }),
    });
    expect(summary.failed).toBe(1);
    expect(await store.redis.get(k().live)).toBe(summary.version);
    const rows = await database.sql`select store_id || ':' || product_id as id, model, error_code from series_result where run_id = ${summary.runId} order by 1`;
    expect(rows.find((r) => r.id === hung.id)).toMatchObject({ model: "seasonal_naive", error_code: "fit_timeout" });
    expect(rows.filter((r) => r.error_code === null)).toHaveLength(rows.length - 1);
  }, 120_000);
});
