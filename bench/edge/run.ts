// Edge benchmark: bundles the Worker as `npm run build:edge` does, serves it
// under plain `workerd serve` (the runtime Cloudflare runs, never wrangler dev),
// reads from the project's Upstash-compatible endpoint over the real Redis at
// REDIS_URL (default 127.0.0.1:6379) holding a seeded 5×5×5 version, and
// loads it over loopback with autocannon, beside a hello-world Worker on the
// same workerd in the same run, the two taking turns in short slices within
// each row: every row's ratio is to that ceiling. The Worker runs with the
// shipped defaults (request logs on, the rate limit on through the Workers
// binding), except where a row says otherwise. Prints a markdown table.
// Takes about 4 minutes.
//   npx tsx bench/edge/run.ts            (BENCH_SECONDS=8 BENCH_CONCURRENCY=16)
// BENCH_BASELINE=<outdir of an earlier build> adds "(before)" rows served from
// that bundle, so a change is measured against the old code in the same run;
// BENCH_ROWS=<regex> keeps only the matching rows; BENCH_PORTS=<from>-<to>
// keeps every port inside that range.
import { spawn, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "@upstash/redis";
import { buildSync } from "esbuild";
import { startUpstashLocal } from "../../upstash-local/server.ts";
import { catalogue, publishVersion } from "../../test/edge/publish.ts";
import { keys } from "../../edge/contract/keys.ts";
import { canonicalGridQuery, gridCachePath } from "../../edge/contract/grid.ts";
import { publishPrefetch } from "../../trainer/publish/prefetch.ts";
import { buildBundle, bundleCompatibilityDate, cpuSeconds } from "./bundle.ts";
import { benchPort } from "./ports.ts";
import { measureStoreClients } from "./store-clients.ts";
import { runLoad, sampleAnswer, type LoadResult } from "./load.ts";
import { workerdConfig, type ForecastVariant, type PlainWorker } from "./workerd-config.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const here = fileURLToPath(new URL(".", import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const H = 30;
/** Turns the row and the hello-world Worker take within each row's BENCH_SECONDS. */
const ROUNDS = 4;

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      await (await fetch(url)).arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`workerd did not answer ${url} within ${timeoutMs} ms`);
}

