// The feature view against values computed here, independently, from the
// same hand-made sales: gap fill, lags, rolling means and calendar columns.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertCatalog, type CatalogIds } from "../../trainer/ingest/catalog.ts";
import { loadSales, type SalesInput } from "../../trainer/ingest/sales.ts";
import { refreshFeatures } from "../../trainer/run/refresh.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";

const DAY = 86_400_000;
const LAST = Date.UTC(2024, 2, 31); // 2024-03-31, a Sunday
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
const HISTORY = 30;

// 80 days of history for each of three series that share a store or a
// product (so a window that is not partitioned by both mixes them up), with
// some days missing (gaps to fill), promotions, and a varying level.
type Recorded = Map<string, { units: number; promo: boolean }>;
function history(k: number): Recorded {
  const recorded: Recorded = new Map();
  for (let i = 0; i < 80; i++) {
    if (i % (5 + k) === 3) continue;
    recorded.set(iso(LAST - i * DAY), { units: ((i + k) * 7) % 13 + (i % 3) * 0.5 + 10 * k, promo: i % (9 - k) === 0 });
  }
  return recorded;
}
const SERIES = [
  { store: "s1", product: "p1", recorded: history(0) },
  { store: "s1", product: "p2", recorded: history(1) },
  { store: "s2", product: "p1", recorded: history(2) },
];
const salesRows = (): SalesInput[] =>
  SERIES.flatMap(({ store, product, recorded }) => [...recorded].map(([day, v]) => ({ store, product, day, ...v })));

let database: TestDatabase;
let ids: CatalogIds;

beforeAll(async () => {
  database = await isolatedDatabase();
  ids = await upsertCatalog(database.sql, {
    cities: [{ code: "c1", name: "City One" }],
    stores: [{ code: "s1", name: "Store One", city: "c1" }, { code: "s2", name: "Store Two", city: "c1" }],
    products: [{ code: "p1", name: "Product One" }, { code: "p2", name: "Product Two" }],
  });
  const rows = salesRows();
  // s2/p2 sold only long before the window: it must not appear.
  rows.push({ store: "s2", product: "p2", day: iso(LAST - 200 * DAY), units: 4, promo: false });
  await loadSales(database.sql, ids, rows);
  await database.sql`update feature_settings set history_days = ${HISTORY}`;
}, 60_000);

afterAll(async () => database?.close());

function expected(recorded: Recorded) {
  // Gap-filled history from 28 days before the window to its last day.
  const days: string[] = [];
  for (let t = LAST - (HISTORY + 28 - 1) * DAY; t <= LAST; t += DAY) days.push(iso(t));
  const units = days.map((d) => recorded.get(d)?.units ?? 0);
  const promo = days.map((d) => recorded.get(d)?.promo ?? false);
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  return days.map((day, i) => ({
    day,
    units: units[i],
    promo: promo[i],
    gapFilled: !recorded.has(day),
    lag1: i >= 1 ? units[i - 1] : null,
    lag7: i >= 7 ? units[i - 7] : null,
    lag28: i >= 28 ? units[i - 28] : null,
    mean7: i >= 7 ? mean(units.slice(i - 7, i)) : null,
    mean28: i >= 28 ? mean(units.slice(i - 28, i)) : null,
    promoShare28: i >= 28 ? mean(promo.slice(i - 28, i).map(Number)) : null,
  })).slice(28);
}

describe("series_features", () => {
  it("refreshes concurrently and reports the shared origin and series count", async () => {
    const report = await refreshFeatures(database.sql, HISTORY);
    expect(report).toEqual({ origin: iso(LAST), series: SERIES.length });
  });

  it("matches lags, rolling means and gap fill computed independently, series by series", async () => {
    await refreshFeatures(database.sql, HISTORY);
    for (const { store, product, recorded } of SERIES) {
      const rows = await database.sql`
        select day::text, units, promo, gap_filled, lag_1, lag_7, lag_28, mean_7, mean_28, promo_share_28
        from series_features where store_id = ${ids.store.get(store)!.id} and product_id = ${ids.product.get(product)!} order by day`;
      const want = expected(recorded);
      expect(rows).toHaveLength(HISTORY);
      rows.forEach((row, i) => {
        const w = want[i];
        expect(row.day).toBe(w.day);
        expect(row.units).toBeCloseTo(w.units, 9);
        expect(row.promo).toBe(w.promo);
        expect(row.gap_filled).toBe(w.gapFilled);
        expect(row.lag_1).toBeCloseTo(w.lag1!, 9);
        expect(row.lag_7).toBeCloseTo(w.lag7!, 9);
        expect(row.lag_28).toBeCloseTo(w.lag28!, 9);
        expect(row.mean_7).toBeCloseTo(w.mean7!, 9);
        expect(row.mean_28).toBeCloseTo(w.mean28!, 9);
        expect(row.promo_share_28).toBeCloseTo(w.promoShare28!, 9);
      });
      expect(rows.filter((r) => r.gap_filled).length).toBeGreaterThan(0);
    }
  });

  it("derives calendar columns from the date", async () => {
    const [sunday] = await database.sql`
      select day_of_week, day_of_month, month, day_of_year, is_weekend
      from series_features where day = ${iso(LAST)}`;
    expect(sunday).toEqual({ day_of_week: 7, day_of_month: 31, month: 3, day_of_year: 91, is_weekend: true });
    const [monday] = await database.sql`select day_of_week, is_weekend from series_features where day = ${iso(LAST - 6 * DAY)}`;
    expect(monday).toEqual({ day_of_week: 1, is_weekend: false });
  });

  it("follows a changed window length on the next refresh", async () => {
    await refreshFeatures(database.sql, 45);
    const [row] = await database.sql`select count(*)::int as n, min(day)::text as first from series_features`;
    expect(row).toEqual({ n: 45 * SERIES.length, first: iso(LAST - 44 * DAY) });
    await refreshFeatures(database.sql, HISTORY);
  });

  it("upserts: loading the same rows again changes nothing", async () => {
    const before = await database.sql`select count(*)::int as n, sum(units)::float8 as units from sales`;
    await loadSales(database.sql, ids, salesRows());
    const after = await database.sql`select count(*)::int as n, sum(units)::float8 as units from sales`;
    expect(after).toEqual(before);
  });

  it("rejects negative units and a store filed under the wrong city", async () => {
    const store = ids.store.get("s1")!;
    const product = ids.product.get("p1")!;
    await expect(database.sql`insert into sales (city_id, store_id, product_id, day, units)
      values (${store.cityId}, ${store.id}, ${product}, '2020-01-01', -1)`).rejects.toThrow(/units_check|check constraint/);
    await expect(database.sql`insert into sales (city_id, store_id, product_id, day, units)
      values (${store.cityId + 1000}, ${store.id}, ${product}, '2020-01-01', 1)`).rejects.toThrow(/foreign key/);
  });
});
