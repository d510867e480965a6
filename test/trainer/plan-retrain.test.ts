// A plan change answered by a retrain: `trainer plan import --retrain` queues
// the series whose planned days changed, and the scheduler publishes a new
// version in which just those series were refitted.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeStoredForecast, fieldIdentity } from "../../edge/contract/shape.ts";
import { keys, seriesField } from "../../edge/contract/keys.ts";
import { retrainKeys, type RetrainRequest } from "../../edge/contract/retrain.ts";
import type { SeriesPayload } from "../../edge/contract/payload.ts";
import { loadConfig, type TrainerConfig } from "../../trainer/config.ts";
import { createLogger } from "../../trainer/log.ts";
import { Alerter } from "../../trainer/ops/alerts.ts";
import { runCycle } from "../../trainer/run/cycle.ts";
import { Scheduler } from "../../trainer/schedule/scheduler.ts";
import { seedDemo } from "../../trainer/seed/load.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { isolatedStore, type TestStore } from "../support/store.ts";

const END = "2025-06-30";
const log = createLogger("silent");
let database: TestDatabase;
let store: TestStore;
let dir: string;
let env: Record<string, string>;
let config: TrainerConfig;

beforeAll(async () => {
  [database, store, dir] = await Promise.all([isolatedDatabase(), isolatedStore(), mkdtemp(join(tmpdir(), "plan-retrain-test-"))]);
  await seedDemo(database.sql, { cities: 2, stores: 1, products: 3, days: 120, end: END, seed: 3 });
  env = {
    DATABASE_URL: database.url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: store.token, KEY_PREFIX: store.prefix,
    HISTORY_DAYS: "120", HOLDOUT_DAYS: "14", FIT_THREADS: "2",
  };
  config = loadConfig(env, { needsStore: true });
  await runCycle(config, { sql: database.sql, db: database.db, redis: store.redis, log });
}, 180_000);

afterAll(async () => {
  await Promise.all([database?.close(), store?.close(), rm(dir, { recursive: true, force: true })]);
});

describe("a plan change", () => {
  it("queues a retrain of just the series it changed, published as a new version", async () => {
    const path = join(dir, "plan.csv");
    await writeFile(path, "date,store,item,price\n2025-07-02,lisbon-central,sunscreen,7.5\n2025-07-03,lisbon-central,sunscreen,7.5\n");
    const run = promisify(execFile);
    const imported = await run("npx", ["tsx", "trainer/cli.ts", "plan", "import", path, "--retrain"], { env: { ...process.env, ...env, LOG_LEVEL: "info" } });
    expect(imported.stdout).toMatch(/1 series have changed planned days/);

    const rk = retrainKeys(store.prefix);
    const [id] = await store.redis.lrange<string>(rk.queue, 0, -1);
    const queued = JSON.parse((await store.redis.get<string>(rk.request(id)))!) as RetrainRequest;
    expect(queued).toMatchObject({ state: "queued", series: ["lisbon/lisbon-central/sunscreen"] });

    const live = (await store.redis.get<string>(keys(store.prefix).live))!;
    const scheduler = new Scheduler(config, { sql: database.sql, db: database.db, redis: store.redis, log, alerter: new Alerter({ log }) });
    const { result } = await scheduler.pollRequests();
    expect(result?.outcome).toBe("published");
    if (result?.outcome !== "published") return;
    const { summary } = result;
    expect(summary.previous).toBe(live);
    expect(await store.redis.get(keys(store.prefix).live)).toBe(summary.version);
    // The other five series reused their fits: nothing about them changed.
    expect(summary.accuracy).toMatchObject({ fitted: 1, skipped: 5 });
    const done = JSON.parse((await store.redis.get<string>(rk.request(id)))!) as RetrainRequest;
    expect(done).toMatchObject({ state: "done", version: summary.version });

    const payload = await decodeStoredForecast((await store.redis.hget<string>(keys(store.prefix).horizon(summary.version, 7), seriesField("lisbon", "lisbon-central", "sunscreen")))!);
    expect(payload.promoDays).toEqual([1, 2]);
  }, 180_000);
});
