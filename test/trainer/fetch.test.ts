// The fetch's view of what changed since the last published fit: a new day
// appends without changing the history, a revised day changes it for its
// series only, and a window that slid past the fingerprint's margin cannot
// vouch for it. The last fit is recorded as the cycle records it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertCatalog, type CatalogIds } from "../../trainer/ingest/catalog.ts";
import { loadSales, type SalesInput } from "../../trainer/ingest/sales.ts";
import { fetchSeries, HISTORY_MARGIN_DAYS, loadDimensions, type SeriesRecord } from "../../trainer/run/fetch.ts";
import { refreshFeatures } from "../../trainer/run/refresh.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";

const DAY = 86_400_000;
const END = Date.UTC(2024, 5, 30);
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
const WINDOW = 60;

let database: TestDatabase;
let ids: CatalogIds;
let runs = 0;

const day = (store: string, t: number): SalesInput => ({ store, product: "p1", day: iso(t), units: 1 + (Math.round(t / DAY) % 4), promo: false });

async function fetchAll(): Promise<Map<string, SeriesRecord>> {
  await refreshFeatures(database.sql, WINDOW);
  const out = new Map<string, SeriesRecord>();
  for await (const record of fetchSeries(database.sql, await loadDimensions(database.sql), { previous: true })) out.set(record.store, record);
  return out;
}

/** A published run whose results carry these records' hashes, as the cycle writes them. */
async function publish(records: Iterable<SeriesRecord>): Promise<void> {
  const [{ id }] = await database.sql`insert into training_run (version, status) values (${`v${++runs}`}, 'published') returning id`;
  for (const r of records) {
    await database.sql`insert into series_result (run_id, store_id, product_id, model, data_hash, history)
                       values (${id}, ${r.storeId}, ${r.productId}, 'sba', ${r.dataHash}, ${JSON.stringify(r.history)}::jsonb)`;
  }
}

beforeAll(async () => {
  database = await isolatedDatabase();
  ids = await upsertCatalog(database.sql, {
    cities: [{ code: "c1", name: "C" }],
    stores: [{ code: "s1", name: "S1", city: "c1" }, { code: "s2", name: "S2", city: "c1" }],
    products: [{ code: "p1", name: "P1" }],
  });
  const rows: SalesInput[] = [];
  for (let i = 0; i < 100; i++) rows.push(day("s1", END - i * DAY), day("s2", END - i * DAY));
  await loadSales(database.sql, ids, rows);
}, 60_000);

afterAll(async () => database?.close());

describe("what the fetch says changed", () => {
  it("a first fetch has nothing to compare with", async () => {
    const first = await fetchAll();
    expect(first.get("s1")!.change).toEqual({ previousThrough: null, historyUnchanged: false, appendedDays: 0 });
    expect(first.get("s1")!.history).toMatchObject({ from: iso(END - (WINDOW - 1 - HISTORY_MARGIN_DAYS) * DAY), through: iso(END) });
    await publish(first.values());
  });

  it("a rerun over the same days: unchanged, nothing appended, the same data hash", async () => {
    const again = await fetchAll();
    expect(again.get("s1")!.change).toEqual({ previousThrough: iso(END), historyUnchanged: true, appendedDays: 0 });
    expect(again.get("s1")!.dataHash).toBe(again.get("s1")!.previous!.dataHash);
  });

  it("one new day: every history unchanged, one day appended, though the window and its hash moved", async () => {
    await loadSales(database.sql, ids, [day("s1", END + DAY), day("s2", END + DAY)]);
    const next = await fetchAll();
    for (const store of ["s1", "s2"]) {
      expect(next.get(store)!.change).toEqual({ previousThrough: iso(END), historyUnchanged: true, appendedDays: 1 });
      expect(next.get(store)!.dataHash).not.toBe(next.get(store)!.previous!.dataHash);
    }
    await publish(next.values());
  });

  it("a revised day the last fit saw changes that series' history only", async () => {
    await database.sql`update sales set units = units + 10 where store_id = ${ids.store.get("s1")!.id} and day = ${iso(END - 5 * DAY)}`;
    const revised = await fetchAll();
    expect(revised.get("s1")!.change).toEqual({ previousThrough: iso(END + DAY), historyUnchanged: false, appendedDays: 0 });
    expect(revised.get("s2")!.change).toEqual({ previousThrough: iso(END + DAY), historyUnchanged: true, appendedDays: 0 });
    await publish(revised.values());
  });

  it("a window that slid further than the margin cannot vouch for the history", async () => {
    const rows: SalesInput[] = [];
    for (let i = 2; i <= HISTORY_MARGIN_DAYS + 2; i++) rows.push(day("s1", END + i * DAY), day("s2", END + i * DAY));
    await loadSales(database.sql, ids, rows);
    const later = await fetchAll();
    expect(later.get("s2")!.change).toEqual({ previousThrough: iso(END + DAY), historyUnchanged: false, appendedDays: HISTORY_MARGIN_DAYS + 1 });
  });
});
