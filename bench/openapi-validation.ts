// What validating parameters with the route schemas (edge/openapi/) costs the
// hot path: the series memory hit of two bundles, the Worker at BASE_REF
// (default main; name the commit before the schemas once they are on it) and
// the working tree, each under its own `workerd serve`, taking turns in short
// slices over the same store and the same keys. workerd's CPU per request is
// read per process from /proc, so the two never share a counter.
//   npx tsx bench/openapi-validation.ts   (BENCH_SECONDS=40 BENCH_CONCURRENCY=16 BENCH_PORT=8820 BASE_REF=main)
// Ports: BENCH_PORT to BENCH_PORT+4 (store, then two per workerd).
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "@upstash/redis";
import { startUpstashLocal } from "../upstash-local/server.ts";
import { catalogue, publishVersion } from "../test/edge/publish.ts";
import { buildBundle, bundleCompatibilityDate, cpuSeconds, untilHealthy } from "./edge/bundle.ts";
import { runLoad, sampleAnswer, type LoadResult } from "./edge/load.ts";
import { workerdConfig } from "./edge/workerd-config.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 40);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const firstPort = Number(process.env.BENCH_PORT ?? 8820);
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const ROUNDS = 8;

/** `wrangler deploy --dry-run` of a tree: the working tree, or a commit exported beside it. */
function bundle(tree: string | null, outdir: string): void {
  let cwd = root;
  if (tree) {
    cwd = mkdtempSync(join(tmpdir(), "openapi-bench-base-"));
    execFileSync("sh", ["-c", `git archive ${tree} | tar -x -C ${cwd}`], { cwd: root });
    symlinkSync(join(root, "node_modules"), join(cwd, "node_modules"));
  }
  buildBundle(outdir, cwd);
  if (tree) rmSync(cwd, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const ref = process.env.BASE_REF ?? "main";
  const cleanup: (() => unknown)[] = [];
  try {
    const token = randomBytes(16).toString("hex");
    const store = await startUpstashLocal({ token, redisUrl, port: firstPort });
    cleanup.push(() => store.close());
    const prefix = `bench-openapi-${randomBytes(4).toString("hex")}`;
    const redis = new Redis({ url: store.url, token, automaticDeserialization: false, responseEncoding: false, enableTelemetry: false });
    cleanup.push(async () => {
      const leftovers = await redis.keys(`${prefix}:*`);
      if (leftovers.length) await redis.del(...leftovers);
    });
    const cat = catalogue(5, 5, 5);
    await publishVersion(redis, cat, { prefix });
    const fields = Object.entries(cat.cities).flatMap(([city, stores]) => stores.flatMap((s) => cat.products.map((p) => `${city}/${s}/${p}`)));
    const compatibilityDate = bundleCompatibilityDate();

    const workers = [{ name: `before (${execFileSync("git", ["rev-parse", "--short", ref], { cwd: root }).toString().trim()})`, tree: ref }, { name: "with schema validation", tree: null }].map((w, i) => {
      const work = mkdtempSync(join(tmpdir(), "openapi-bench-"));
      cleanup.push(() => rmSync(work, { recursive: true, force: true }));
      bundle(w.tree, work);
      for (const file of ["cache-service.js", "hello.js", "rate-limit-binding.js"]) copyFileSync(join(root, "bench/edge", file), join(work, file));
      const port = firstPort + 1 + i * 2;
      writeFileSync(join(work, "config.capnp"), workerdConfig({
        bundle: "index.js", cacheService: "cache-service.js", hello: "hello.js", compatibilityDate,
        rateLimit: { module: "rate-limit-binding.js", limit: 1_000_000, period: 60 },
        bindings: { UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token, KEY_PREFIX: prefix, RATE_LIMIT: "1000000", RATE_LIMIT_WINDOW: "60", REQUEST_LOG: "off" },
        variants: [{ name: "forecast", port, env: {} }], helloPort: port + 1,
      }));
      const workerd = spawn(join(root, "node_modules/.bin/workerd"), ["serve", join(work, "config.capnp")], { stdio: "ignore" });
      cleanup.push(() => workerd.kill("SIGTERM"));
      return { ...w, origin: `http://127.0.0.1:${port}`, pid: workerd.pid!, cpu: 0, slices: [] as LoadResult[] };
    });

    const path = (i: number) => `/v1/forecast/${fields[i % fields.length]}?h=30`;
    const headers = { "accept-encoding": "gzip" };
    for (const worker of workers) {
      await untilHealthy(worker.origin);
      for (let i = 0; i < fields.length; i++) {
        const answer = await sampleAnswer(worker.origin, path(i), headers);
        if (answer.status !== 200) throw new Error(`${worker.name}: ${path(i)} answered ${answer.status} while warming`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so neither always follows the other's load.
      for (const worker of round % 2 ? [...workers].reverse() : workers) {
        const before = cpuSeconds(worker.pid);
        worker.slices.push(await runLoad({ origin: worker.origin, path, headers, concurrency, durationSeconds: seconds / ROUNDS / 2 }));
        worker.cpu += cpuSeconds(worker.pid) - before;
      }
    }
    const load = execFileSync("uptime").toString().trim();
    console.log(`\nSeries memory hit, h=30, ${concurrency} keep-alive connections, ${seconds} s in ${ROUNDS} alternating slices per bundle, request logs off; ${load}\n`);
    console.log("| bundle | req/s | workerd CPU µs/request | p50 ms | p99 ms | errors |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
    const perRequest = workers.map((w) => (w.cpu * 1e6) / w.slices.reduce((sum, r) => sum + r.requests, 0));
    workers.forEach((w, i) => {
      const mean = (pick: (r: LoadResult) => number) => w.slices.reduce((sum, r) => sum + pick(r), 0) / w.slices.length;
      console.log(`| ${w.name} | ${mean((r) => r.requestsPerSecond).toFixed(0)} | ${perRequest[i]!.toFixed(0)} | ${mean((r) => r.p50Ms).toFixed(2)} | ${mean((r) => r.p99Ms).toFixed(2)} | ${w.slices.reduce((s, r) => s + r.errors, 0)} |`);
    });
    console.log(`\nCPU per request, with / before: ${(perRequest[1]! / perRequest[0]!).toFixed(3)}`);
  } finally {
    for (const step of cleanup.reverse()) await step();
  }
}

await main();
