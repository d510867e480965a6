// Model selection through a whole cycle, against real Postgres, the
// Upstash-compatible endpoint and the real models: what is recorded per
// series, what is published beside the selection, the unchanged-data skip,
// warm refits, the Prophet-only switch and the accurate variant.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeStored } from "../../edge/contract/codec.ts";
import { HORIZONS, keys, seriesField } from "../../edge/contract/keys.ts";
import { precisionStep, roundToStep, type Manifest, type SeriesPayload } from "../../edge/contract/payload.ts";
import { loadConfig } from "../../trainer/config.ts";
import { createLogger } from "../../trainer/log.ts";
import { runCycle, type CycleSummary } from "../../trainer/run/cycle.ts";
import { seedDemo } from "../../trainer/seed/load.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { isolatedStore, type TestStore } from "../support/store.ts";

const END = "2025-06-30";
let database: TestDatabase;
let store: TestStore;
let env: Record<string, string>;
let first: CycleSummary;
const log = createLogger("silent");
const cycle = (extra: Record<string, string> = {}) =>
  runCycle(loadConfig({ ...env, ...extra }, { needsStore: true }), { sql: database.sql, db: database.db, redis: store.redis, log });
const payload = async (key: string, field: string) => {
  const stored = await store.redis.hget<string>(key, field);
  return stored ? decodeStored<SeriesPayload>(stored) : null;
};
const results = (runId: number) => database.sql`
  select s.code as store, p.code as product, r.model, r.demand_class, r.scores, r.runner_up, r.settings_hash, r.fitted_at,
         r.skipped, r.outlier, r.forecast, r.prophet_forecast, r.prophet_model, r.params, r.metrics
  from series_result r join store s on s.id = r.store_id join product p on p.id = r.product_id
  where r.run_id = ${runId} order by r.store_id, r.product_id`;

beforeAll(async () => {
  [database, store] = await Promise.all([isolatedDatabase(), isolatedStore()]);
  await seedDemo(database.sql, { cities: 2, stores: 1, products: 5, days: 200, end: END, seed: 3 });
  env = {
    DATABASE_URL: database.url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: store.token,
    KEY_PREFIX: store.prefix, HISTORY_DAYS: "180", FIT_HISTORY_DAYS: "150", HOLDOUT_DAYS: "14", BACKTEST_FOLDS: "3",
    ACCURATE_FOLDS: "4", ACCURATE_UNCERTAINTY_SAMPLES: "300", FIT_THREADS: "2",
  };
  first = await cycle();
}, 180_000);

afterAll(async () => {
  await Promise.all([database?.close(), store?.close()]);
});

