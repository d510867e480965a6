// How an import reaches `sales`: copied straight into an empty table with its
// indexes built after (bulk-load.ts), or staged and merged into one with rows;
// both all-or-nothing across COPY batches, both keeping the change tracking
// of sql/008 and the key checks of sql/012. Each test has a database of its own.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { importCsv, ImportRejectedError, openCsv, type ImportOptions } from "../../trainer/import/csv-import.ts";
import { KAGGLE_STORE_ITEM } from "../../trainer/import/mapping.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";

let dir: string;
const opened: TestDatabase[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "import-load-test-"));
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function database(): Promise<TestDatabase> {
  const d = await isolatedDatabase();
  opened.push(d);
  return d;
}

async function csv(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.join("\n") + "\n");
  return path;
}

/** Kaggle layout, sorted as Kaggle's file is (item, store, day). */
function kaggle(days: number, stores: number[], items: number[], units = (s: number, i: number, d: number) => (s * 7 + i * 3 + d) % 40): string[] {
  const lines = ["date,store,item,sales"];
  for (const i of items) for (const s of stores) for (let d = 0; d < days; d++) {
    lines.push(`${new Date(Date.UTC(2017, 0, 1 + d)).toISOString().slice(0, 10)},${s},${i},${units(s, i, d)}`);
  }
  return lines;
}

const load = (d: TestDatabase, path: string, options: Partial<ImportOptions> = {}) =>
  importCsv(d.sql, openCsv(path), { mapping: KAGGLE_STORE_ITEM, city: "main", ...options });

const embedded = async (d: TestDatabase) => (await d.sql<{ e: boolean }[]>`select version() like '%PGlite%' as e`)[0].e;

const sales = (d: TestDatabase) => d.sql`
  select s.code as store, p.code as product, day::text, units::float8, promo, price::float8, x.city_id = s.city_id as city_ok
  from sales x join store s on s.id = x.store_id join product p on p.id = x.product_id order by 1, 2, 3`;

/** The indexes and constraints of `sales`, by definition (schema names taken out, as they differ per database). */
const indexes = async (d: TestDatabase) => (await d.sql<{ def: string }[]>`
  select regexp_replace(pg_get_indexdef(indexrelid), ' ON \\S+\\.', ' ON ') as def from pg_index where indrelid = 'sales'::regclass order by 1`).map((r) => r.def);

/** What the change-tracking triggers keep, next to what it must equal for a table loaded from empty. */
async function tracking(d: TestDatabase) {
  const dirty = await d.sql`select store_id, product_id, first_day::text, last_day::text from feature_dirty order by 1, 2`;
  const spans = await d.sql`select store_id, product_id, min(day)::text as first_day, max(day)::text as last_day from sales group by 1, 2 order by 1, 2`;
  const counted = await d.sql`select store_id, day::text, rows from sales_store_day where rows <> 0 order by 2, 1`;
  const counts = await d.sql`select store_id, day::text, count(*)::int as rows from sales group by 1, 2 order by 2, 1`;
  return { dirty, spans, counted, counts };
}

