// Where a request's JavaScript time goes: serves the bundled Worker under
// `workerd serve` with the inspector on (the defaults of bench/edge/run.ts,
// same seeded 5×5×5 store), loads one scenario with autocannon while V8's
// CPU profiler samples, and prints the functions with the most self time,
// in µs per request. The inspector slows every call a little; read the
// shares, not the totals. Time spent in the runtime outside JavaScript
// (HTTP parsing, writing the answer) shows as "(program)" or "(idle)".
//   npx tsx bench/edge/profile.ts [series|grid|grid-miss]   (BENCH_SECONDS=8, BENCH_PORTS as for run.ts)
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "@upstash/redis";
import { startUpstashLocal } from "../../upstash-local/server.ts";
import { catalogue, publishVersion } from "../../test/edge/publish.ts";
import { keys } from "../../edge/contract/keys.ts";
import { publishPrefetch } from "../../trainer/publish/prefetch.ts";
import { buildBundle, bundleCompatibilityDate, untilHealthy } from "./bundle.ts";
import { benchPort } from "./ports.ts";
import { runLoad, sampleAnswer } from "./load.ts";
import { workerdConfig } from "./workerd-config.ts";

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount: number; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const root = fileURLToPath(new URL("../../", import.meta.url));
const here = fileURLToPath(new URL(".", import.meta.url));
const scenario = process.argv[2] ?? "series";
const seconds = Number(process.env.BENCH_SECONDS ?? 8);

/** One DevTools-protocol session over the inspector's WebSocket. */
async function inspector(url: string): Promise<(method: string, params?: object) => Promise<any>> {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => { socket.onopen = resolve; socket.onerror = reject; });
  let id = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  };
  return (method, params = {}) => new Promise((resolve) => {
    waiting.set(++id, resolve);
    socket.send(JSON.stringify({ id, method, params }));
  });
}

const work = mkdtempSync(join(tmpdir(), "edge-profile-"));
const token = randomBytes(16).toString("hex");
const store = await startUpstashLocal({ token, redisUrl: process.env.REDIS_URL || "redis://127.0.0.1:6379", port: await benchPort() });
const prefix = `bench-${randomBytes(4).toString("hex")}`;
const redis = new Redis({ url: store.url, token, automaticDeserialization: false, responseEncoding: false, enableTelemetry: false });
let workerd: ReturnType<typeof spawn> | undefined;
try {
  buildBundle(work);
  const cat = catalogue(5, 5, 5);
  const { version, manifest } = await publishVersion(redis, cat, { prefix });
  const { grids } = await publishPrefetch(redis, { prefix, version, manifest, topN: 20, ttlSeconds: 3600 });
  await redis.set(keys(prefix).manifest(version), JSON.stringify({ ...manifest, prebuiltGrids: grids }));
  for (const file of ["cache-service.js", "hello.js", "rate-limit-binding.js"]) copyFileSync(join(here, file), join(work, file));
  const port = await benchPort();
  const inspectorPort = await benchPort();
  writeFileSync(join(work, "config.capnp"), workerdConfig({
    bundle: "index.js", cacheService: "cache-service.js", hello: "hello.js", compatibilityDate: bundleCompatibilityDate(),
    rateLimit: { module: "rate-limit-binding.js", limit: 1_000_000, period: 60 },
    bindings: { UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: token, KEY_PREFIX: prefix, RATE_LIMIT: "1000000", RATE_LIMIT_WINDOW: "60" },
    variants: [{ name: "defaults", port, env: scenario === "grid-miss" ? { EDGE_CACHE: "off" } : {} }], helloPort: await benchPort(),
  }));
  workerd = spawn(join(root, "node_modules/.bin/workerd"), ["serve", "--verbose", "-i", `127.0.0.1:${inspectorPort}`, join(work, "config.capnp")], { stdio: ["ignore", "ignore", "ignore"] });
  const origin = `http://127.0.0.1:${port}`;
  await untilHealthy(origin);
  const fields = Object.entries(cat.cities).flatMap(([city, stores]) => stores.flatMap((s) => cat.products.map((p) => `${city}/${s}/${p}`)));
  const path = scenario === "series" ? (i: number) => `/v1/forecast/${fields[i % fields.length]}?h=30` : () => "/v1/forecast?city=*&store=*&product=*&h=30";
  const headers = { "accept-encoding": "gzip" };
  for (let i = 0; i < fields.length; i++) await sampleAnswer(origin, path(i), headers);

  const send = await inspector(`ws://127.0.0.1:${inspectorPort}/forecast-defaults`);
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 50 });
  await send("Profiler.start");
  const load = await runLoad({ origin, path, headers, concurrency: 16, durationSeconds: seconds });
  const { profile } = (await send("Profiler.stop")) as { profile: Profile };

  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (node: ProfileNode) => {
    const frame = node.callFrame;
    return `${frame.functionName || "(anonymous)"} ${frame.url ? `${frame.url.split("/").at(-1)}:${frame.lineNumber + 1}` : ""}`.trim();
  };
  const self = new Map<string, number>();
  profile.samples.forEach((sample, i) => {
    const node = byNode.get(sample)!;
    // The runtime's own functions have no script: name them by their caller.
    const caller = node.callFrame.url ? undefined : byNode.get(parent.get(node.id) ?? -1);
    const name = caller && caller.callFrame.url ? `${label(node)} ← ${label(caller)}` : label(node);
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const busy = [...self].filter(([name]) => name !== "(idle)");
  const total = busy.reduce((sum, [, us]) => sum + us, 0);
  console.log(`${scenario}: ${load.requests} requests, ${(load.requestsPerSecond).toFixed(0)} req/s under the profiler; sampled busy time ${(total / load.requests).toFixed(1)} µs per request\n`);
  console.log("| function | µs per request | share |\n| --- | ---: | ---: |");
  for (const [name, us] of busy.sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 40))) {
    console.log(`| ${name} | ${(us / load.requests).toFixed(2)} | ${((100 * us) / total).toFixed(1)}% |`);
  }
} finally {
  workerd?.kill("SIGTERM");
  const leftovers = await redis.keys(`${prefix}:*`);
  if (leftovers.length) await redis.del(...leftovers);
  await store.close();
  rmSync(work, { recursive: true, force: true });
}
