// From sales to selection: a grid whose series share one weekly and yearly
// shape but are each too noisy to learn it alone. The profiles come from
// SQL as of the origin and as of each fold's cut-off, the selection backtests the real candidates (Prophet included),
// and the pooled model must win and forecast the shared shape.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertCatalog } from "../../trainer/ingest/catalog.ts";
import { loadSales } from "../../trainer/ingest/sales.ts";
import { fitSeries } from "../../trainer/select/fit-series.ts";
import { loadProphet } from "../../trainer/models/prophet.ts";
import type { FitOutcome, SeriesInput } from "../../trainer/models/types.ts";
import { fetchSeries, loadDimensions } from "../../trainer/run/fetch.ts";
import { foldCutoffs, loadProfilesAsOf } from "../../trainer/run/profiles.ts";
import { refreshFeatures } from "../../trainer/run/refresh.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { DAY, SHARED_WEEK, sharedShapeGrid, weekdayOf } from "./pooled-grid.ts";

const LAST = Date.UTC(2024, 8, 29); // 2024-09-29, a Sunday
const DAYS = 730;
const GRID = { stores: 3, products: 2, days: DAYS, last: LAST, level: 3, seed: 7 };

let database: TestDatabase;
const inputs: SeriesInput[] = [];
let results: FitOutcome[] = [];

beforeAll(async () => {
  database = await isolatedDatabase();
  const { catalog, sales } = sharedShapeGrid(GRID);
  await loadSales(database.sql, await upsertCatalog(database.sql, catalog), sales);
  await refreshFeatures(database.sql, 365, { profileDays: DAYS });
  const origin = new Date(LAST).toISOString().slice(0, 10);
  const profiles = await loadProfilesAsOf(database.sql, origin, foldCutoffs(origin, 28, 3));
  for await (const record of fetchSeries(database.sql, await loadDimensions(database.sql))) {
    inputs.push({
      id: `${record.store}/${record.product}`,
      start: record.start,
      units: record.units,
      promo: record.promo,
      context: profiles.contextFor(record.storeId, record.productId)!,
    });
  }
  await loadProphet();
  results = inputs.map((input) => {
    const result = fitSeries(input, { horizon: 28, level: 0.8, holdoutDays: 28, uncertaintySamples: 0, seed: 1 });
    if (!result.ok) throw new Error(`${input.id}: ${result.error.code} ${result.error.message}`);
    return result;
  });
}, 120_000);

afterAll(async () => database?.close());

describe("pooled candidate in the selection", () => {
  it("is backtested beside Prophet and wins on series too noisy to learn their own shape", () => {
    expect(results).toHaveLength(GRID.stores * GRID.products);
    for (const result of results) {
      const tried = result.scores.map((s) => s.model);
      expect(tried).toContain("pooled");
      expect(tried.some((m) => m.startsWith("prophet"))).toBe(true);
    }
    const won = results.filter((r) => r.model === "pooled").length;
    expect(won).toBeGreaterThanOrEqual(results.length - 1);
  });

  it("forecasts the shared weekly shape", () => {
    const shape = SHARED_WEEK.map((w) => w / (SHARED_WEEK.reduce((a, b) => a + b, 0) / 7));
    const firstDay = LAST + DAY; // forecasts start the day after the last sale
    // Four weeks of forecasts summed over the grid, per weekday, relative to their mean.
    const byWeekday = new Array(7).fill(0);
    for (const result of results.filter((r) => r.model === "pooled")) {
      result.forecast.point.forEach((p, h) => (byWeekday[weekdayOf(firstDay + h * DAY)] += p));
    }
    const average = byWeekday.reduce((a, b) => a + b, 0) / 7;
    byWeekday.forEach((v, d) => expect(Math.abs(v / average - shape[d])).toBeLessThan(0.08));
  });

  it("is left out, not failed, when a series comes without a profile", () => {
    const bare = { ...inputs[0], context: undefined };
    const result = fitSeries(bare, { horizon: 28, level: 0.8, holdoutDays: 28, uncertaintySamples: 0, seed: 1 });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.scores.map((s) => s.model)).not.toContain("pooled");
    expect(result.model).not.toBe("pooled");
  });

  it("never backtests a fold on the whole history's profile: without the fold's own, pooled sits the folds out", () => {
    const latestOnly = { ...inputs[0], context: { profile: inputs[0].context!.profile } };
    const result = fitSeries(latestOnly, { horizon: 28, level: 0.8, holdoutDays: 28, uncertaintySamples: 0, seed: 1 });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.scores.map((s) => s.model)).not.toContain("pooled");
  });
});
