// `npm run demo`: the whole path on one machine with nothing installed but
// npm packages. Embedded Postgres (PGlite) → seeded sales → one training
// cycle → the Upstash-compatible endpoint → the Worker under `wrangler dev`.
import { constants as osConstants } from "node:os";
import { Command, InvalidArgumentError } from "commander";
import { loadConfig } from "../trainer/config.ts";
import { connect } from "../trainer/db/connect.ts";
import { startEmbeddedPostgres } from "../trainer/db/embedded.ts";
import { migrate } from "../trainer/db/migrate.ts";
import { createLogger } from "../trainer/log.ts";
import { connectStore } from "../trainer/publish/store.ts";
import { runCycle } from "../trainer/run/cycle.ts";
import { DEMO_GRID, seedDemo, yesterday } from "../trainer/seed/load.ts";
import { startUpstashLocal } from "../upstash-local/server.ts";
import { startWranglerDev } from "./wrangler-dev.ts";

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError("must be a port number");
  return n;
};

const flags = new Command("demo")
  .description("Runs the forecast pipeline end to end on embedded defaults and serves it locally.")
  .option("--worker-port <port>", "port for the Worker (wrangler dev)", port, 8787)
  .option("--store-port <port>", "port for the Upstash-compatible endpoint", port, 8079)
  .option("--days <n>", "days of generated history", (v) => Number(v), DEMO_GRID.days)
  .option("--once", "check one request through the Worker, then stop instead of serving")
  .parse()
  .opts<{ workerPort: number; storePort: number; days: number; once?: boolean }>();

const cleanups: (() => Promise<unknown> | unknown)[] = [];
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function step<T>(title: string, work: () => Promise<T>, describe: (result: T) => string): Promise<T> {
  process.stdout.write(`${bold("▸")} ${title} … `);
  const started = performance.now();
  const result = await work();
  process.stdout.write(`${describe(result)} ${dim(`(${seconds(performance.now() - started)})`)}\n`);
  return result;
}

let stopping: Promise<void> | undefined;
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  })();
  return stopping;
}

// Ctrl-C or a SIGTERM at any stage stops what has started so far, then
// exits; a second signal exits at once (the Worker's guard still ends it).
let signalled: NodeJS.Signals | undefined;
const stopRequested = new Promise<void>((resolve) => {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      if (signalled) process.exit(128 + osConstants.signals[signal]);
      signalled = signal;
      resolve();
    });
  }
});

async function main() {
  const total = performance.now();
  console.log(bold("Forecast demo: Postgres views → trainer → Upstash → edge API\n"));

  const databaseUrl = await step("Postgres", async () => {
    if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
    const pg = await startEmbeddedPostgres();
    cleanups.push(() => pg.close());
    return pg.url;
  }, (url) => (process.env.DATABASE_URL ? "using DATABASE_URL" : `embedded PGlite at ${url}`));

  const { sql, db } = connect(databaseUrl, { max: 2 });
  cleanups.push(() => sql.end());
  await step("Schema", () => migrate(sql), (r) => `${r.applied.length} migrations applied, ${r.alreadyApplied} already there`);

  const end = yesterday();
  const seeded = await step(`Sales history (${DEMO_GRID.cities} cities × ${DEMO_GRID.stores} stores × ${DEMO_GRID.products} products, ${flags.days} days, seed ${DEMO_GRID.seed})`,
    () => seedDemo(sql, { ...DEMO_GRID, days: flags.days, end }),
    (r) => `${r.series} series, ${r.rows.toLocaleString("en")} rows, ${r.start} → ${r.end}`);

  const token = "demo-token";
  const store = await step("Upstash-compatible endpoint", async () => {
    const s = await startUpstashLocal({ token, port: flags.storePort, redisUrl: process.env.REDIS_URL });
    cleanups.push(() => s.close());
    return s;
  }, (s) => `${s.url} over ${s.backend === "redis" ? `Redis at ${process.env.REDIS_URL}` : "an in-process store"}`);

  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token, LOG_LEVEL: "warn" }, { needsStore: true });
  console.log(`${bold("▸")} Training ${seeded.series} series on ${config.FIT_THREADS} threads: each model chosen by a ${config.BACKTEST_FOLDS} × ${config.HOLDOUT_DAYS}-day rolling backtest, 7/30/60-day horizons`);
  const startWorker = () => startWranglerDev({ port: flags.workerPort, vars: { UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token } });
  // The Worker starts as soon as the version is live, while the run records
  // its last rows.
  let workerStarting: ReturnType<typeof startWorker> | undefined;
  let lastPrinted = 0;
  const summary = await runCycle(config, {
    sql, db, redis: connectStore({ url: store.url, token }), log: createLogger("warn"),
    onStage: (name, ms) => {
      console.log(`    ${name.padEnd(8)} ${seconds(ms).padStart(8)}${name === "publish" ? dim("   version live") : ""}`);
      if (name === "publish") {
        workerStarting = startWorker();
        workerStarting.then((w) => cleanups.push(() => w.close()), () => {});
      }
    },
    onProgress: (done, all) => {
      if (process.stdout.isTTY) {
        process.stdout.write(`\r    fitted ${done}/${all}${done === all ? "\n" : ""}`);
      } else if (done === all || done - lastPrinted >= 25) {
        console.log(`    fitted ${done}/${all}`);
        lastPrinted = done;
      }
    },
  });
  const models = Object.entries(summary.models).map(([m, n]) => `${m} ${n}`).join(", ");
  console.log(`    ${bold(`published ${summary.version}`)}: ${summary.series} series (${models}), ${summary.failed} failed, origin ${summary.origin}`);

  const worker = await step("Worker (wrangler dev)", async () => {
    if (workerStarting) return workerStarting;
    const w = await startWorker();
    cleanups.push(() => w.close());
    return w;
  }, (w) => w.url);
  const workerUrl = worker.url;

  const sample = `${workerUrl}/v1/forecast/berlin/berlin-central/sparkling-water?h=7`;
  const check = await fetch(sample);
  await check.arrayBuffer();
  const served = check.headers.get("X-Forecast-Version");
  if (check.status !== 200 || served !== summary.version) {
    throw new Error(`the Worker answered ${check.status} for ${sample} with version ${served}, expected 200 with ${summary.version}`);
  }
  console.log(`\n${bold("Ready")} in ${seconds(performance.now() - total)}. Try:\n`);
  console.log(`  open ${workerUrl}/explorer/    ${dim("(the forecast explorer page)")}`);
  console.log(`  curl --compressed '${sample}'`);
  console.log(`  curl --compressed '${workerUrl}/v1/forecast?city=*&store=*&product=*&h=30' | head -c 600`);
  console.log(`  curl --compressed '${workerUrl}/v1/forecast?city=lisbon,osaka&store=*&product=bike-repair-kit&h=60'`);
  console.log(`  curl '${workerUrl}/v1/meta'`);
  console.log(`  curl -i --compressed '${sample}' -H 'If-None-Match: ${check.headers.get("etag") ?? "…"}'`);
  if (flags.once) return;
  console.log(dim("\nServing until Ctrl-C."));
  await stopRequested;
}

Promise.race([main(), stopRequested])
  .catch((error) => {
    console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    if (signalled) console.log(`\n${signalled}: stopping`);
    await stopAll();
    // wrangler and PGlite may hold handles briefly after close; the demo is done.
    process.exit(signalled ? 128 + osConstants.signals[signalled] : undefined);
  });
