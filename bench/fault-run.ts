// Fault run for the trainer: for each stage of a cycle, start `trainer run`
// on a seeded grid and SIGKILL it at that stage, N times, while a reader loads
// the whole grid through the bundled Worker (under `workerd serve`, edge cache
// off so every answer is read from the store) the whole time; after each kill
// the next cycle runs to the end. Then the same with two trainers racing (the
// lock bypassed: two cycles in one process) and with the store stopped
// mid-publish. Reports per scenario: kills, mixed-version answers seen by the
// reader, runs left in a wrong state after the next cycle, and version keys
// without a TTL that are not the live version's. Target: zeros in the last three.
// Real Postgres at DATABASE_URL (a scratch schema; embedded PGlite when unset),
// Redis at REDIS_URL behind the project's endpoint (its in-process store when unset).
//   npm run bench:fault-run -- --kills 2
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { keys } from "../edge/contract/keys.ts";
import { loadConfig } from "../trainer/config.ts";
import { connect } from "../trainer/db/connect.ts";
import { migrate } from "../trainer/db/migrate.ts";
import { createLogger } from "../trainer/log.ts";
import { connectStore } from "../trainer/publish/store.ts";
import { runCycle } from "../trainer/run/cycle.ts";
import { seedDemo } from "../trainer/seed/load.ts";
import { freePort } from "../scripts/wrangler-dev.ts";
import { scratchDatabase } from "../test/support/database.ts";
import { startUpstashLocal, type UpstashLocal } from "../upstash-local/server.ts";
import { buildBundle, bundleCompatibilityDate, untilHealthy } from "./edge/bundle.ts";
import { serveBundle } from "./edge/serve-bundle.ts";

const opts = new Command("fault-run").option("--kills <n>", "kills per stage", (v) => Number(v), 2).parse().opts<{ kills: number }>();
const root = fileURLToPath(new URL("../", import.meta.url));

/** Where to kill: after the log line that ends the stage before it (the message `stage X done`, or the first line). */
const STAGES: { stage: string; after: string | null; delayMs?: number }[] = [
  { stage: "refresh", after: null },
  { stage: "fetch/fit", after: "stage refresh done", delayMs: 300 },
  { stage: "record", after: "stage fit done" },
  { stage: "staging/commit", after: "stage record done" },
  { stage: "finish (after the commit)", after: "stage publish done" },
];

