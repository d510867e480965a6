// The pooled model through a whole training cycle: profiles refreshed with the
// features, attached to every series, the family split in the run summary and
// the manifest; and POOLED_MODEL=off taking all of it back out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeStored } from "../../edge/contract/codec.ts";
import { keys } from "../../edge/contract/keys.ts";
import type { Manifest, SeriesPayload } from "../../edge/contract/payload.ts";
import { loadConfig } from "../../trainer/config.ts";
import { upsertCatalog } from "../../trainer/ingest/catalog.ts";
import { loadSales } from "../../trainer/ingest/sales.ts";
import { createLogger } from "../../trainer/log.ts";
import { runCycle, type CycleSummary } from "../../trainer/run/cycle.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { isolatedStore, type TestStore } from "../support/store.ts";
import { sharedShapeGrid } from "./pooled-grid.ts";

const LAST = Date.UTC(2025, 2, 30);
let database: TestDatabase;
let store: TestStore;
let pooled: CycleSummary;
let off: CycleSummary;
let profilesAfterOff: { history_days: number }[];
const log = createLogger("silent");

beforeAll(async () => {
  [database, store] = await Promise.all([isolatedDatabase(), isolatedStore()]);
  const { catalog, sales } = sharedShapeGrid({ stores: 2, products: 2, days: 500, last: LAST, level: 3, seed: 5 });
  await loadSales(database.sql, await upsertCatalog(database.sql, catalog), sales);
  const env = {
    DATABASE_URL: database.url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: store.token, KEY_PREFIX: store.prefix,
    HISTORY_DAYS: "150", HOLDOUT_DAYS: "14", FIT_THREADS: "2", PROFILE_HISTORY_DAYS: "500",
    UNCERTAINTY_SAMPLES: "100", ACCURATE_UNCERTAINTY_SAMPLES: "100",
  };
  pooled = await runCycle(loadConfig(env, { needsStore: true }), { sql: database.sql, db: database.db, redis: store.redis, log });
  // Off: a changed profile window must not be applied (no refresh), and no series may get the pooled model.
  await database.sql`update profile_settings set history_days = 400`;
  off = await runCycle(loadConfig({ ...env, POOLED_MODEL: "off", ACCURATE_VARIANT: "false" }, { needsStore: true }), { sql: database.sql, db: database.db, redis: store.redis, log });
  profilesAfterOff = [...await database.sql<{ history_days: number }[]>`select history_days from seasonal_profiles where level = 'global'`];
}, 180_000);

afterAll(async () => {
  await Promise.all([database?.close(), store?.close()]);
});

describe("a cycle with pooled seasonal profiles", () => {
  it("selects the pooled model for the grid's noisy series and reports the family split", () => {
    expect(pooled.series).toBe(4);
    expect(pooled.failed).toBe(0);
    expect(pooled.families.pooled).toBeGreaterThanOrEqual(3);
    expect(Object.values(pooled.families).reduce((a, b) => a + b, 0)).toBe(4);
    expect(pooled.models.pooled).toBe(pooled.families.pooled);
  });

  it("publishes the split in the manifest", async () => {
    const manifest = JSON.parse((await store.redis.get<string>(keys(store.prefix).manifest(pooled.version)))!) as Manifest;
    expect(manifest.families).toEqual(pooled.families);
  });

  it("lets the accurate variant choose the pooled model too, alone or in its ensemble", async () => {
    const key = keys(store.prefix).accurateHorizon(pooled.version, 60);
    const fields = await store.redis.hkeys(key);
    const payloads = await Promise.all(fields.map(async (field) => decodeStored<SeriesPayload>((await store.redis.hget<string>(key, field))!)));
    expect(payloads).toHaveLength(4);
    const withPooled = payloads.filter((p) => p.model === "pooled" || /^ensemble:(pooled\+|.*\+pooled$)/.test(p.model));
    expect(withPooled.length).toBeGreaterThanOrEqual(3);
  });

  it("with POOLED_MODEL=off leaves the profiles unrefreshed and refits unchanged series without the pooled model", () => {
    expect(off.failed).toBe(0);
    expect(off.families.pooled).toBeUndefined();
    expect(off.models.pooled).toBeUndefined();
    expect(profilesAfterOff).toEqual([{ history_days: 500 }]);
  });
});
