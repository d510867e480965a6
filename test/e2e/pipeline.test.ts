// End to end: seed → train → publish → read through the Worker (workerd under
// `wrangler dev`), and a trainer killed half way through its publish or inside its commit.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeStored } from "../../edge/contract/codec.ts";
import { keys, seriesField } from "../../edge/contract/keys.ts";
import type { StepPayload } from "../../edge/contract/shape.ts";
import { loadConfig } from "../../trainer/config.ts";
import { createLogger } from "../../trainer/log.ts";
import { runCycle, type CycleSummary } from "../../trainer/run/cycle.ts";
import { seedDemo } from "../../trainer/seed/load.ts";
import { freePort, startWranglerDev, type WorkerProcess } from "../../scripts/wrangler-dev.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { isolatedStore, type TestStore } from "../support/store.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const END = "2025-03-31";
let database: TestDatabase;
let store: TestStore;
let worker: WorkerProcess;
let trained: CycleSummary;
let env: Record<string, string>;

beforeAll(async () => {
  [database, store] = await Promise.all([isolatedDatabase(), isolatedStore()]);
  await seedDemo(database.sql, { cities: 2, stores: 2, products: 3, days: 120, end: END, seed: 11 });
  env = {
    DATABASE_URL: database.url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: store.token,
    KEY_PREFIX: store.prefix, HISTORY_DAYS: "90", HOLDOUT_DAYS: "14", FIT_THREADS: "2",
  };
  trained = await runCycle(loadConfig(env, { needsStore: true }), { sql: database.sql, db: database.db, redis: store.redis, log: createLogger("silent") });
  worker = await startWranglerDev({
    port: await freePort(),
    vars: { UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: store.token, KEY_PREFIX: store.prefix },
  });
}, 240_000);

afterAll(async () => {
  await worker?.close();
  await Promise.all([database?.close(), store?.close()]);
});

/** The stored payload as its JSON says (shape 2: what a single-series answer passes through). */
async function stored(version: string, h: 7 | 30 | 60, field: string): Promise<StepPayload> {
  const text = await store.redis.hget<string>(keys(store.prefix).horizon(version, h), field);
  return decodeStored<StepPayload>(text!);
}

