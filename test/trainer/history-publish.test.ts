// The history published with each version for the explorer: the last
// PUBLISHED_HISTORY_DAYS actuals per series and its backtest accuracy, written
// through the same staged publish as the forecasts, and nothing when off.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeStored, encodeStored } from "../../edge/contract/codec.ts";
import { keys } from "../../edge/contract/keys.ts";
import type { Manifest, SeriesHistory } from "../../edge/contract/payload.ts";
import { loadConfig } from "../../trainer/config.ts";
import { createLogger } from "../../trainer/log.ts";
import { encodeHistory } from "../../trainer/publish/payloads.ts";
import { PublishError, VersionWriter } from "../../trainer/publish/version-writer.ts";
import { runCycle, type CycleSummary } from "../../trainer/run/cycle.ts";
import { seedDemo } from "../../trainer/seed/load.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { isolatedStore, type TestStore } from "../support/store.ts";

const END = "2025-05-31";
let database: TestDatabase;
let store: TestStore;
let env: Record<string, string>;
let trained: CycleSummary;
const log = createLogger("silent");

beforeAll(async () => {
  [database, store] = await Promise.all([isolatedDatabase(), isolatedStore()]);
  await seedDemo(database.sql, { cities: 1, stores: 1, products: 3, days: 120, end: END, seed: 5 });
  env = {
    DATABASE_URL: database.url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: store.token,
    KEY_PREFIX: store.prefix, HISTORY_DAYS: "100", HOLDOUT_DAYS: "14", FIT_THREADS: "2", PUBLISH_CHUNK: "2",
  };
  trained = await runCycle(loadConfig(env, { needsStore: true }), { sql: database.sql, db: database.db, redis: store.redis, log });
}, 180_000);

afterAll(async () => {
  await Promise.all([database?.close(), store?.close()]);
});

async function publishedHistory(version: string): Promise<Map<string, SeriesHistory>> {
  const key = keys(store.prefix).history(version);
  const fields = await store.redis.hkeys(key);
  const entries = await Promise.all(fields.map(async (field) => [field, await decodeStored<SeriesHistory>((await store.redis.hget<string>(key, field))!)] as const));
  return new Map(entries);
}

describe("history published with a version", () => {
  it("holds the last 90 days of actuals of every series, ending at the origin", async () => {
    const history = await publishedHistory(trained.version);
    expect(history.size).toBe(3);
    const sales = await database.sql<{ field: string; day: string; units: string }[]>`
      select c.code || '/' || s.code || '/' || p.code as field, sa.day::text as day, sa.units
      from sales sa join store s on s.id = sa.store_id join city c on c.id = s.city_id join product p on p.id = sa.product_id
      where sa.day > ${END}::date - 90`;
    for (const [field, series] of history) {
      expect(series).toMatchObject({ version: trained.version, start: "2025-03-03" });
      expect(`${series.city}/${series.store}/${series.product}`).toBe(field);
      expect(series.units).toHaveLength(90);
      // Days without a sales row are days without demand.
      const byDay = new Map(sales.filter((row) => row.field === field).map((row) => [row.day, Number(row.units)]));
      const expected = Array.from({ length: 90 }, (_, i) => byDay.get(new Date(Date.parse("2025-03-03") + i * 86_400_000).toISOString().slice(0, 10)) ?? 0);
      expect(series.units).toEqual(expected);
    }
  });

  it("carries each series' model and the backtest accuracy recorded in Postgres", async () => {
    const history = await publishedHistory(trained.version);
    const results = await database.sql<{ field: string; model: string; metrics: Record<string, number | null> }[]>`
      select c.code || '/' || s.code || '/' || p.code as field, r.model, r.metrics
      from series_result r join store s on s.id = r.store_id join city c on c.id = s.city_id join product p on p.id = r.product_id
      where r.run_id = ${trained.runId}`;
    expect(results).toHaveLength(3);
    for (const result of results) {
      const series = history.get(result.field)!;
      expect(series.model).toBe(result.model);
      expect(series.backtest).toEqual(result.metrics);
      expect(series.backtest!.holdoutDays).toBe(14);
    }
    const manifest = JSON.parse((await store.redis.get<string>(keys(store.prefix).manifest(trained.version)))!) as Manifest;
    expect(manifest.historyDays).toBe(90);
    expect(await store.redis.ttl(keys(store.prefix).history(trained.version))).toBe(-1);
  });

  it("publishes none with PUBLISHED_HISTORY_DAYS=0, and the forecasts as before", async () => {
    const off = await runCycle(loadConfig({ ...env, PUBLISHED_HISTORY_DAYS: "0" }, { needsStore: true }), { sql: database.sql, db: database.db, redis: store.redis, log });
    const k = keys(store.prefix);
    expect(await store.redis.exists(k.history(off.version))).toBe(0);
    expect(await store.redis.hlen(k.horizon(off.version, 7))).toBe(3);
    const manifest = JSON.parse((await store.redis.get<string>(k.manifest(off.version)))!) as Manifest;
    expect(manifest.historyDays).toBe(0);
    // The previous version's history now expires with the rest of that version.
    expect(await store.redis.ttl(k.history(trained.version))).toBeGreaterThan(0);
  }, 120_000);

  it("keeps fewer days than asked when the series is shorter, starting on the right day", async () => {
    const encoded = await encodeHistory(
      { city: "c", store: "s", product: "p", model: "prophet", start: "2025-01-30", units: [1, 2, 3.33333], backtest: null },
      { version: "20250101T000000Z-abcd", days: 2 },
    );
    expect(await decodeStored<SeriesHistory>(encoded)).toMatchObject({ start: "2025-01-31", units: [2, 3.333], backtest: null });
  });
});

describe("the staged publish with history", () => {
  it("refuses to move the pointer when the history hash lost a series", async () => {
    const k = keys(store.prefix);
    const live = await store.redis.get<string>(k.live);
    const version = "20250601T000000Z-hist";
    const writer = new VersionWriter(store.redis, { prefix: store.prefix, version, chunkSize: 10, retentionSeconds: 60 });
    const forecast = await encodeStored({ point: [1] });
    const horizons = { 7: forecast, 30: forecast, 60: forecast };
    await writer.add("c", "s", "p1", horizons, await encodeStored({ units: [1] }));
    await writer.add("c", "s", "p2", horizons, await encodeStored({ units: [2] }));
    await writer.flush();
    await store.redis.hdel(k.history(version), "c/s/p2");
    const manifest = JSON.parse((await store.redis.get<string>(k.manifest(trained.version)))!) as Manifest;
    await expect(writer.commit({ ...manifest, version })).rejects.toThrow(PublishError);
    await expect(writer.commit({ ...manifest, version })).rejects.toThrow(/history holds 1 of 2 series/);
    expect(await store.redis.get(k.live)).toBe(live);
  });
});
