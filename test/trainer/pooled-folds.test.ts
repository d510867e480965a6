// Leak-free folds through real Postgres: a spike in a series and a level
// shift in the other series of its product and of its store, all after the
// newest fold's cut-off, must not move any fold's fit or forecast of that
// series, nor the scores of the folds whose days they do not touch; the pooled
// profiles and the global model trained across the grid included.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertCatalog, type CatalogIds } from "../../trainer/ingest/catalog.ts";
import { loadSales } from "../../trainer/ingest/sales.ts";
import { loadProphet } from "../../trainer/models/prophet.ts";
import { validateSeries } from "../../trainer/models/series.ts";
import type { FitOutcome, Forecast } from "../../trainer/models/types.ts";
import { fetchSeries, loadDimensions } from "../../trainer/run/fetch.ts";
import { foldCutoffs, loadProfilesAsOf } from "../../trainer/run/profiles.ts";
import { refreshFeatures } from "../../trainer/run/refresh.ts";
import { classify } from "../../trainer/select/classify.ts";
import { fitSeries } from "../../trainer/select/fit-series.ts";
import { rankCandidates } from "../../trainer/select/selection.ts";
import { trainGlobalModels } from "../../trainer/global/train.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { DAY, isoDay, sharedShapeGrid } from "./pooled-grid.ts";

const LAST = Date.UTC(2024, 8, 29);
const HOLDOUT = 28;
const FOLDS = 3;
const options = { horizon: HOLDOUT, level: 0.8, holdoutDays: HOLDOUT, folds: FOLDS, seed: 1 };
let database: TestDatabase;
let ids: CatalogIds;

/** Fits s1/p1 from the database as the cycle does (profiles as of the origin and every fold's cut-off), with each candidate's fold forecasts. */
async function fitTarget(): Promise<FitOutcome & { foldForecasts: Record<string, Forecast[]> }> {
  await refreshFeatures(database.sql, 365, { profileDays: 730 });
  const origin = isoDay(LAST);
  const profiles = await loadProfilesAsOf(database.sql, origin, foldCutoffs(origin, HOLDOUT, FOLDS));
  // The global model too: trained across the grid, each fold's from the days up to its cut-off.
  const global = await trainGlobalModels(database.sql, {
    origin, holdoutDays: HOLDOUT, folds: FOLDS, trainingDays: 365, horizons: [7, HOLDOUT], calendar: "none", denseShare: 1 / 1.32, lambda: 0.1,
  });
  for await (const r of fetchSeries(database.sql, await loadDimensions(database.sql))) {
    if (r.store !== "s1" || r.product !== "p1") continue;
    const input = { id: "s1/p1", start: r.start, units: r.units, promo: r.promo, context: { ...profiles.contextFor(r.storeId, r.productId)!, global: global.models, globalLift: global.lifts.get(r.productId) } };
    const result = fitSeries(input, options);
    if (!result.ok) throw new Error(result.error.message);
    const series = validateSeries(input, HOLDOUT);
    const ranking = rankCandidates(series, {
      demandClass: classify(series.units).demandClass, thresholds: { adi: 1.32, cv2: 0.49 }, hybrid: true, holdoutDays: HOLDOUT, folds: FOLDS,
      selectBy: "rmsse", conformal: true, level: 0.8, settings: { level: 0.8, seed: 1, uncertaintySamples: 0 }, warm: () => [],
    });
    return { ...result, foldForecasts: Object.fromEntries(ranking.tried.map((t) => [t.candidate.name, t.folds.map((f) => f.forecast)])) };
  }
  throw new Error("s1/p1 not fetched");
}

beforeAll(async () => {
  database = await isolatedDatabase();
  const { catalog, sales } = sharedShapeGrid({ stores: 2, products: 2, days: 730, last: LAST, level: 6, seed: 11 });
  ids = await upsertCatalog(database.sql, catalog);
  await loadSales(database.sql, ids, sales);
  await loadProphet();
}, 180_000);

afterAll(async () => database?.close());

describe("folds see only the days before their cut-off", () => {
  it("keep their fits, forecasts and scores when the days after the newest cut-off change, here and in the series it pools with", async () => {
    const before = await fitTarget();
    // After the newest fold's cut-off: a spike in s1/p1, tripled demand for p1 in s2 and for s1's p2.
    const after = Array.from({ length: HOLDOUT }, (_, i) => isoDay(LAST - i * DAY));
    await loadSales(database.sql, ids, [
      ...after.map((day, i) => ({ store: "s1", product: "p1", day, units: i === 5 ? 500 : 6, promo: false })),
      ...after.map((day) => ({ store: "s2", product: "p1", day, units: 30, promo: false })),
      ...after.map((day) => ({ store: "s1", product: "p2", day, units: 30, promo: false })),
    ]);
    const changed = await fitTarget();

    const folds = (r: FitOutcome) => (r.params as { $folds: Record<string, { cutoff: string; params: unknown }[]> }).$folds;
    expect(Object.keys(folds(before))).toEqual(expect.arrayContaining(["pooled", "global"]));
    for (const [model, fits] of Object.entries(folds(before))) {
      // Every fold's fitted params: the same to the last bit.
      expect(folds(changed)[model], model).toEqual(fits);
      const [was, now] = [before, changed].map((r) => r.scores.find((s) => s.model === model)!);
      expect(now.folds.slice(0, FOLDS - 1), model).toEqual(was.folds.slice(0, FOLDS - 1));
    }
    // Every fold's forecasts, the newest's included: only its score may move, as its days changed.
    expect(Object.keys(changed.foldForecasts)).toEqual(Object.keys(before.foldForecasts));
    expect(before.foldForecasts.pooled).toHaveLength(FOLDS);
    expect(before.foldForecasts.global).toHaveLength(FOLDS);
    for (const [model, forecasts] of Object.entries(before.foldForecasts)) {
      // An expensive candidate may be stopped at another fold, as the cheap ones' newest scores moved.
      const both = Math.min(forecasts.length, changed.foldForecasts[model].length);
      expect(changed.foldForecasts[model].slice(0, both), model).toEqual(forecasts.slice(0, both));
    }
    // The final fit does see the new days.
    expect(changed.params).not.toEqual(before.params);
  }, 240_000);
});