describe("seed → train → publish → Worker", () => {
  it("serves each series exactly as the trainer stored it", async () => {
    for (const [city, shop, product] of [["berlin", "berlin-central", "sparkling-water"], ["lisbon", "lisbon-north", "sunscreen"]]) {
      for (const h of [7, 30, 60] as const) {
        const res = await fetch(`${worker.url}/v1/forecast/${city}/${shop}/${product}?h=${h}`, { headers: { "Accept-Encoding": "gzip" } });
        expect(res.status).toBe(200);
        const body = (await res.json()) as StepPayload;
        expect(body).toEqual(await stored(trained.version, h, seriesField(city, shop, product)));
        expect(body.point).toHaveLength(h);
        expect(res.headers.get("X-Forecast-Version")).toBe(trained.version);
      }
    }
  });

  it("serves the whole grid in one response with the same numbers", async () => {
    const res = await fetch(`${worker.url}/v1/forecast?city=*&store=*&product=*&h=7`);
    expect(res.status).toBe(200);
    const grid = (await res.json()) as { version: string; series: (StepPayload & { city: string; store: string; product: string })[]; missing: string[] };
    expect(grid.version).toBe(trained.version);
    expect(grid.series).toHaveLength(12);
    expect(grid.missing).toEqual([]);
    for (const s of grid.series) {
      // A grid entry names its series, then carries the payload as stored.
      const { city, store: shop, product, ...payload } = s;
      expect(payload).toEqual(await stored(trained.version, 7, seriesField(city, shop, product)));
    }
  });

  it("keeps readers on the old version when a trainer is killed half way through its publish", async () => {
    const k = keys(store.prefix);
    const child = spawn(process.execPath, ["--import", "tsx", "trainer/cli.ts", "run"], {
      cwd: ROOT,
      // MODEL_MAX_AGE_HOURS=0: refit the unchanged grid, so the publish is slow enough to be caught half way.
      env: { ...process.env, ...env, PUBLISH_CHUNK: "1", FIT_THREADS: "1", LOG_LEVEL: "silent", MODEL_MAX_AGE_HOURS: "0" },
      stdio: "ignore",
    });
    // Wait until the new version has started to land in the store, then kill -9.
    const ownH7 = new RegExp(`^${store.prefix}:v:[^:]+:h7$`);
    let staged: string[] = [];
    const deadline = Date.now() + 120_000;
    while (staged.length === 0 && Date.now() < deadline && child.exitCode === null) {
      // The glob also matches a version's Prophet horizons (v:<version>:prophet:h7): only its own h7 counts.
      staged = (await store.redis.keys(`${store.prefix}:v:*:h7`)).filter((key) => ownH7.test(key) && !key.includes(trained.version));
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(staged.length, "the killed run never started publishing").toBe(1);

    const partial = staged[0];
    expect(await store.redis.hlen(partial)).toBeLessThan(12);
    expect(await store.redis.get(k.live)).toBe(trained.version);
    // Staged keys expire on their own: nothing of the dead run stays for good.
    expect(await store.redis.ttl(partial)).toBeGreaterThan(0);

    const res = await fetch(`${worker.url}/v1/forecast/berlin/berlin-central/sparkling-water?h=7`);
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Forecast-Version")).toBe(trained.version);
    const [run] = await database.sql`select status from training_run where version = ${partial.split(":")[2]}`;
    expect(run.status).toBe("running");
  }, 180_000);

  it("keeps readers on the old version when a trainer is killed inside its commit, every series already staged", async () => {
    const k = keys(store.prefix);
    // On the embedded PGlite every client shares one session, so the trainer killed by the test before this one
    // leaves its session lock held until the server restarts; release it as a restart would (a no-op on Postgres).
    await database.sql`select pg_advisory_unlock_all()`;
    const horizon7 = new RegExp(`^${store.prefix}:v:([^:]+):h7$`);
    // The trainer reaches the store through a pass-through that never answers its commit's first check
    // (HLEN of the new version's horizons, sent once everything is written): it is killed right there.
    let committing: (version: string) => void;
    const inCommit = new Promise<string>((resolve) => (committing = resolve));
    const proxy = await passThrough(store.url, (command) => {
      const match = String(command[0]).toLowerCase() === "hlen" ? horizon7.exec(String(command[1])) : null;
      if (match && match[1] !== trained.version) committing(match[1]);
      return match !== null && match[1] !== trained.version;
    });
    const child = spawn(process.execPath, ["--import", "tsx", "trainer/cli.ts", "run"], {
      cwd: ROOT,
      env: { ...process.env, ...env, UPSTASH_REDIS_REST_URL: proxy.url, FIT_THREADS: "1", LOG_LEVEL: "silent", MODEL_MAX_AGE_HOURS: "0" },
      stdio: "ignore",
    });
    try {
      const version = await Promise.race([inCommit, new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`trainer exited ${code} before its commit`))))]);
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));

      for (const h of [7, 30, 60] as const) expect(await store.redis.hlen(k.horizon(version, h))).toBe(12);
      expect(await store.redis.exists(k.manifest(version))).toBe(0);
      expect(await store.redis.get(k.live)).toBe(trained.version);
      expect(await store.redis.zrange(k.versions, 0, -1)).not.toContain(version);
      expect(await store.redis.ttl(k.horizon(version, 7))).toBeGreaterThan(0);
      const res = await fetch(`${worker.url}/v1/forecast/lisbon/lisbon-north/sunscreen?h=30`);
      expect(res.status).toBe(200);
      expect(res.headers.get("X-Forecast-Version")).toBe(trained.version);
      const [run] = await database.sql`select status from training_run where version = ${version}`;
      expect(run.status).toBe("running");
    } finally {
      child.kill("SIGKILL");
      await proxy.close();
    }
  }, 180_000);

  it("answers an unknown series with 404 and the one error shape", async () => {
    const res = await fetch(`${worker.url}/v1/forecast/berlin/berlin-central/no-such-product?h=7`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("series_not_found");
    expect(body.error.message).toMatch(/no-such-product/);
  });
});

/** An HTTP pass-through to the store that leaves unanswered every request (command or pipeline) with a command `hold` picks. */
async function passThrough(target: string, hold: (command: unknown[]) => boolean): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (req.url === "/" || req.url === "/pipeline") {
      const parsed = JSON.parse(body.toString() || "[]") as unknown[];
      const commands = (req.url === "/" ? [parsed] : parsed) as unknown[][];
      if (commands.some((command) => Array.isArray(command) && hold(command))) return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !["host", "content-length", "connection"].includes(name))) as Record<string, string>;
    const upstream = await fetch(new URL(req.url!, target), { method: req.method, headers, body: req.method === "POST" ? body : undefined });
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
