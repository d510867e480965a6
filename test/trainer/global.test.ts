// The global model through real Postgres on a grid whose stores share each
// product's promotion lift while every series has only a few promotion days:
// pooled across series the lift is learnt, per series it is not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays } from "../../trainer/days.ts";
import { forecastGlobal } from "../../trainer/global/candidate.ts";
import { FEATURES, featuresAt, SCALE_FLOOR } from "../../trainer/global/features.ts";
import { keepAnchorShapes } from "../../trainer/global/gram.ts";
import { trainGlobalModels, type GlobalTraining } from "../../trainer/global/train.ts";
import { upsertCatalog, type CatalogInput, type CatalogIds } from "../../trainer/ingest/catalog.ts";
import { loadSales, type SalesInput } from "../../trainer/ingest/sales.ts";
import { loadProphet } from "../../trainer/models/prophet.ts";
import { validateSeries } from "../../trainer/models/series.ts";
import type { FitOutcome } from "../../trainer/models/types.ts";
import { fetchSeries, loadDimensions, type SeriesRecord } from "../../trainer/run/fetch.ts";
import { foldCutoffs, loadProfilesAsOf, type ProfilesAsOf } from "../../trainer/run/profiles.ts";
import { refreshFeatures } from "../../trainer/run/refresh.ts";
import { fitSeries } from "../../trainer/select/fit-series.ts";
import { loadConfig } from "../../trainer/config.ts";
import { fitOptionsFor, settingsHash } from "../../trainer/run/fit-settings.ts";
import { poisson, seededRandom } from "../../trainer/seed/random.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { DAY, isoDay, SHARED_WEEK, weekdayOf } from "./pooled-grid.ts";

const LAST = Date.UTC(2024, 8, 29);
const DAYS = 600;
const HOLDOUT = 28;
const FOLDS = 2;
const HORIZONS = [7, HOLDOUT];
const LIFT: Record<string, number> = { p1: 2.5, p2: 1.6 };
const STORES = 10;
const LEVEL = 6;
const origin = isoDay(LAST);
const options = { horizon: HOLDOUT, level: 0.8, holdoutDays: HOLDOUT, folds: FOLDS, seed: 1, exclude: ["prophet_multiplicative"] };
let database: TestDatabase;
let ids: CatalogIds;

/** Four-day promotions, two per held-out fold and three before: 20 promotion days a series. */
function promotionGrid(): { catalog: CatalogInput; sales: SalesInput[] } {
  const stores = Array.from({ length: STORES }, (_, i) => `s${i + 1}`);
  const catalog: CatalogInput = {
    cities: [{ code: "c1", name: "City" }],
    stores: stores.map((code) => ({ code, name: code, city: "c1" })),
    products: Object.keys(LIFT).map((code) => ({ code, name: code })),
  };
  const random = seededRandom(5);
  const sales: SalesInput[] = [];
  for (const store of stores) {
    for (const product of Object.keys(LIFT)) {
      const promo = new Set<number>();
      const starts = [DAYS - 1 - HOLDOUT * 2 + 3, DAYS - 1 - HOLDOUT + 10, 100, 250, 400].map((d) => d + Math.floor(random() * 10));
      for (const s of starts) for (let k = 0; k < 4; k++) promo.add(s + k);
      for (let i = 0; i < DAYS; i++) {
        const t = LAST - (DAYS - 1 - i) * DAY;
        const onPromo = promo.has(i);
        const units = poisson(random, LEVEL * SHARED_WEEK[weekdayOf(t)] * (onPromo ? LIFT[product] : 1));
        sales.push({ store, product, day: isoDay(t), units, promo: onPromo });
      }
    }
  }
  return { catalog, sales };
}

async function train(at = origin, historyDays = DAYS): Promise<{ training: GlobalTraining; profiles: ProfilesAsOf }> {
  await refreshFeatures(database.sql, historyDays, { profileDays: DAYS });
  const cutoffs = foldCutoffs(at, HOLDOUT, FOLDS);
  const profiles = await loadProfilesAsOf(database.sql, at, cutoffs);
  const training = await trainGlobalModels(database.sql, {
    origin: at, holdoutDays: HOLDOUT, folds: FOLDS, trainingDays: 365, horizons: HORIZONS, calendar: "none", denseShare: 1 / 1.32, lambda: 1e-3,
  });
  return { training, profiles };
}

/** The kept per-day sums, for comparing two ways of reaching them. */
function keptSums() {
  return database.sql<{ day: string; horizon: number; dense: boolean; rows: string; xx: number[]; xy: number[]; yy: number }[]>`
    select day::text, horizon, dense, rows, xx, xy, yy from global_gram_day order by day, horizon, dense`;
}

