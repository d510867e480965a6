// series_features against values computed here, independently, from the
// same hand-made sales (gap fill, rolling means), and the incremental
// refresh against a full recompute after sales are inserted, updated and
// deleted, on Postgres and on the embedded PGlite.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertCatalog, type CatalogIds } from "../../trainer/ingest/catalog.ts";
import { loadSales, type SalesInput } from "../../trainer/ingest/sales.ts";
import { connect, type Sql } from "../../trainer/db/connect.ts";
import { startEmbeddedPostgres } from "../../trainer/db/embedded.ts";
import { migrate } from "../../trainer/db/migrate.ts";
import { refreshFeatures } from "../../trainer/run/refresh.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { currentFeatures, fullFeatures } from "../support/feature-reference.ts";

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
    mean7: i >= 7 ? mean(units.slice(i - 7, i)) : null,
    mean28: i >= 28 ? mean(units.slice(i - 28, i)) : null,
    promoShare28: i >= 28 ? mean(promo.slice(i - 28, i).map(Number)) : null,
  })).slice(28);
}

describe("series_features", () => {
  it("reports the watermark, the series and how it refreshed", async () => {
    const report = await refreshFeatures(database.sql, HISTORY);
    expect(report).toMatchObject({ origin: iso(LAST), series: SERIES.length });
    expect(["full", "incremental"]).toContain(report.features.mode);
  });

  it("matches rolling means and gap fill computed independently, series by series", async () => {
    await refreshFeatures(database.sql, HISTORY);
    for (const { store, product, recorded } of SERIES) {
      const rows = await database.sql`
        select day::text, units, promo, mean_7, mean_28, promo_share_28
        from series_features where store_id = ${ids.store.get(store)!.id} and product_id = ${ids.product.get(product)!} order by day`;
      const want = expected(recorded);
      expect(rows).toHaveLength(HISTORY);
      rows.forEach((row, i) => {
        const w = want[i];
        expect(row.day).toBe(w.day);
        expect(row.units).toBeCloseTo(w.units, 9);
        expect(row.promo).toBe(w.promo);
        expect(row.mean_7).toBeCloseTo(w.mean7!, 9);
        expect(row.mean_28).toBeCloseTo(w.mean28!, 9);
        expect(row.promo_share_28).toBeCloseTo(w.promoShare28!, 9);
      });
      // Days without a sales row are there, at zero units.
      expect(want.filter((w) => w.gapFilled).length).toBeGreaterThan(0);
    }
  });

  it("follows a changed window length on the next refresh", async () => {
    await refreshFeatures(database.sql, 45);
    const [row] = await database.sql`select count(*)::int as n, min(day)::text as first
                                     from series_features f, feature_state s where f.day between s.window_start and s.watermark`;
    expect(row).toEqual({ n: 45 * SERIES.length, first: iso(LAST - 44 * DAY) });
    await refreshFeatures(database.sql, HISTORY);
  });

  it("upserts: loading the same rows again changes nothing", async () => {
    const before = await database.sql`select count(*)::int as n, sum(units)::float8 as units from sales`;
    await refreshFeatures(database.sql, HISTORY);
    await loadSales(database.sql, ids, salesRows());
    const after = await database.sql`select count(*)::int as n, sum(units)::float8 as units from sales`;
    expect(after).toEqual(before);
    // Rewriting a row with its own values is no change: nothing waits to be refreshed.
    expect(await database.sql`select * from feature_dirty`).toEqual([]);
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

/** A fresh embedded PGlite, migrated: the engine a laptop without Postgres runs. */
async function embeddedDatabase(): Promise<TestDatabase> {
  const embedded = await startEmbeddedPostgres();
  const { sql, db } = connect(embedded.url, { max: 2 });
  await migrate(sql);
  return { url: embedded.url, sql, db, async close() { await sql.end(); await embedded.close(); } };
}

const WINDOW = 40;
const D0 = Date.UTC(2024, 4, 31); // 2024-05-31: later refreshes slide the window out of April

async function expectEqualsFull(sql: Sql, watermark: string) {
  const [state] = await sql`select watermark::text, window_start::text from feature_state`;
  expect(state).toEqual({ watermark, window_start: iso(Date.parse(watermark) - (WINDOW - 1) * DAY) });
  const got = await currentFeatures(sql);
  const want = await fullFeatures(sql, watermark, WINDOW);
  expect(got.length).toBeGreaterThan(0);
  expect(got).toEqual(want);
}

describe.each([
  ["the test database", isolatedDatabase],
  ["embedded PGlite", embeddedDatabase],
])("incremental refresh on %s", (_name, open) => {
  let t: TestDatabase;
  let catalog: CatalogIds;

  beforeAll(async () => {
    t = await open();
    catalog = await upsertCatalog(t.sql, {
      cities: [{ code: "c1", name: "City One" }],
      stores: ["s1", "s2", "s3"].map((code) => ({ code, name: code, city: "c1" })),
      products: [{ code: "p1", name: "P1" }, { code: "p2", name: "P2" }],
    });
    // Five series over 100 days with gaps, promotions and prices; s2/p2 does not exist yet.
    const rows: SalesInput[] = [];
    for (const [store, product] of [["s1", "p1"], ["s1", "p2"], ["s2", "p1"], ["s3", "p1"], ["s3", "p2"]]) {
      for (let i = 0; i < 100; i++) {
        const k = i + store.charCodeAt(1) * 3 + product.charCodeAt(1);
        if (k % 4 === 1) continue;
        rows.push({ store, product, day: iso(D0 - i * DAY), units: (k * 7) % 11, promo: k % 6 === 0, price: k % 3 === 0 ? null : 1 + (k % 5) });
      }
    }
    await loadSales(t.sql, catalog, rows);
  }, 60_000);

  afterAll(async () => t?.close());

  it("equals a full recompute after inserts, updates and deletes, every column of every row", async () => {
    const first = await refreshFeatures(t.sql, WINDOW);
    expect(first.features.mode).toBe("full");
    await expectEqualsFull(t.sql, iso(D0));

    // A new day for every store, a revision inside the window and one in the
    // 28 days before it (read only by lags), a deleted row, a series whose
    // rows all go, a new series, and a stray row far in the future.
    const day1 = iso(D0 + DAY);
    await loadSales(t.sql, catalog, [
      ...["s1", "s2", "s3"].map((store) => ({ store, product: "p1", day: day1, units: 4, promo: true, price: 2 })),
      { store: "s2", product: "p2", day: iso(D0 - 10 * DAY), units: 3, promo: false },
      { store: "s2", product: "p2", day: iso(D0 - 9 * DAY), units: 1, promo: true },
      { store: "s1", product: "p1", day: iso(D0 + 200 * DAY), units: 99, promo: false },
    ]);
    const s1 = catalog.store.get("s1")!.id;
    const s2 = catalog.store.get("s2")!.id;
    const s3 = catalog.store.get("s3")!.id;
    const p1 = catalog.product.get("p1")!;
    const p2 = catalog.product.get("p2")!;
    await t.sql`update sales set units = units + 5 where store_id = ${s1} and product_id = ${p1} and day = ${iso(D0 - 20 * DAY)}`;
    await t.sql`update sales set promo = not promo, units = 8 where store_id = ${s2} and product_id = ${p1} and day between ${iso(D0 - 50 * DAY)} and ${iso(D0 - 44 * DAY)}`;
    await t.sql`delete from sales where store_id = ${s1} and product_id = ${p2} and day = ${iso(D0 - 3 * DAY)}`;
    await t.sql`delete from sales where store_id = ${s3} and product_id = ${p2}`;
    const second = await refreshFeatures(t.sql, WINDOW);
    expect(second.features).toMatchObject({ mode: "incremental", watermark: day1 });
    // One new day for four series, the spans the edits touched and the new series' window: far fewer rows than a rebuild.
    expect(second.features.rows).toBeLessThan(first.features.rows);
    await expectEqualsFull(t.sql, day1);
    expect(second.series).toBe(5);

    // Ten more days at once: the window leaves April, whose partition is dropped.
    const later: SalesInput[] = [];
    for (let i = 2; i <= 11; i++) {
      for (const [store, product] of [["s1", "p1"], ["s1", "p2"], ["s2", "p1"], ["s3", "p1"]]) {
        if ((i + store.length) % 3 !== 0) later.push({ store, product, day: iso(D0 + i * DAY), units: i % 5, promo: i % 4 === 0 });
      }
    }
    await loadSales(t.sql, catalog, later);
    const third = await refreshFeatures(t.sql, WINDOW);
    expect(third.features).toMatchObject({ mode: "incremental", watermark: iso(D0 + 11 * DAY) });
    expect(third.features.droppedPartitions).toBeGreaterThanOrEqual(1);
    await expectEqualsFull(t.sql, iso(D0 + 11 * DAY));
    const [{ first: oldest }] = await t.sql`select min(day)::text as first from series_features`;
    expect(oldest >= "2024-05-01").toBe(true);
    expect(third.series).toBe(5);
    // FEATURE_REFRESH=full's path: the same rows from scratch.
    const forced = await refreshFeatures(t.sql, WINDOW, { full: true });
    expect(forced.features.mode).toBe("full");
    await expectEqualsFull(t.sql, iso(D0 + 11 * DAY));
  }, 60_000);

  it("a store running ahead, a late store and a stray future row do not move the others' windows", async () => {
    const end = iso(D0 + 11 * DAY);
    const before = await currentFeatures(t.sql);
    // s3 alone reports two new days, and a row years ahead: one store of three is not a complete day.
    await loadSales(t.sql, catalog, [
      { store: "s3", product: "p1", day: iso(D0 + 12 * DAY), units: 6, promo: false },
      { store: "s3", product: "p1", day: iso(D0 + 13 * DAY), units: 2, promo: false },
      { store: "s2", product: "p1", day: iso(D0 + 900 * DAY), units: 1, promo: false },
    ]);
    const ahead = await refreshFeatures(t.sql, WINDOW);
    expect(ahead.origin).toBe(end);
    expect(await currentFeatures(t.sql)).toEqual(before);

    // s1 and s2 report the next day too; s3's early day now belongs to the window, s2's stray row still not.
    const next = iso(D0 + 12 * DAY);
    await loadSales(t.sql, catalog, [
      { store: "s1", product: "p1", day: next, units: 1, promo: false },
      { store: "s2", product: "p1", day: next, units: 2, promo: false },
    ]);
    const moved = await refreshFeatures(t.sql, WINDOW);
    expect(moved.origin).toBe(next);
    await expectEqualsFull(t.sql, next);
    const s3 = catalog.store.get("s3")!.id;
    const [early] = await t.sql`select units from series_features where store_id = ${s3} and day = ${next}`;
    expect(early).toEqual({ units: 6 });

    // s1 and s3 report the day after while s2 is late: two of three make it complete,
    // s2's series read 0 for now, and its late rows revise only its own window.
    const late = iso(D0 + 13 * DAY);
    await loadSales(t.sql, catalog, [{ store: "s1", product: "p1", day: late, units: 3, promo: false }]);
    expect((await refreshFeatures(t.sql, WINDOW)).origin).toBe(late);
    await expectEqualsFull(t.sql, late);
    const others = (await currentFeatures(t.sql)).filter((r) => r.store_id !== catalog.store.get("s2")!.id);
    await loadSales(t.sql, catalog, [{ store: "s2", product: "p1", day: late, units: 5, promo: true }]);
    expect((await refreshFeatures(t.sql, WINDOW)).origin).toBe(late);
    await expectEqualsFull(t.sql, late);
    expect((await currentFeatures(t.sql)).filter((r) => r.store_id !== catalog.store.get("s2")!.id)).toEqual(others);
  }, 60_000);

  it("a TRUNCATE of sales empties the window on the next refresh", async () => {
    await t.sql`truncate sales`;
    const report = await refreshFeatures(t.sql, WINDOW);
    expect(report).toMatchObject({ origin: null, series: 0 });
    expect(await currentFeatures(t.sql)).toEqual([]);
  });
});
