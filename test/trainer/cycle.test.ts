// A whole training cycle on a small seeded grid, against real Postgres and the
// Upstash-compatible endpoint: what it records, what it publishes, and how a
// second cycle replaces the first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HORIZONS, keys, seriesField } from "../../edge/contract/keys.ts";
import { decodeStoredForecast, fieldIdentity } from "../../edge/contract/shape.ts";
import type { Manifest, SeriesPayload } from "../../edge/contract/payload.ts";
import { loadConfig, type TrainerConfig } from "../../trainer/config.ts";
import { createLogger } from "../../trainer/log.ts";
import { runCycle, type CycleSummary } from "../../trainer/run/cycle.ts";
import { seedDemo } from "../../trainer/seed/load.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { isolatedStore, type TestStore } from "../support/store.ts";

const END = "2025-06-30";
let database: TestDatabase;
let store: TestStore;
let config: TrainerConfig;
let first: CycleSummary;
let liveAfterFirst: string | null;
const log = createLogger("silent");

beforeAll(async () => {
  [database, store] = await Promise.all([isolatedDatabase(), isolatedStore()]);
  await seedDemo(database.sql, { cities: 2, stores: 1, products: 5, days: 150, end: END, seed: 7 });
  config = loadConfig({
    DATABASE_URL: database.url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: store.token,
    KEY_PREFIX: store.prefix, HISTORY_DAYS: "120", HOLDOUT_DAYS: "14", FIT_THREADS: "2", PUBLISH_CHUNK: "3",
  }, { needsStore: true });
  first = await runCycle(config, { sql: database.sql, db: database.db, redis: store.redis, log });
  // Read now: the last test publishes a second version.
  liveAfterFirst = await store.redis.get<string>(keys(store.prefix).live);
}, 180_000);

afterAll(async () => {
  await Promise.all([database?.close(), store?.close()]);
});

describe("a training cycle", () => {
  it("fits every series of the grid and reports each stage", () => {
    expect(first.series).toBe(10);
    expect(first.failed).toBe(0);
    expect(first.origin).toBe(END);
    expect(first.previous).toBeNull();
    expect(Object.values(first.models).reduce((a, b) => a + b, 0)).toBe(10);
    for (const stage of ["refresh", "profiles", "fetch", "fit", "record", "publish", "total"]) {
      expect(first.stageMs[stage], stage).toBeGreaterThanOrEqual(0);
    }
  });

  it("records the run and one result per series in Postgres", async () => {
    const [run] = await database.sql`select status, series_total, series_failed, origin::text, stage_ms from training_run where id = ${first.runId}`;
    expect(run).toMatchObject({ status: "published", series_total: 10, series_failed: 0, origin: END });
    expect(Object.keys(run.stage_ms)).toEqual(expect.arrayContaining(["refresh", "fetch", "fit", "publish"]));
    const results = await database.sql`select model, data_hash, metrics, params is not null as has_params from series_result where run_id = ${first.runId}`;
    expect(results).toHaveLength(10);
    for (const r of results) {
      expect(r.data_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(r.metrics.holdoutDays).toBe(14);
    }
    expect(results.filter((r) => r.model === "prophet" && r.has_params).length).toBeGreaterThan(0);
  });

  it("publishes every horizon of every series under the new version and moves the pointer", async () => {
    const k = keys(store.prefix);
    expect(liveAfterFirst).toBe(first.version);
    for (const h of HORIZONS) expect(await store.redis.hlen(k.horizon(first.version, h))).toBe(10);
    const stored = await store.redis.hget<string>(k.horizon(first.version, 30), seriesField("berlin", "berlin-central", "sparkling-water"));
    // Stored in shape 2; decoded with what the Worker knows from the request.
    const payload = await decodeStoredForecast(stored!, fieldIdentity(seriesField("berlin", "berlin-central", "sparkling-water"), first.version, 30));
    expect(payload).toMatchObject({ city: "berlin", store: "berlin-central", product: "sparkling-water", version: first.version, origin: END, h: 30, level: 0.8 });
    expect(payload.point).toHaveLength(30);
    payload.point.forEach((p, i) => {
      expect(payload.lower[i]).toBeLessThanOrEqual(p);
      expect(payload.upper[i]).toBeGreaterThanOrEqual(p);
      expect(payload.lower[i]).toBeGreaterThanOrEqual(0);
    });
    // The seeded level of this series is tens of units a day.
    const mean = payload.point.reduce((a, b) => a + b, 0) / 30;
    expect(mean).toBeGreaterThan(10);
    expect(mean).toBeLessThan(300);
  });

  it("writes a manifest that names the dimensions", async () => {
    const manifest = JSON.parse((await store.redis.get<string>(keys(store.prefix).manifest(first.version)))!) as Manifest;
    expect(manifest).toMatchObject({ version: first.version, runId: first.runId, origin: END, horizons: [7, 30, 60], series: 10, failed: 0 });
    expect(manifest.dimensions.cities.map((c) => c.code)).toEqual(["berlin", "lisbon"]);
    expect(manifest.dimensions.stores).toContainEqual({ code: "lisbon-central", name: "Lisbon Central", city: "lisbon" });
    expect(manifest.dimensions.products).toHaveLength(5);
    // The whole grid per horizon, JSON and binary, committed with the version for the Worker to pass through.
    expect(manifest.prebuiltGrids).toEqual([7, 30, 60].map((h) => `h${h}|city=*&store=*&product=*`));
    expect(await store.redis.hlen(keys(store.prefix).prefetch(first.version))).toBe(6);
    expect(await store.redis.ttl(keys(store.prefix).prefetch(first.version))).toBe(-1);
  });

  it("a second cycle replaces the first, which stays readable for the retention window", async () => {
    const second = await runCycle(config, { sql: database.sql, db: database.db, redis: store.redis, log });
    const k = keys(store.prefix);
    expect(second.previous).toBe(first.version);
    expect(await store.redis.get(k.live)).toBe(second.version);
    // versionKeys also names keys a version may not have (older versions' accurate variant,
    // Prophet's rollback hash where every series is Prophet): check those that exist (TTL -2: none).
    const held = async (version: string) => {
      const ttls = await Promise.all(k.versionKeys(version).map(async (key) => [key.slice(key.indexOf(version)), await store.redis.ttl(key)] as const));
      return ttls.filter(([, ttl]) => ttl !== -2);
    };
    const live = await held(second.version);
    expect(live.map(([key]) => key)).toEqual(expect.arrayContaining(["h7", "h30", "h60", "manifest"].map((s) => `${second.version}:${s}`)));
    for (const [key, ttl] of live) expect(ttl, key).toBe(-1);
    const retired = await held(first.version);
    expect(retired.map(([key]) => key.slice(first.version.length))).toEqual(live.map(([key]) => key.slice(second.version.length)));
    for (const [key, ttl] of retired) {
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(config.RETENTION_DAYS * 86_400);
    }
    expect(await store.redis.zrange(k.versions, 0, -1)).toEqual([first.version, second.version]);
    // Same data, same hashes: the next issue's unchanged-data skip relies on it.
    const hashes = await database.sql`select run_id, data_hash from series_result where run_id in (${first.runId}, ${second.runId}) order by store_id, product_id, run_id`;
    for (let i = 0; i < hashes.length; i += 2) expect(hashes[i].data_hash).toBe(hashes[i + 1].data_hash);
  }, 180_000);
});