function expectSameSums(a: Awaited<ReturnType<typeof keptSums>>, b: Awaited<ReturnType<typeof keptSums>>) {
  expect(a.map((r) => [r.day, r.horizon, r.dense, r.rows])).toEqual(b.map((r) => [r.day, r.horizon, r.dense, r.rows]));
  a.forEach((r, i) => {
    const close = (x: number, y: number) => expect(Math.abs(x - y), `${r.day} h${r.horizon}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(y)));
    close(r.yy, b[i].yy);
    r.xx.forEach((x, j) => close(x, b[i].xx[j]));
    r.xy.forEach((x, j) => close(x, b[i].xy[j]));
  });
}

async function records(): Promise<SeriesRecord[]> {
  const all: SeriesRecord[] = [];
  for await (const r of fetchSeries(database.sql, await loadDimensions(database.sql))) all.push(r);
  return all;
}

beforeAll(async () => {
  database = await isolatedDatabase();
  const { catalog, sales } = promotionGrid();
  ids = await upsertCatalog(database.sql, catalog);
  await loadSales(database.sql, ids, sales);
  await loadProphet();
}, 180_000);

afterAll(async () => database?.close());

describe("global model", () => {
  it("recovers the promotion lift a product's stores share, and wins the selection on most series", async () => {
    const { training, profiles } = await train();
    const fitted: FitOutcome[] = [];
    const lifts: Record<string, number[]> = {};
    for (const r of await records()) {
      const context = { ...profiles.contextFor(r.storeId, r.productId)!, global: training.models, globalLift: training.lifts.get(r.productId) };
      const series = validateSeries({ id: r.product, start: r.start, units: r.units, promo: r.promo, context }, HOLDOUT);
      // The same 28 days with and without a planned promotion: their ratio is the lift the model forecasts.
      const on = forecastGlobal({ ...series, futurePromo: new Float64Array(HOLDOUT).fill(1) }, HOLDOUT, 0.8, []);
      const off = forecastGlobal(series, HOLDOUT, 0.8, []);
      const lift = on.point.reduce((a, b) => a + b, 0) / off.point.reduce((a, b) => a + b, 0);
      lifts[r.product] = [...(lifts[r.product] ?? []), lift];
      const result = fitSeries({ id: `${r.store}/${r.product}`, start: r.start, units: r.units, promo: r.promo, context }, options);
      if (!result.ok) throw new Error(result.error.message);
      fitted.push(result);
    }
    for (const [product, seen] of Object.entries(lifts)) {
      const mean = seen.reduce((a, b) => a + b, 0) / seen.length;
      expect(Math.abs(mean / LIFT[product] - 1), `${product}: ${seen.map((l) => l.toFixed(2)).join(", ")}`).toBeLessThan(0.1);
    }
    const wins = fitted.filter((f) => f.model === "global").length;
    expect(wins, fitted.map((f) => f.model).join(", ")).toBeGreaterThan(fitted.length / 2);
  }, 300_000);

  it("trains on the feature table's values, and forecasts from the same features computed from the series", async () => {
    await train();
    const first = addDays(foldCutoffs(origin, HOLDOUT, FOLDS).at(-1)!, -300);
    const [target] = (await records()).filter((r) => r.store === "s3" && r.product === "p2");
    await keepAnchorShapes(database.sql, first, origin, HORIZONS);
    const rows = await database.sql<Record<string, number | string | boolean>[]>`
      select r.*, r.day::text as day, r.anchor::text as anchor,
             v.mean_7 as view_mean_7, v.mean_28 as view_mean_28, v.promo_share_28 as view_promo_share_28,
             (select avg(units) from series_features w where w.store_id = r.store_id and w.product_id = r.product_id
                and w.day between r.day - r.horizon - 90 and r.day - r.horizon) as view_mean_91
      from global_training_rows(${first}::date, ${origin}::date, ${database.sql.array(HORIZONS)}::int[], 'none', ${1 / 1.32}, ${SCALE_FLOOR}) r
      join series_features v on v.store_id = r.store_id and v.product_id = r.product_id and v.day = r.day - r.horizon + 1
      where r.store_id = ${target.storeId} and r.product_id = ${target.productId}
      order by r.day, r.horizon`;
    expect(rows.length).toBeGreaterThan(200);
    // Each row's profile and lift are those of the quarter before its inputs' last day's: never after its own day.
    const anchors = [...new Set(rows.map((r) => String(r.anchor)))];
    expect(anchors.length).toBeGreaterThan(2);
    const profiles = (await loadProfilesAsOf(database.sql, origin, [origin, ...anchors])).contextFor(target.storeId, target.productId)!;
    const lifts = new Map((await database.sql<{ cutoff: string; lift: number }[]>`
      select cutoff::text, lift from global_promotion_lifts(${database.sql.array(anchors)}::date[]) where product_id = ${target.productId}`).map((l) => [l.cutoff, l.lift]));
    for (const row of rows) {
      expect(String(row.anchor) < addDays(String(row.day), 1 - Number(row.horizon))).toBe(true);
      const scale = Number(row.scale);
      expect(scale).toBeCloseTo(Math.max(Number(row.view_mean_28), SCALE_FLOOR), 9);
      expect(Number(row.recent_91) * scale).toBeCloseTo(Number(row.view_mean_91), 9);
      expect(Number(row.recent_7) * scale).toBeCloseTo(Number(row.view_mean_7), 9);
      expect(Number(row.recent_28) * scale).toBeCloseTo(Number(row.view_mean_28), 9);
      expect(Number(row.promo_share_28)).toBeCloseTo(Number(row.view_promo_share_28), 9);
      // The forecast side: the same day's features from the series' arrays, with the row's profile and lift.
      const profile = profiles.foldProfiles[String(row.anchor)] ?? profiles.profile;
      const t = Math.round((Date.parse(`${row.day}T00:00:00Z`) - Date.parse(`${target.start}T00:00:00Z`)) / DAY);
      const node = featuresAt({ units: target.units, promo: target.promo, start: target.start, profile, holidays: new Set(), lift: lifts.get(String(row.anchor)) ?? 1 }, t, Number(row.horizon));
      expect(node.scale).toBeCloseTo(scale, 9);
      FEATURES.forEach((f, i) => expect(node.x[i + 1], `${row.day} h${row.horizon} ${f}`).toBeCloseTo(Number(row[f]), 9));
    }
  }, 120_000);

  it("trains each fold's model on days before its cut-off only", async () => {
    const before = (await train()).training.models.byCutoff;
    const cutoff = foldCutoffs(origin, HOLDOUT, FOLDS)[1];
    // Every day after the newest fold's cut-off changes: tripled demand and promotions everywhere.
    const after: SalesInput[] = [];
    for (let d = 1; d <= HOLDOUT; d++) {
      for (let s = 1; s <= STORES; s++) for (const p of Object.keys(LIFT)) after.push({ store: `s${s}`, product: p, day: addDays(cutoff, d), units: 30 + d, promo: true });
    }
    await loadSales(database.sql, ids, after);
    const changed = (await train()).training.models.byCutoff;
    for (const [day, models] of Object.entries(before)) {
      if (day === origin) continue;
      expect(changed[day].length).toBe(models.length);
      models.forEach((m, i) => {
        expect(changed[day][i].rows).toBe(m.rows);
        m.coefficients.forEach((c, j) => expect(changed[day][i].coefficients[j]).toBeCloseTo(c, 9));
      });
    }
    expect(changed[origin][0].coefficients).not.toEqual(before[origin][0].coefficients);
  }, 120_000);

  it("joins the selection only with GLOBAL_MODEL=on, its models at hand or not", async () => {
    const { training, profiles } = await train();
    const [r] = await records();
    const input = { id: "s", start: r.start, units: r.units, promo: r.promo, context: { ...profiles.contextFor(r.storeId, r.productId)!, global: training.models, globalLift: training.lifts.get(r.productId) } };
    const tried = (env: Record<string, string>) => {
      const fit = { ...fitOptionsFor(loadConfig({ DATABASE_URL: database.url, ...env }), []), horizon: HOLDOUT, holdoutDays: HOLDOUT, folds: FOLDS };
      const result = fitSeries(input, fit);
      if (!result.ok) throw new Error(result.error.message);
      return result.scores.map((s) => s.model);
    };
    expect(tried({ GLOBAL_MODEL: "on" })).toContain("global");
    expect(tried({})).not.toContain("global");
    expect(tried({ GLOBAL_MODEL: "off" })).not.toContain("global");
    // Switching it on is a settings change (every series is selected again); off is the default's hash.
    const hashOf = (env: Record<string, string>) => settingsHash(fitOptionsFor(loadConfig({ DATABASE_URL: database.url, ...env }), []), 730, true);
    expect(hashOf({ GLOBAL_MODEL: "on" })).not.toBe(hashOf({}));
    expect(hashOf({ GLOBAL_MODEL: "off" })).toBe(hashOf({}));
  }, 120_000);

  it("keeps each day's sums between runs: a new day computes that day, a changed day it and the days after, and both equal a full recompute", async () => {
    // A window longer than the history, so that the new day moves no real sale out of it.
    const history = DAYS + 30;
    const cold = await train(origin, history);
    const kept = (await keptSums()).length;
    expect(kept).toBeGreaterThan(0);
    const next = addDays(origin, 1);
    const day: SalesInput[] = [];
    for (let s = 1; s <= STORES; s++) for (const p of Object.keys(LIFT)) day.push({ store: `s${s}`, product: p, day: next, units: 5 + s, promo: s % 3 === 0 });
    await loadSales(database.sql, ids, day);
    const daily = await train(next, history);
    expect(daily.training.computedDays).toBe(1);
    expect(cold.training.computedDays).toBeGreaterThan(300);
    const incremental = await keptSums();
    await database.sql`update global_gram_state set stale_from = '-infinity'`;
    expect((await train(next, history)).training.computedDays).toBe(cold.training.computedDays);
    expectSameSums(incremental, await keptSums());

    // An old day changes: that day and every later one are computed again, and nothing before it.
    const changed = addDays(origin, -100);
    await loadSales(database.sql, ids, [{ store: "s2", product: "p1", day: changed, units: 40, promo: true }]);
    const edited = await train(next, history);
    expect(edited.training.computedDays).toBe(102);
    const afterEdit = await keptSums();
    await database.sql`update global_gram_state set stale_from = '-infinity'`;
    await train(next, history);
    expectSameSums(afterEdit, await keptSums());
    expect(afterEdit).not.toEqual(incremental);
  }, 300_000);
});
