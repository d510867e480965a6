// Model selection through a whole cycle, against real Postgres, the
// Upstash-compatible endpoint and the real models: what is recorded per
// series, what is published beside the selection and what accuracy it
// claims, the unchanged-data skip, the refit of the last winner between two
// selections, warm refits and the Prophet-only switch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeStoredForecast, fieldIdentity } from "../../edge/contract/shape.ts";
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
  return stored ? decodeStoredForecast(stored) : null;
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
    KEY_PREFIX: store.prefix, HISTORY_DAYS: "180", FIT_HISTORY_DAYS: "150", HOLDOUT_DAYS: "14", BACKTEST_FOLDS: "3", FIT_THREADS: "2",
    // Published accuracy as measured on the fold, to compare with the fold scores recorded; the default carries
    // MASE and RMSSE to the forecast's days (test/trainer/models/published-accuracy.test.ts).
    PUBLISHED_ACCURACY: "fold",
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
      // What is published is the as-of choice (best over the two older folds) scored on the newest fold.
      const mean2 = (f: number[]) => (f[0] + f[1]) / 2;
      const asOf = r.scores.filter((s: { folds: number[] }) => s.folds.length >= 2).sort((a: { folds: number[] }, b: { folds: number[] }) => mean2(a.folds) - mean2(b.folds))[0];
      expect(r.metrics.rmsse).toBeCloseTo(asOf.folds[2], 10);
      expect(r.metrics.holdoutDays).toBe(14);
      expect(r.params.$selection.on).toBe(END);
      expect(r.forecast.point).toHaveLength(60);
      expect(r.skipped).toBe(false);
      expect(r.settings_hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    // The intermittent kit is tried with Croston's family; the steady sellers with Prophet.
    const kit = rows.find((r) => r.product === "bike-repair-kit")!;
    expect(["intermittent", "lumpy"]).toContain(kit.demand_class);
    expect(kit.scores.map((s: { model: string }) => s.model)).toEqual(expect.arrayContaining(["croston", "sba", "tsb", "ses", "moving_average", "seasonal_naive"]));
    const water = rows.find((r) => r.product === "sparkling-water")!;
    expect(water.demand_class).toBe("smooth");
    const tried = water.scores.map((s: { model: string }) => s.model);
    expect(tried).toEqual(expect.arrayContaining(["prophet", "seasonal_naive"]));
    // Multiplicative seasonality is opt-in (PROPHET_MULTIPLICATIVE=always).
    expect(tried).not.toContain("prophet_multiplicative");
  });

  it("publishes the model and its held-out MASE per series, Prophet's forecast where the choice differs, and the run's accuracy", async () => {
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

    // Too old: refitted, warm-started from the stored params, to the same forecast within a small tolerance.
    const third = await cycle({ MODEL_MAX_AGE_HOURS: "0", RESELECT_DAYS: "1" });
    const refitted = await results(third.runId);
    expect(third.accuracy).toMatchObject({ fitted: 10, skipped: 0 });
    refitted.forEach((r, i) => {
      expect(r.skipped).toBe(false);
      expect(new Date(r.fitted_at).getTime()).toBeGreaterThan(new Date(before[i].fitted_at).getTime());
      if (r.model !== before[i].model) return;
      const scale = Math.max(1, ...before[i].forecast.point);
      r.forecast.point.forEach((p: number, j: number) => expect(Math.abs(p - before[i].forecast.point[j]) / scale).toBeLessThan(0.02));
    });
    expect(third.accuracy).toMatchObject({ refitted: 0 });
  }, 180_000);

  it("on a new day refits the last winner with its bands and accuracy, and reselects once RESELECT_DAYS have passed", async () => {
    const before = await results((await cycle({ MODEL_MAX_AGE_HOURS: "0", RESELECT_DAYS: "1" })).runId);
    // One new day for every series.
    const next = new Date(Date.parse(`${END}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    await database.sql`
      insert into sales (city_id, store_id, product_id, day, units, promo)
      select distinct city_id, store_id, product_id, ${next}::date, 3, false from sales`;

    // Without the spread, so that no series' own reselection slot falls on the new day (fit-plan.test.ts covers it).
    const refit = await cycle({ RESELECT_DAYS: "7", RESELECT_SPREAD: "off" });
    const rows = await results(refit.runId);
    expect(refit.accuracy).toMatchObject({ fitted: 10, skipped: 0, refitted: 10 });
    rows.forEach((r, i) => {
      expect(r.model).toBe(before[i].model);
      // The selection, its scores, bands and published accuracy are the last full selection's until the next one.
      expect(r.params.$selection).toEqual(before[i].params.$selection);
      expect(r.metrics).toEqual(before[i].metrics);
      expect(r.forecast.point).not.toEqual(before[i].forecast.point);
    });

    // The same new day with RESELECT_DAYS=1: every series is selected afresh as of the new day.
    const reselected = await cycle({ RESELECT_DAYS: "1", MODEL_MAX_AGE_HOURS: "0" });
    expect(reselected.accuracy).toMatchObject({ fitted: 10, refitted: 0 });
    for (const r of await results(reselected.runId)) expect(r.params.$selection.on).toBe(next);
  }, 240_000);

  it("between selections shifts the last Prophet rollback by the new days instead of refitting it; PROPHET_ROLLBACK_REFIT=daily refits it", async () => {
    // Another demand cut-off is another setup, so every series selects, with a rollback 6 days past the horizon.
    const setup = { RESELECT_DAYS: "7", RESELECT_SPREAD: "off", DEMAND_ADI_CUTOFF: "1.33" };
    const selected = await results((await cycle(setup)).runId);
    const day = new Date(Date.parse(`${END}T00:00:00Z`) + 2 * 86_400_000).toISOString().slice(0, 10);
    await database.sql`
      insert into sales (city_id, store_id, product_id, day, units, promo)
      select distinct city_id, store_id, product_id, ${day}::date, 2, false from sales`;

    const refit = await cycle(setup);
    const rows = await results(refit.runId);
    expect(refit.accuracy).toMatchObject({ refitted: 10 });
    const withRollback = rows.filter((r) => r.prophet_forecast !== null);
    expect(withRollback.length).toBeGreaterThan(0);
    rows.forEach((r, i) => {
      if (r.prophet_forecast === null) return;
      const last = selected[i].prophet_forecast;
      expect(last.point).toHaveLength(66);
      expect(r.prophet_forecast).toEqual({ point: last.point.slice(1), lower: last.lower.slice(1), upper: last.upper.slice(1), planned: [] });
      expect(r.prophet_model).toBe(selected[i].prophet_model);
    });

    // Refitted every run: Prophet fitted again, to the horizon alone.
    const daily = await results((await cycle({ ...setup, PROPHET_ROLLBACK_REFIT: "daily", MODEL_MAX_AGE_HOURS: "0" })).runId);
    for (const r of daily) if (r.prophet_forecast !== null) expect(r.prophet_forecast.point).toHaveLength(60);
  }, 240_000);

  it("with ENABLE_HYBRID_FORECASTING=false, selects among Prophet only and publishes no rollback hashes", async () => {
    const prophetOnly = await cycle({ ENABLE_HYBRID_FORECASTING: "false" });
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