describe("model selection in a cycle", () => {
  it("records the class, every candidate's fold scores, the runner-up and the fit settings per series", async () => {
    const rows = await results(first.runId);
    expect(rows).toHaveLength(10);
    for (const r of rows) {
      expect(["smooth", "erratic", "intermittent", "lumpy"]).toContain(r.demand_class);
      expect(r.scores[0].model).toBe(r.model);
      expect(r.scores[0].folds).toHaveLength(3);
      expect(r.runner_up).toBe(r.scores[1].model);
      expect(r.metrics.mase).toBeCloseTo(r.scores[0].mase, 10);
      expect(r.forecast.point).toHaveLength(60);
      expect(r.skipped).toBe(false);
      expect(r.settings_hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    // The intermittent kit is tried with Croston's family; the steady sellers with Prophet.
    const kit = rows.find((r) => r.product === "bike-repair-kit")!;
    expect(["intermittent", "lumpy"]).toContain(kit.demand_class);
    expect(kit.scores.map((s: { model: string }) => s.model)).toEqual(expect.arrayContaining(["croston", "sba", "tsb", "seasonal_naive"]));
    const water = rows.find((r) => r.product === "sparkling-water")!;
    expect(water.demand_class).toBe("smooth");
    const tried = water.scores.map((s: { model: string }) => s.model);
    expect(tried).toEqual(expect.arrayContaining(["prophet", "seasonal_naive"]));
    // Multiplicative seasonality is the accurate variant's (PROPHET_MULTIPLICATIVE=accurate).
    expect(tried).not.toContain("prophet_multiplicative");
  });

  it("publishes the model and its backtest MASE per series, Prophet's forecast where the choice differs, and the run's accuracy", async () => {
    const k = keys(store.prefix);
    const rows = await results(first.runId);
    for (const r of rows) {
      const field = seriesField(r.store.split("-")[0], r.store, r.product);
      const published = (await payload(k.horizon(first.version, 30), field))!;
      expect(published.model).toBe(r.model);
      expect(published.mase).toBeCloseTo(r.metrics.mase, 3);
      const prophet = await payload(k.prophetHorizon(first.version, 30), field);
      if (r.model.startsWith("prophet")) {
        expect(prophet).toBeNull();
        expect(r.prophet_forecast).toBeNull();
      } else {
        expect(prophet!.model).toMatch(/^prophet/);
        // Rounded as every payload is, to the step its own interval sets.
        const { point, lower, upper } = r.prophet_forecast;
        expect(prophet!.step).toBe(precisionStep(lower.slice(0, 60), upper.slice(0, 60), 0.01));
        expect(prophet!.point).toEqual(roundToStep(point.slice(0, 30), prophet!.step!));
      }
    }
    const manifest = JSON.parse((await store.redis.get<string>(k.manifest(first.version)))!) as Manifest;
    const accuracy = manifest.accuracy!;
    expect(accuracy.scored).toBe(10);
    expect(accuracy.fitted).toBe(10);
    expect(accuracy.prophetAlternatives).toBe(rows.filter((r) => !r.model.startsWith("prophet")).length);
    expect(accuracy.mase).toBeGreaterThan(0);
    expect(accuracy.outlierCount).toBe(rows.filter((r) => r.outlier).length);
    expect(Object.values(accuracy.demandClasses).reduce((a, b) => a + b, 0)).toBe(10);
    const [run] = await database.sql`select accuracy from training_run where id = ${first.runId}`;
    expect(run.accuracy.scored).toBe(10);
  });

  it("publishes the accurate variant after the version, for every series, and marks it ready", async () => {
    const k = keys(store.prefix);
    for (const h of HORIZONS) expect(await store.redis.hlen(k.accurateHorizon(first.version, h))).toBe(10);
    expect(JSON.parse((await store.redis.get<string>(k.accurateReady(first.version)))!)).toMatchObject({ series: 10 });
    expect(first.stageMs.accurate).toBeGreaterThan(0);
    const accurate = (await payload(k.accurateHorizon(first.version, 60), seriesField("berlin", "berlin-central", "sparkling-water")))!;
    expect(accurate).toMatchObject({ version: first.version, h: 60, origin: END });
    expect(accurate.point).toHaveLength(60);
    const [run] = await database.sql`select accuracy from training_run where id = ${first.runId}`;
    expect(run.accuracy.accurate.scored).toBe(10);
  });

  it("skips the fit of unchanged series and republishes the last forecast, until the model is too old", async () => {
    // A cycle with the default settings first: another test may have run one with other settings since `first`.
    const base = await cycle();
    const second = await cycle();
    const [before, after] = [await results(base.runId), await results(second.runId)];
    after.forEach((r, i) => {
      expect(r.skipped).toBe(true);
      expect(r.model).toBe(before[i].model);
      expect(new Date(r.fitted_at).getTime()).toBe(new Date(before[i].fitted_at).getTime());
      expect(r.forecast).toEqual(before[i].forecast);
    });
    expect(second.accuracy).toMatchObject({ fitted: 0, skipped: 10 });
    // The accurate variant is carried over too, restamped with the new version.
    const k = keys(store.prefix);
    const field = seriesField("lisbon", "lisbon-central", "espresso-beans");
    const [old, copied] = [await payload(k.accurateHorizon(base.version, 7), field), await payload(k.accurateHorizon(second.version, 7), field)];
    expect(copied).toEqual({ ...old, version: second.version });
    // Different accurate settings: the fast fits are still skipped, the accurate variant is fitted afresh.
    const changed = await cycle({ ACCURATE_FOLDS: "2" });
    expect(changed.accuracy).toMatchObject({ fitted: 0, skipped: 10 });
    const [run] = await database.sql`select accuracy from training_run where id = ${changed.runId}`;
    expect(run.accuracy.accurate.reused).toBe(0);
    expect(JSON.parse((await store.redis.get<string>(k.accurateReady(changed.version)))!)).toMatchObject({ series: 10, settings: expect.any(String) });

    // Too old: refitted, warm-started from the stored params, to the same forecast within a small tolerance.
    const third = await cycle({ MODEL_MAX_AGE_HOURS: "0", ACCURATE_VARIANT: "false" });
    const refitted = await results(third.runId);
    expect(third.accuracy).toMatchObject({ fitted: 10, skipped: 0 });
    refitted.forEach((r, i) => {
      expect(r.skipped).toBe(false);
      expect(new Date(r.fitted_at).getTime()).toBeGreaterThan(new Date(before[i].fitted_at).getTime());
      if (r.model !== before[i].model) return;
      const scale = Math.max(1, ...before[i].forecast.point);
      r.forecast.point.forEach((p: number, j: number) => expect(Math.abs(p - before[i].forecast.point[j]) / scale).toBeLessThan(0.02));
    });
    expect(third.stageMs.accurate).toBeUndefined();
  }, 180_000);

  it("with ENABLE_HYBRID_FORECASTING=false, selects among Prophet only and publishes no rollback hashes", async () => {
    const prophetOnly = await cycle({ ENABLE_HYBRID_FORECASTING: "false", ACCURATE_VARIANT: "false" });
    const rows = await results(prophetOnly.runId);
    // A changed setting refits even unchanged data.
    expect(rows.every((r) => !r.skipped && r.model.startsWith("prophet"))).toBe(true);
    const k = keys(store.prefix);
    for (const h of HORIZONS) expect(await store.redis.exists(k.prophetHorizon(prophetOnly.version, h))).toBe(0);
  }, 180_000);

  it("stops before fitting when the holiday calendar does not exist", async () => {
    await expect(cycle({ HOLIDAY_CALENDAR: "nowhere" })).rejects.toThrow(/HOLIDAY_CALENDAR=nowhere has no days in the holiday table \(calendars there: default\)/);
  });
});