function cachePath(serverTiming: string): string {
  const cache = /cache;[^,]*desc="(\w+)"/.exec(serverTiming)?.[1] ?? "-";
  const tier = /tier;[^,]*desc="(\w+)"/.exec(serverTiming)?.[1];
  return tier ? `${cache} (${tier})` : cache;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "edge-bench-"));
  const cleanup: (() => Promise<void> | void)[] = [() => rmSync(work, { recursive: true, force: true })];
  try {
    // 1. The bundle, exactly as deployed.
    buildBundle(work);
    const bundleBytes = readFileSync(join(work, "index.js")).length;
    const compatibilityDate = bundleCompatibilityDate();

    // 2. The store over real Redis, seeded as the trainer would.
    const token = randomBytes(16).toString("hex");
    const store = await startUpstashLocal({ token, redisUrl, port: await benchPort() });
    cleanup.push(() => store.close());
    const prefix = `bench-${randomBytes(4).toString("hex")}`;
    const redis = new Redis({ url: store.url, token, automaticDeserialization: false, responseEncoding: false, enableTelemetry: false });
    cleanup.push(async () => {
      const leftovers = await redis.keys(`${prefix}:*`);
      if (leftovers.length) await redis.del(...leftovers);
    });
    const cat = catalogue(5, 5, 5);
    const { version, manifest } = await publishVersion(redis, cat, { prefix });
    // As the trainer does with every version: the whole grids, ready-made, which a grid miss passes through.
    const { grids } = await publishPrefetch(redis, { prefix, version, manifest, topN: 20, ttlSeconds: 3600 });
    await redis.set(keys(prefix).manifest(version), JSON.stringify({ ...manifest, prebuiltGrids: grids }));
    const fields = Object.entries(cat.cities).flatMap(([city, stores]) => stores.flatMap((s) => cat.products.map((p) => `${city}/${s}/${p}`)));

    // 3. workerd serve with one socket per setting. The benchmark's one client
    // address sends everything, so the limit is one the load never reaches:
    // the rows measure what deciding costs, not refusals.
    const limit = 1_000_000;
    const variants: ForecastVariant[] = [
      { name: "defaults", port: await benchPort(), env: {} },
      { name: "cacheapi", port: await benchPort(), env: { MEMORY_CACHE_MB: "0" } },
      { name: "off", port: await benchPort(), env: { EDGE_CACHE: "off" } },
      { name: "built", port: await benchPort(), env: { EDGE_CACHE: "off", PUBLISHED_GRIDS: "off" } },
      { name: "nolimit", port: await benchPort(), env: { RATE_LIMIT: "0" } },
      { name: "upstash", port: await benchPort(), env: { RATE_LIMIT_BACKEND: "upstash" } },
      { name: "nolog", port: await benchPort(), env: { REQUEST_LOG: "off" } },
    ];
    const baseline = process.env.BENCH_BASELINE;
    if (baseline) {
      copyFileSync(join(baseline, "index.js"), join(work, "baseline.js"));
      variants.push({ name: "before", port: await benchPort(), env: {}, bundle: "baseline.js" });
      variants.push({ name: "before-off", port: await benchPort(), env: { EDGE_CACHE: "off" }, bundle: "baseline.js" });
    }
    const helloPort = await benchPort();
    for (const file of ["cache-service.js", "hello.js", "floor.js", "rate-limit-binding.js"]) copyFileSync(join(here, file), join(work, file));
    // The runtime ladder (ladder.ts): one rung per socket, each one step on its own.
    buildSync({ entryPoints: [join(here, "ladder.ts")], bundle: true, format: "esm", platform: "neutral", outfile: join(work, "ladder.js"), logLevel: "silent" });
    const rungs = ["log-constant", "log-object", "log-deep", "limit", "headers", "headers-prepared", "hono", "hono-3-middleware", "store-read"];
    const { cachePath: wholeGrid } = await gridCachePath(version, H, canonicalGridQuery({ city: "*", store: "*", product: "*" }));
    const storeRead = { STORE_URL: store.url, STORE_TOKEN: token, STORE_COMMAND: JSON.stringify(["HGET", keys(prefix).prefetch(version), wholeGrid]) };
    const plain: PlainWorker[] = [{ name: "floor", module: "floor.js", port: await benchPort() }];
    for (const step of rungs) plain.push({ name: `ladder-${step}`, module: "ladder.js", port: await benchPort(), env: { STEP: step, ...storeRead } });
    const plainOrigin = (name: string) => `http://127.0.0.1:${plain.find((w) => w.name === name)!.port}`;
    writeFileSync(join(work, "config.capnp"), workerdConfig({
      bundle: "index.js", cacheService: "cache-service.js", hello: "hello.js", compatibilityDate,
      rateLimit: { module: "rate-limit-binding.js", limit, period: 60 },
      bindings: { UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token, KEY_PREFIX: prefix, RATE_LIMIT: String(limit), RATE_LIMIT_WINDOW: "60" },
      variants, helloPort, plain,
    }));
    // Request logs are on, as shipped: workerd writes them here, as Cloudflare would keep them.
    const logPath = join(work, "workerd.log");
    const log = openSync(logPath, "w");
    const workerd = spawn(join(root, "node_modules/.bin/workerd"), ["serve", "--verbose", join(work, "config.capnp")], { stdio: ["ignore", log, log] });
    cleanup.push(() => {
      workerd.kill("SIGTERM");
    });
    await waitForHttp(`http://127.0.0.1:${helloPort}/`, 15_000);

    // 4. Scenarios.
    const seriesPath = (i: number) => `/v1/forecast/${fields[i % fields.length]}?h=${H}`;
    const gridPath = () => `/v1/forecast?city=*&store=*&product=*&h=${H}`;
    const origin = (variant: string) => `http://127.0.0.1:${variants.find((v) => v.name === variant)!.port}`;
    const hello = { origin: `http://127.0.0.1:${helloPort}`, path: () => "/" };
    const allScenarios = [
      // What a memory hit cannot go below with logs and the limit on (floor.js).
      // One step at a time on top of hello world (ladder.ts): what the runtime charges for each.
      { name: "runtime: hello world + console.log of a constant string", origin: plainOrigin("ladder-log-constant"), path: seriesPath, series: 1, warm: 1 },
      { name: "runtime: hello world + console.log of a JSON object built per request", origin: plainOrigin("ladder-log-object"), path: seriesPath, series: 1, warm: 1 },
      { name: "runtime: hello world + the same line logged 24 frames down", origin: plainOrigin("ladder-log-deep"), path: seriesPath, series: 1, warm: 1 },
      { name: "runtime: hello world + await the rate-limit binding", origin: plainOrigin("ladder-limit"), path: seriesPath, series: 1, warm: 1 },
      { name: "runtime: the series answer (398 gzip bytes, 11 headers from a record)", origin: plainOrigin("ladder-headers"), path: seriesPath, series: 1, warm: 1 },
      { name: "runtime: the series answer, headers from a prepared Headers object", origin: plainOrigin("ladder-headers-prepared"), path: seriesPath, series: 1, warm: 1 },
      { name: "runtime: one store read with fetch, base64 decoded, the grid answered", origin: plainOrigin("ladder-store-read"), path: gridPath, series: 125, warm: 1 },
      { name: "runtime: the series answer through Hono's router", origin: plainOrigin("ladder-hono"), path: seriesPath, series: 1, warm: 1 },
      { name: "runtime: the series answer through Hono, 3 async middleware", origin: plainOrigin("ladder-hono-3-middleware"), path: seriesPath, series: 1, warm: 1 },
      // What a memory hit cannot go below with logs and the limit on (floor.js).
      { name: "floor: limit, log line, the same headers and body, nothing else", origin: plainOrigin("floor"), path: seriesPath, series: 1, warm: 1 },
      { name: "series, memory hit", origin: origin("defaults"), path: seriesPath, series: 1, warm: fields.length },
      { name: "series, Cache API hit (MEMORY_CACHE_MB=0)", origin: origin("cacheapi"), path: seriesPath, series: 1, warm: fields.length },
      { name: "series, miss (EDGE_CACHE=off)", origin: origin("off"), path: seriesPath, series: 1, warm: 20 },
      { name: "grid 5×5×5, memory hit", origin: origin("defaults"), path: gridPath, series: 125, warm: 1 },
      { name: "grid 5×5×5, Cache API hit (MEMORY_CACHE_MB=0)", origin: origin("cacheapi"), path: gridPath, series: 125, warm: 1 },
      { name: "grid 5×5×5, miss (EDGE_CACHE=off), published body", origin: origin("off"), path: gridPath, series: 125, warm: 5 },
      { name: "grid 5×5×5, miss, built (PUBLISHED_GRIDS=off)", origin: origin("built"), path: gridPath, series: 125, warm: 5 },
      { name: "series, f32, memory hit", origin: origin("defaults"), path: (i: number) => `${seriesPath(i)}&format=f32`, series: 1, warm: fields.length },
      { name: "grid 5×5×5, f32, memory hit", origin: origin("defaults"), path: () => `${gridPath()}&format=f32`, series: 125, warm: 1 },
      { name: "grid 5×5×5, binary, miss (EDGE_CACHE=off), published body", origin: origin("off"), path: () => `${gridPath()}&format=f32`, series: 125, warm: 5 },
      { name: "grid 5×5×5, binary, miss, built (PUBLISHED_GRIDS=off)", origin: origin("built"), path: () => `${gridPath()}&format=f32`, series: 125, warm: 5 },
      { name: "series, memory hit, RATE_LIMIT=0 (limit off)", origin: origin("nolimit"), path: seriesPath, series: 1, warm: fields.length },
      { name: "series, memory hit, RATE_LIMIT_BACKEND=upstash", origin: origin("upstash"), path: seriesPath, series: 1, warm: fields.length },
      { name: "series, memory hit, REQUEST_LOG=off", origin: origin("nolog"), path: seriesPath, series: 1, warm: fields.length },
      ...(baseline
        ? [
            { name: "series, memory hit (before)", origin: origin("before"), path: seriesPath, series: 1, warm: fields.length },
            { name: "grid 5×5×5, memory hit (before)", origin: origin("before"), path: gridPath, series: 125, warm: 1 },
            { name: "grid 5×5×5, miss (EDGE_CACHE=off), published body (before)", origin: origin("before-off"), path: gridPath, series: 125, warm: 5 },
          ]
        : []),
    ];
    const only = process.env.BENCH_ROWS ? new RegExp(process.env.BENCH_ROWS) : null;
    const scenarios = only ? allScenarios.filter((s) => only.test(s.name)) : allScenarios;
    const rows: string[] = [];
    const headers = { "accept-encoding": "gzip" };
    for (const scenario of scenarios) {
      // Warm: every key once (fills the caches and the pointer), then a moment for waitUntil writes.
      for (let i = 0; i < (scenario.warm ?? 10); i++) {
        const answer = await sampleAnswer(scenario.origin, scenario.path(i), headers);
        if (answer.status !== 200) throw new Error(`${scenario.name}: ${scenario.path(i)} answered ${answer.status} while warming`);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      // On a shared machine the load moves within a run, so the row and the
      // hello-world ceiling take turns in short slices and share the noise.
      // workerd's own CPU per request does not depend on what else the machine runs: the steadier ratio.
      const ceiling: LoadResult[] = [];
      const slices: LoadResult[] = [];
      const cpu = { hello: 0, row: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        let before = cpuSeconds(workerd.pid!);
        ceiling.push(await runLoad({ ...hello, headers, concurrency, durationSeconds: seconds / ROUNDS }));
        cpu.hello += cpuSeconds(workerd.pid!) - before;
        before = cpuSeconds(workerd.pid!);
        slices.push(await runLoad({ origin: scenario.origin, path: scenario.path, headers, concurrency, durationSeconds: seconds / ROUNDS }));
        cpu.row += cpuSeconds(workerd.pid!) - before;
      }
      const count = (results: LoadResult[]) => results.reduce((sum, r) => sum + r.requests, 0);
      const cpuPerRequest = { hello: (cpu.hello * 1e6) / count(ceiling), row: (cpu.row * 1e6) / count(slices) };
      const rate = (results: LoadResult[]) => results.reduce((sum, r) => sum + r.requestsPerSecond, 0) / results.length;
      const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      const result = slices.at(-1)!;
      const perSeriesDay = (result.bodyBytes / (scenario.series * H)).toFixed(1);
      const errors = slices.reduce((sum, r) => sum + r.errors, 0);
      rows.push(`| ${scenario.name} | ${rate(slices).toFixed(0)} | ${rate(ceiling).toFixed(0)} | ${(rate(slices) / rate(ceiling)).toFixed(2)} | ${cpuPerRequest.row.toFixed(0)} | ${cpuPerRequest.hello.toFixed(0)} | ${(cpuPerRequest.hello / cpuPerRequest.row).toFixed(2)} | ${median(slices.map((r) => r.p50Ms)).toFixed(1)} | ${median(slices.map((r) => r.p99Ms)).toFixed(1)} | ${result.bodyBytes} | ${perSeriesDay} | ${cachePath(result.serverTiming)} | ${errors} |`);
      console.error(`done: ${scenario.name}`);
    }
    const logBytes = statSync(logPath).size;

    // 5. What the Upstash client costs per call against a thin fetch, same store.
    const clients = await measureStoreClients({ url: store.url, token, prefix, version, fields });

    console.log(`\n### Edge Worker under workerd serve (${new Date().toISOString().slice(0, 10)})\n`);
    console.log(`${execFileSync(join(root, "node_modules/.bin/workerd"), ["--version"]).toString().trim()}, bundle ${(bundleBytes / 1024).toFixed(0)} KiB, store: upstash-local over Redis at ${redisUrl}, autocannon with ${concurrency} keep-alive connections, ${seconds} s per row and as long for hello world, in ${ROUNDS} alternating slices, h=${H}, gzip accepted; request logs on (${(logBytes / 1e6).toFixed(0)} MB written), rate limit on (Workers binding) unless the row says otherwise. The load generator, workerd, the endpoint and Redis share this machine's cores.\n`);
    console.log("| scenario | req/s | hello world, same slices | ratio | workerd CPU µs/request | hello world CPU µs/request | CPU ratio | p50 ms | p99 ms | body bytes | bytes per series-day | cache path | errors |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
    for (const row of rows) console.log(row);
    console.log(`\nStore client, sequential calls from Node to the same endpoint (mean µs per call):\n`);
    console.log("| call | @upstash/redis | thin fetch |");
    console.log("| --- | ---: | ---: |");
    for (const c of clients) console.log(`| ${c.call} | ${c.upstashMicros.toFixed(0)} | ${c.fetchMicros.toFixed(0)} |`);
  } finally {
    for (const step of cleanup.reverse()) await step();
  }
}

await main();