describe("import into sales", () => {
  it("a first load into an empty table copies straight in and leaves the same rows, indexes and change tracking as a merge", async () => {
    const path = await csv("first.csv", kaggle(40, [1, 2, 3], [1, 2, 3, 4]));
    const [bulk, merged] = await Promise.all([database(), database()]);
    const before = await indexes(bulk);
    const viaBulk = await load(bulk, path, { batchSize: 100 });
    const viaMerge = await load(merged, path, { batchSize: 100, bulkLoad: false });
    expect(viaBulk.bulk).toBe(!(await embedded(bulk)));
    expect(viaMerge.bulk).toBe(false);
    expect(viaBulk).toMatchObject({ lines: 480, loaded: 480, changed: 480, rejected: 0, committed: true, created: { cities: 1, stores: 3, products: 4 } });
    expect(viaMerge).toMatchObject({ loaded: 480, changed: 480, created: viaBulk.created });
    const rows = await sales(bulk);
    expect(rows).toHaveLength(480);
    expect(rows.every((r) => r.city_ok && r.promo === false && r.price === null)).toBe(true);
    expect(rows).toEqual(await sales(merged));
    expect(await indexes(bulk)).toEqual(before);
    const t = await tracking(bulk);
    expect(t.dirty).toEqual(t.spans);
    expect(t.counted).toEqual(t.counts);
    expect(t.dirty).toHaveLength(12);
    // The key checks of sql/012 still guard the table: a store with sales cannot go.
    await expect(bulk.sql`delete from store where code = 'store-1'`).rejects.toMatchObject({ code: "23503" });
    // A second import into the now full table merges, and changes nothing.
    const again = await load(bulk, path, { batchSize: 100 });
    expect(again).toMatchObject({ bulk: false, loaded: 480, changed: 0 });
  });

  for (const bulkLoad of [true, false]) {
    it(`a bad row in the second COPY batch loads nothing (${bulkLoad ? "into an empty table" : "IMPORT_BULK_LOAD=off"})`, async () => {
      const d = await database();
      const before = await indexes(d);
      const lines = kaggle(60, [1, 2], [1, 2]);
      lines.splice(150, 0, "2017-02-10,1,1,oops"); // line 151, in the second batch of 100
      const error = await load(d, await csv("second-batch.csv", lines), { batchSize: 100, bulkLoad }).catch((e) => e);
      expect(error).toBeInstanceOf(ImportRejectedError);
      expect(error.report.badRows.map((b: { line: number }) => b.line)).toEqual([151]);
      expect(await d.sql`select count(*)::int as n from sales`).toEqual([{ n: 0 }]);
      expect(await d.sql`select code from store`).toEqual([]);
      expect(await d.sql`select count(*)::int as n from feature_dirty`).toEqual([{ n: 0 }]);
      // The rolled-back load leaves the table as it was, indexes included.
      expect(await indexes(d)).toEqual(before);
      const good = await load(d, await csv("good.csv", kaggle(60, [1, 2], [1, 2])), { batchSize: 100, bulkLoad });
      expect(good).toMatchObject({ loaded: 240, changed: 240 });
    });
  }

  it("keeps line numbers right across empty lines, CRLF endings and quoted fields with newlines, on both sides of a batch", async () => {
    const d = await database();
    const lines = [
      "date,store,item,sales",            // 1
      "2017-01-01,1,1,5",                  // 2
      "",                                  // 3: empty, skipped
      "2017-01-02,1,1,x",                  // 4: bad units
      "2017-01-03,1,1,6",                  // 5
      "2017-01-04,\"1\",1,7",              // 6: quoted, still store 1
      "2017-01-05,\"store\nname\",1,-1",   // 7-8: one record over two lines, negative
      "2017-01-06,1,1,8",                  // 9
      "2017-01-01,1,1,9",                  // 10: the key of line 2, other units
      "2017-01-07,1,1,oops",               // 11
    ];
    const path = join(dir, "lines.csv");
    await writeFile(path, lines.join("\r\n") + "\r\n");
    const error = await load(d, path, { batchSize: 2 }).catch((e) => e);
    expect(error).toBeInstanceOf(ImportRejectedError);
    expect(error.report.badRows.map((b: { line: number; code: string }) => [b.line, b.code])).toEqual([
      [4, "bad_units"], [8, "negative_units"], [10, "duplicate"], [11, "bad_units"],
    ]);
    expect(error.report.badRows[2].reason).toMatch(/duplicate of line 2/);
  });

  it("an upsert that changes a value marks that series and day for the feature refresh, and only that", async () => {
    const d = await database();
    await load(d, await csv("base.csv", kaggle(20, [1, 2], [1, 2])));
    await d.sql`delete from feature_dirty`;
    const changed = await csv("changed.csv", kaggle(20, [1, 2], [1, 2], (s, i, day) => (s === 2 && i === 1 && day === 9 ? 99 : (s * 7 + i * 3 + day) % 40)));
    const report = await load(d, changed, { batchSize: 30 });
    expect(report).toMatchObject({ bulk: false, loaded: 80, changed: 1 });
    expect(await d.sql`
      select s.code as store, p.code as product, first_day::text, last_day::text
      from feature_dirty f join store s on s.id = f.store_id join product p on p.id = f.product_id`).toEqual([
      { store: "store-2", product: "item-1", first_day: "2017-01-10", last_day: "2017-01-10" },
    ]);
    const [row] = await d.sql`select units::float8 from sales x join store s on s.id = x.store_id join product p on p.id = x.product_id
      where s.code = 'store-2' and p.code = 'item-1' and day = '2017-01-10'`;
    expect(row.units).toBe(99);
    const t = await tracking(d);
    expect(t.counted).toEqual(t.counts);
  });
});
