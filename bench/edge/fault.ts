// Fault run: the bundled Worker under `workerd serve` takes grid load for
// FAULT_SECONDS (default 60) while the store endpoint is stopped at a third
// of the run and restarted at two thirds, on the same port. Reports
// responses by status and staleness per phase, and the seconds from the
// restart until fresh reads resume: the first never-cached grid answered 200
// (the store is read again) and the last answer marked stale-if-error.
// Loopback only; about 90 s.
//   npx tsx bench/edge/fault.ts        (FAULT_SECONDS=60 BENCH_CONCURRENCY=8 REDIS_URL=redis://127.0.0.1:6379)
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "@upstash/redis";
import { Pool } from "undici";
import { benchPort } from "./ports.ts";
import { startUpstashLocal, type UpstashLocal } from "../../upstash-local/server.ts";
import { catalogue, publishVersion } from "../../test/edge/publish.ts";
import { buildBundle, bundleCompatibilityDate, untilHealthy } from "./bundle.ts";
import { serveBundle } from "./serve-bundle.ts";

const totalSeconds = Number(process.env.FAULT_SECONDS ?? 60);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
/** Share of requests for grids never asked before: they need the store. */
const COLD_SHARE = 0.1;

type Phase = "before" | "down" | "after";
interface Tally {
  statuses: Record<string, number>;
  stale: Record<string, number>;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "edge-fault-"));
  const cleanup: (() => Promise<void> | void)[] = [() => rmSync(work, { recursive: true, force: true })];
  try {
    buildBundle(work);
    const compatibilityDate = bundleCompatibilityDate();

    const token = randomBytes(16).toString("hex");
    const storePort = await benchPort();
    let store: UpstashLocal | null = await startUpstashLocal({ token, redisUrl, port: storePort });
    cleanup.push(async () => {
      await store?.close();
    });
    const prefix = `fault-${randomBytes(4).toString("hex")}`;
    const redis = new Redis({ url: store.url, token, automaticDeserialization: false, responseEncoding: false, enableTelemetry: false });
    cleanup.push(async () => {
      store ??= await startUpstashLocal({ token, redisUrl, port: storePort });
      const leftovers = await redis.keys(`${prefix}:*`);
      if (leftovers.length) await redis.del(...leftovers);
    });
    const cat = catalogue(5, 5, 5);
    await publishVersion(redis, cat, { prefix });

    // Production defaults except the rate limit (one client address here), a short store timeout, and a
    // revalidate window shorter than the outage, so that both stale paths are taken.
    const worker = await serveBundle(work, {
      compatibilityDate,
      bindings: { UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token, KEY_PREFIX: prefix, RATE_LIMIT: "0", STORE_TIMEOUT_MS: "500", STALE_WHILE_REVALIDATE: "5", REQUEST_LOG: "off" },
    });
    cleanup.push(worker.stop);
    const { origin } = worker;
    await untilHealthy(origin);

    // Warm grids: one per city and per product, cached before the run.
    const stores = Object.values(cat.cities).flat();
    const warm = [...Object.keys(cat.cities).map((c) => `city=${c}&store=*&product=*`), ...cat.products.map((p) => `city=*&store=*&product=${p}`)];
    for (const query of warm) await (await fetch(`${origin}/v1/forecast?${query}&h=30`, { headers: { "Accept-Encoding": "gzip" } })).arrayBuffer();
    let coldCounter = 0;
    const coldQuery = () => {
      // A store subset never asked before: a cache miss that needs the store.
      const n = ++coldCounter;
      const picked = stores.filter((_, i) => ((n * 2654435761) >>> i) & 1);
      return `city=*&store=${(picked.length ? picked : stores.slice(0, 1)).join(",")}&product=p${(n % 5) + 1}&n=${n}`;
    };

    const phases: Record<Phase, Tally> = { before: { statuses: {}, stale: {} }, down: { statuses: {}, stale: {} }, after: { statuses: {}, stale: {} } };
    const warmNon200: Record<Phase, number> = { before: 0, down: 0, after: 0 };
    let phase: Phase = "before";
    let restartedAt = 0;
    let firstColdOk = 0;
    let lastIfError = 0;
    const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
    const started = performance.now();
    const deadline = started + totalSeconds * 1000;

    const schedule = (async () => {
      await new Promise((resolve) => setTimeout(resolve, (totalSeconds * 1000) / 3));
      await store!.close();
      store = null;
      phase = "down";
      console.error(`store stopped at ${((performance.now() - started) / 1000).toFixed(1)} s`);
      await new Promise((resolve) => setTimeout(resolve, (totalSeconds * 1000) / 3));
      store = await startUpstashLocal({ token, redisUrl, port: storePort });
      restartedAt = performance.now();
      phase = "after";
      console.error(`store restarted at ${((restartedAt - started) / 1000).toFixed(1)} s`);
    })();

    let i = 0;
    async function client(): Promise<void> {
      while (performance.now() < deadline) {
        const cold = Math.random() < COLD_SHARE;
        const query = cold ? coldQuery() : warm[i++ % warm.length];
        const seen = phase;
        let status = "error";
        let stale = "fresh";
        try {
          const res = await pool.request({ path: `/v1/forecast?${query}&h=30`, method: "GET", headers: { "accept-encoding": "gzip" } });
          for await (const _ of res.body) void _;
          status = String(res.statusCode);
          stale = String(res.headers["x-forecast-stale"] ?? "fresh");
        } catch {
          status = "error";
        }
        const tally = phases[seen];
        tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
        tally.stale[stale] = (tally.stale[stale] ?? 0) + 1;
        if (!cold && status !== "200") warmNon200[seen]++;
        if (seen === "after" && cold && status === "200" && firstColdOk === 0) firstColdOk = performance.now();
        if (seen === "after" && stale === "if-error") lastIfError = performance.now();
      }
    }
    await Promise.all(Array.from({ length: concurrency }, client));
    await schedule;
    await pool.close();

    const since = (t: number) => (t === 0 ? "none" : `${((t - restartedAt) / 1000).toFixed(2)} s`);
    console.log(`\n### Fault run: store stopped and restarted under grid load (${new Date().toISOString().slice(0, 10)})\n`);
    console.log(`${totalSeconds} s of load, ${concurrency} connections, ${Math.round(COLD_SHARE * 100)}% never-cached grids; store down from ${(totalSeconds / 3).toFixed(0)} s to ${((2 * totalSeconds) / 3).toFixed(0)} s. Production defaults (POINTER_TTL=5, STALE_IF_ERROR=86400) with STALE_WHILE_REVALIDATE=5, RATE_LIMIT=0, STORE_TIMEOUT_MS=500. A few while-revalidate answers in every phase are the normal refresh after each POINTER_TTL.\n`);
    console.log("| phase | responses by status | by X-Forecast-Stale | cached grids not 200 |");
    console.log("| --- | --- | --- | ---: |");
    for (const name of ["before", "down", "after"] as Phase[]) {
      const fmt = (r: Record<string, number>) => Object.entries(r).sort().map(([k, v]) => `${k}: ${v}`).join(", ");
      console.log(`| ${name} | ${fmt(phases[name].statuses)} | ${fmt(phases[name].stale)} | ${warmNon200[name]} |`);
    }
    console.log(`\nAfter the restart: first never-cached grid answered 200 at ${since(firstColdOk)}; last stale-if-error answer at ${since(lastIfError)}.`);
  } finally {
    for (const step of cleanup.reverse()) await step();
  }
}

await main();
