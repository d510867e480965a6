// Explorer page benchmark: a 5×5×5 version with 90 days of history per series
// in the project's Upstash-compatible endpoint (in-process, or the Redis at
// REDIS_URL), the Worker under `wrangler dev` (it serves the static assets;
// the API's own throughput is bench/edge's business), and Chromium (scripts/chromium.ts)
// loading the page with a fresh profile each time (a first visit). Reports, per load: time to the
// first chart and to the grid (performance marks the page sets), bytes over
// the wire, and the time a horizon switch takes to redraw. About 40 s.
//   npx tsx bench/explorer.ts            (BENCH_LOADS=10)
import { randomBytes } from "node:crypto";
import { Redis } from "@upstash/redis";
import { encodeStored } from "../edge/contract/codec.ts";
import { keys, seriesField } from "../edge/contract/keys.ts";
import { launchChromium } from "../scripts/chromium.ts";
import { freePort, startWranglerDev } from "../scripts/wrangler-dev.ts";
import { catalogue, publishVersion } from "../test/edge/publish.ts";
import { startUpstashLocal } from "../upstash-local/server.ts";

const loads = Number(process.env.BENCH_LOADS ?? 10);
const token = randomBytes(12).toString("hex");
const prefix = `bench-explorer-${randomBytes(3).toString("hex")}`;

const store = await startUpstashLocal({ token, redisUrl: process.env.REDIS_URL });
const redis = new Redis({ url: store.url, token, automaticDeserialization: false, responseEncoding: false, enableTelemetry: false });
const grid = catalogue(5, 5, 5);
const { version, manifest } = await publishVersion(redis, grid, { prefix });
const histories: Record<string, string> = {};
for (const [city, stores] of Object.entries(grid.cities)) {
  for (const shop of stores) {
    for (const product of grid.products) {
      const units = Array.from({ length: 90 }, (_, i) => Math.round((20 + 8 * Math.sin(i / 1.1) + (i % 7)) * 1000) / 1000);
      histories[seriesField(city, shop, product)] = await encodeStored({
        city, store: shop, product, version, start: "2026-08-03", units, model: "prophet",
        backtest: { mase: 0.5 + (units[0] % 1), smape: 20, wape: 0.2, coverage: 0.8, holdoutDays: 30 },
      });
    }
  }
}
await redis.hset(keys(prefix).history(version), histories);
await redis.set(keys(prefix).manifest(version), JSON.stringify({ ...manifest, historyDays: 90 }));

const worker = await startWranglerDev({ port: await freePort(), vars: { UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token, KEY_PREFIX: prefix } });
const rows: { chart: number; grid: number; bytes: number; requests: number; horizon: number }[] = [];
try {
  for (let i = 0; i < loads; i++) {
    // A fresh profile per load: nothing cached, as for a first visit.
    const browser = await launchChromium({ viewport: { width: 1000, height: 900 } });
    const page = await browser.context.newPage();
    await page.goto(`${worker.url}/explorer/#city=c3&store=s12&product=p4&h=30`);
    await page.waitForFunction(() => performance.getEntriesByName("explorer:grid-drawn").length > 0 && performance.getEntriesByName("explorer:chart-drawn").length > 0);
    const first = await page.evaluate(() => {
      const resources = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
      const navigation = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      return {
        chart: performance.getEntriesByName("explorer:chart-drawn")[0].startTime,
        grid: performance.getEntriesByName("explorer:grid-drawn")[0].startTime,
        bytes: navigation.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
        requests: resources.length + 1,
      };
    });
    const horizon = await page.evaluate(async () => {
      const drawn = performance.getEntriesByName("explorer:chart-drawn").length;
      const started = performance.now();
      document.querySelector<HTMLInputElement>("input[name=h][value='60']")!.click();
      while (performance.getEntriesByName("explorer:chart-drawn").length === drawn) await new Promise((r) => setTimeout(r, 1));
      return performance.now() - started;
    });
    rows.push({ ...first, horizon });
    await browser.close();
  }
} finally {
  await worker.close();
  const leftovers = await redis.keys(`${prefix}:*`);
  if (leftovers.length) await redis.del(...leftovers);
  await store.close();
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const max = (values: number[]) => Math.max(...values);
const ms = (v: number) => `${Math.round(v)} ms`;
console.log(`explorer, 5×5×5 grid with 90 days of history, ${loads} first visits (fresh profile each), store ${process.env.REDIS_URL ? "over Redis" : "in-process"}\n`);
console.log("| measure | median | worst |");
console.log("| --- | ---: | ---: |");
console.log(`| first chart drawn (from navigation start) | ${ms(median(rows.map((r) => r.chart)))} | ${ms(max(rows.map((r) => r.chart)))} |`);
console.log(`| grid drawn | ${ms(median(rows.map((r) => r.grid)))} | ${ms(max(rows.map((r) => r.grid)))} |`);
console.log(`| horizon switch to redrawn chart | ${ms(median(rows.map((r) => r.horizon)))} | ${ms(max(rows.map((r) => r.horizon)))} |`);
console.log(`| bytes over the wire (${rows[0].requests} requests) | ${Math.round(median(rows.map((r) => r.bytes)) / 1024)} KB | ${Math.round(max(rows.map((r) => r.bytes)) / 1024)} KB |`);
process.exit(0);