interface Row { scenario: string; kills: number; mixed: number; wrongRuns: number; keysWithoutTtl: number }

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "fault-run-"));
  const cleanup: (() => Promise<void> | void)[] = [() => rmSync(work, { recursive: true, force: true })];
  try {
    const database = await scratchDatabase("fault");
    cleanup.push(() => database.close());
    const { sql, db } = connect(database.url, { max: 4 });
    cleanup.push(() => sql.end());
    await migrate(sql);
    await seedDemo(sql, { cities: 1, stores: 2, products: 3, days: 120, end: "2025-03-31", seed: 3 });

    const token = randomBytes(16).toString("hex");
    const storePort = await freePort();
    const redisUrl = process.env.REDIS_URL || undefined;
    let store: UpstashLocal | null = await startUpstashLocal({ token, redisUrl, port: storePort });
    cleanup.push(async () => void (await store?.close()));
    const prefix = `fault-${randomBytes(4).toString("hex")}`;
    const env = {
      ...process.env, DATABASE_URL: database.url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token,
      KEY_PREFIX: prefix, HISTORY_DAYS: "60", HOLDOUT_DAYS: "7", FIT_THREADS: "1", LOG_LEVEL: "info", PROGRESS: "off",
      // Every cycle refits, so each one goes through every stage.
      MODEL_MAX_AGE_HOURS: "0",
    };
    const config = loadConfig(env, { needsStore: true });
    const redis = connectStore({ url: store.url, token });
    cleanup.push(async () => {
      store ??= await startUpstashLocal({ token, redisUrl, port: storePort });
      const leftovers = await redis.keys(`${prefix}:*`);
      if (leftovers.length) await redis.del(...leftovers);
    });

    /** A `trainer run`; at the log line `killAfter.after` it is killed, or `killAfter.instead` runs. */
    const trainer = (killAfter?: { after: string | null; delayMs?: number; instead?: () => void }) => new Promise<"killed" | number>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", join(root, "trainer/cli.ts"), "run"], { cwd: root, env, stdio: ["ignore", "pipe", "ignore"] });
      let killing = false;
      const kill = () => {
        if (killing) return;
        killing = true;
        setTimeout(() => (killAfter?.instead ? killAfter.instead() : child.kill("SIGKILL")), killAfter?.delayMs ?? 0);
      };
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (!killAfter) return;
        const msg = (() => { try { return String(JSON.parse(line).msg); } catch { return ""; } })();
        if (killAfter.after === null || msg === killAfter.after) kill();
      });
      child.on("exit", (code, signal) => resolve(signal === "SIGKILL" ? "killed" : (code ?? -1)));
    });

    console.error("first cycle (so the reader has a version to read)");
    await trainer();

    // The reader: the whole grid through the Worker, the edge cache off, as fast as it answers.
    buildBundle(work);
    const compatibilityDate = bundleCompatibilityDate();
    const worker = await serveBundle(work, {
      compatibilityDate,
      // Shape 1: each grid entry carries its own version, which the mixing check below reads.
      bindings: { UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token, KEY_PREFIX: prefix, RATE_LIMIT: "0", EDGE_CACHE: "off", POINTER_TTL: "0", REQUEST_LOG: "off", FORECAST_SHAPE: "v1" },
    });
    cleanup.push(worker.stop);
    const { origin } = worker;
    await untilHealthy(origin);
    let reading = true;
    let mixed = 0;
    let answers = 0;
    const reader = (async () => {
      while (reading) {
        try {
          const res = await fetch(`${origin}/v1/forecast?city=*&store=*&product=*&h=7`);
          if (res.status !== 200) {
            await res.arrayBuffer();
            continue;
          }
          const body = await res.json() as { version: string; series: { version: string }[] };
          answers++;
          if (body.series.some((s) => s.version !== body.version)) mixed++;
        } catch {
          // the store stopped: the Worker answers 503, counted as no answer
        }
      }
    })();

    const k = keys(prefix);
    const check = async (): Promise<{ wrongRuns: number; keysWithoutTtl: number }> => {
      const runs = await sql<{ version: string; status: string }[]>`select version, status from training_run`;
      const manifests = await redis.mget<(string | null)[]>(...runs.map((r) => k.manifest(r.version)));
      // Wrong: still running; published without a version in the store; anything else with one.
      const wrongRuns = runs.filter((r, i) => r.status === "running" || (r.status === "published") !== (manifests[i] !== null)).length;
      const live = await redis.get<string>(k.live);
      const versionKeys = (await redis.keys(`${prefix}:v:*`)).filter((key) => !key.startsWith(`${prefix}:v:${live}:`));
      const ttls = await Promise.all(versionKeys.map((key) => redis.ttl(key)));
      return { wrongRuns, keysWithoutTtl: ttls.filter((t) => t < 0).length };
    };

    const rows: Row[] = [];
    const scenario = async (name: string, kills: number, once: () => Promise<void>) => {
      const before = mixed;
      for (let i = 0; i < kills; i++) {
        await once();
        await trainer();
      }
      rows.push({ scenario: name, kills, mixed: mixed - before, ...(await check()) });
      console.error(`${name}: done`);
    };

    for (const { stage, after, delayMs } of STAGES) {
      await scenario(`kill at ${stage}`, opts.kills, async () => {
        const outcome = await trainer({ after, delayMs });
        if (outcome !== "killed") console.error(`  ${stage}: the trainer ended (${outcome}) before the kill`);
      });
    }
    const log = createLogger("silent");
    await scenario("two trainers racing (lock bypassed)", opts.kills, async () => {
      await Promise.allSettled([runCycle(config, { sql, db, redis, log }), runCycle(config, { sql, db, redis, log })]);
    });
    await scenario("store stopped mid-publish", opts.kills, async () => {
      let stopped: Promise<void> = Promise.resolve();
      // The store stops as the staging writes and the commit begin, for 2 s (the client's retries give up sooner).
      const outcome = await trainer({ after: "stage record done", instead: () => (stopped = (async () => {
        await store!.close();
        store = null;
        await new Promise((resolve) => setTimeout(resolve, 2000));
        store = await startUpstashLocal({ token, redisUrl, port: storePort });
      })()) });
      await stopped;
      if (outcome === 0) console.error("  the trainer published before the store stopped");
    });

    reading = false;
    await reader;
    console.log(`\n### Trainer fault run (${new Date().toISOString().slice(0, 10)}): ${database.label}, store ${redisUrl ? "Redis" : "in-process"}\n`);
    console.log(`1 city × 2 stores × 3 products, 120 days; ${answers} grid answers read through the Worker (edge cache off).\n`);
    console.log("| scenario | kills | mixed-version answers | runs in a wrong state after the next cycle | version keys without TTL (not live) |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const r of rows) console.log(`| ${r.scenario} | ${r.kills} | ${r.mixed} | ${r.wrongRuns} | ${r.keysWithoutTtl} |`);
  } finally {
    for (const step of cleanup.reverse()) await step();
  }
}

await main();
