// The pooled model through a whole training cycle: profiles refreshed with the
// features, attached to every series, the family split in the run summary and
// the manifest; and POOLED_MODEL=off taking all of it back out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keys } from "../../edge/contract/keys.ts";
import type { Manifest } from "../../edge/contract/payload.ts";
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
    UNCERTAINTY_SAMPLES: "100",
  };
  pooled = await runCycle(loadConfig(env, { needsStore: true }), { sql: database.sql, db: database.db, redis: store.redis, log });
  // The view is refreshed only on request (runs read profiles as of their cut-offs): as a dashboard would, here.
  await database.sql`refresh materialized view seasonal_profiles`;
  // Off: a changed profile window must not be applied (no refresh), and no series may get the pooled model.
  await database.sql`update profile_settings set history_days = 400`;
  off = await runCycle(loadConfig({ ...env, POOLED_MODEL: "off" }, { needsStore: true }), { sql: database.sql, db: database.db, redis: store.redis, log });
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

  it("gives every fold the profile as of its cut-off and publishes an honest accuracy for the pooled series", async () => {
    const rows = await database.sql<{ model: string; metrics: { rmsse: number | null; holdoutDays: number }; params: Record<string, unknown> }[]>`
      select model, metrics, params from series_result where run_id = ${pooled.runId}`;
    const chosen = rows.filter((r) => r.model === "pooled");
    expect(chosen.length).toBeGreaterThanOrEqual(3);
    for (const r of chosen) {
      expect(r.metrics.holdoutDays).toBe(14);
      expect(r.metrics.rmsse).toBeGreaterThan(0);
      // Pooled was scored on every fold: each had a profile of its own cut-off.
      expect((r.params.$folds as Record<string, unknown[]>).pooled).toHaveLength(3);
    }
  });

  it("with POOLED_MODEL=off leaves the profiles unrefreshed and refits unchanged series without the pooled model", () => {
    expect(off.failed).toBe(0);
    expect(off.families.pooled).toBeUndefined();
    expect(off.models.pooled).toBeUndefined();
    expect(profilesAfterOff).toEqual([{ history_days: 500 }]);
  });
});
