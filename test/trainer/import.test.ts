// `trainer import` on small CSV files written here: the Kaggle layout, a mapped
// layout, re-import, bad rows (all-or-nothing and --rejects), and the CLI.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCsv, ImportRejectedError, openCsv } from "../../trainer/import/csv-import.ts";
import { ImportError, KAGGLE_STORE_ITEM, parseMapping } from "../../trainer/import/mapping.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";

let database: TestDatabase;
let dir: string;

beforeAll(async () => {
  [database, dir] = await Promise.all([isolatedDatabase(), mkdtemp(join(tmpdir(), "import-test-"))]);
  // Files several tests read, written here so that each test also runs alone.
  await file("train.csv", kaggle(30, [1, 2], [1, 2, 3]));
  await file("bad.csv", [
    "date,store,item,sales",
    "2017-03-01,3,1,5",          // line 2: good, and a new store
    "2017-02-30,3,1,5",          // line 3: no such day
    "2017-03-02,3,1,many",       // line 4: not a number
    "2017-03-03,3,1,-2",         // line 5: negative
    "2017-03-01,3,1,5",          // line 6: an exact repeat of line 2
    "2017-03-01,3,1,6",          // line 7: same key as line 2, other units
  ].join("\n"));
});

afterAll(async () => {
  await Promise.all([database?.close(), rm(dir, { recursive: true, force: true })]);
});

async function file(name: string, text: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function kaggle(days: number, stores: number[], items: number[]): string {
  const lines = ["date,store,item,sales"];
  for (let d = 0; d < days; d++) {
    const day = new Date(Date.UTC(2017, 0, 1 + d)).toISOString().slice(0, 10);
    for (const s of stores) for (const i of items) lines.push(`${day},${s},${i},${(s * 7 + i * 3 + d) % 40}`);
  }
  return lines.join("\n") + "\n";
}

const sales = () => database.sql`
  select s.code as store, p.code as product, c.code as city, day::text, units::float8, promo, price::float8
  from sales x join store s on s.id = x.store_id join product p on p.id = x.product_id join city c on c.id = x.city_id
  order by 1, 2, 4`;

describe("trainer import", () => {
  it("loads the Kaggle store-item layout, creating cities, stores and products as needed", async () => {
    const report = await importCsv(database.sql, openCsv(join(dir, "train.csv")), { mapping: KAGGLE_STORE_ITEM, city: "main", batchSize: 37 });
    expect(report).toMatchObject({ lines: 180, loaded: 180, rejected: 0, repeated: 0, committed: true, created: { cities: 1, stores: 2, products: 3 } });
    const rows = await sales();
    expect(rows).toHaveLength(180);
    expect(rows[0]).toEqual({ store: "store-1", product: "item-1", city: "main", day: "2017-01-01", units: 10, promo: false, price: null });
    const stores = await database.sql`select s.code, s.name, c.code as city from store s join city c on c.id = s.city_id order by 1`;
    expect(stores).toEqual([{ code: "store-1", name: "1", city: "main" }, { code: "store-2", name: "2", city: "main" }]);
  });

  it("re-importing the same file changes nothing", async () => {
    await importCsv(database.sql, openCsv(join(dir, "train.csv")), { mapping: KAGGLE_STORE_ITEM, city: "main" });
    const before = await sales();
    expect(before).toHaveLength(180);
    const report = await importCsv(database.sql, openCsv(join(dir, "train.csv")), { mapping: KAGGLE_STORE_ITEM, city: "main" });
    expect(report).toMatchObject({ loaded: 180, created: { cities: 0, stores: 0, products: 0 } });
    expect(await sales()).toEqual(before);
  });

  it("is all-or-nothing by default and names every bad row's line", async () => {
    const before = await sales();
    const error = await importCsv(database.sql, openCsv(join(dir, "bad.csv")), { mapping: KAGGLE_STORE_ITEM, city: "main" }).catch((e) => e);
    expect(error).toBeInstanceOf(ImportRejectedError);
    expect(error.code).toBe("rejected_rows");
    expect(error.report.badRows.map((b: { line: number }) => b.line)).toEqual([3, 4, 5, 7]);
    expect(error.report.badRows[3].reason).toMatch(/duplicate of line 2/);
    expect(error.message).toMatch(/line 3: date "2017-02-30" is not a calendar date/);
    expect(error.message).toMatch(/--rejects/);
    // Nothing from the file, not even its good row or its new store.
    expect(await sales()).toEqual(before);
    expect(await database.sql`select 1 from store where code = 'store-3'`).toHaveLength(0);
  });

  it("with a rejects file, loads the good rows and writes the bad ones with line numbers", async () => {
    const rejects = join(dir, "rejects.csv");
    const report = await importCsv(database.sql, openCsv(join(dir, "bad.csv")), { mapping: KAGGLE_STORE_ITEM, city: "main", rejectsPath: rejects });
    expect(report).toMatchObject({ lines: 6, loaded: 1, repeated: 1, rejected: 4, committed: true, created: { stores: 1 } });
    const written = (await readFile(rejects, "utf8")).trim().split("\n");
    expect(written[0]).toBe("line,reason,date,store,item,sales");
    expect(written.slice(1).map((l) => l.split(",")[0])).toEqual(["3", "4", "5", "7"]);
    expect(written[2]).toContain("2017-03-02,3,1,many");
    const [row] = await database.sql`select units::float8 from sales x join store s on s.id = x.store_id where s.code = 'store-3'`;
    expect(row.units).toBe(5);
  });

  it("maps any layout: city, promo and price columns, names, gzip, another delimiter", async () => {
    const text = [
      "Day;Shop;Town;SKU;Sold;Promo;Price",
      "2018-01-01;Oslo Sentrum;Oslo;Kaffe Mørk;12.5;yes;3.10",
      "2018-01-02;Oslo Sentrum;Oslo;Kaffe Mørk;9;no;",
    ].join("\n");
    const path = await file("mapped.csv.gz", gzipSync(text));
    const mapping = parseMapping("date=Day,store=Shop,city=Town,product=SKU,units=Sold,promo=Promo,price=Price");
    const report = await importCsv(database.sql, openCsv(path), { mapping, city: "main", delimiter: ";" });
    expect(report).toMatchObject({ loaded: 2, rejected: 0, created: { cities: 1, stores: 1, products: 1 } });
    const rows = (await sales()).filter((r) => r.city === "oslo");
    expect(rows).toEqual([
      { store: "oslo-sentrum", product: "kaffe-mork", city: "oslo", day: "2018-01-01", units: 12.5, promo: true, price: 3.1 },
      { store: "oslo-sentrum", product: "kaffe-mork", city: "oslo", day: "2018-01-02", units: 9, promo: false, price: null },
    ]);
    const [product] = await database.sql`select name from product where code = 'kaffe-mork'`;
    expect(product.name).toBe("Kaffe Mørk");
  });

  it("says which columns are missing and how to map them", async () => {
    const path = await file("other.csv", "day,shop,sku,qty\n2018-01-01,a,b,1\n");
    const error = await importCsv(database.sql, openCsv(path), { mapping: KAGGLE_STORE_ITEM, city: "main" }).catch((e) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect(error.code).toBe("missing_columns");
    expect(error.message).toMatch(/no column "date" \(for date\), "store" \(for store\), "item" \(for product\), "sales" \(for units\)/);
    expect(error.message).toMatch(/--columns date=<column>,store=<column>,product=<column>,units=<column>/);
    expect(() => parseMapping("units")).toThrow(/must be field=column/);
    expect(() => parseMapping("colour=x")).toThrow(/field one of date, store/);
  });

  it("a file without promo or price columns leaves them as they are; a new row gets the defaults", async () => {
    const mapped = await file("promo-price.csv", "date,store,item,sales,promo,price\n2019-05-01,41,1,3,1,2.50\n");
    await importCsv(database.sql, openCsv(mapped), { mapping: { ...KAGGLE_STORE_ITEM, promo: "promo", price: "price" }, city: "main" });
    const plain = await file("units-only.csv", "date,store,item,sales\n2019-05-01,41,1,7\n2019-05-02,41,1,4\n");
    const report = await importCsv(database.sql, openCsv(plain), { mapping: KAGGLE_STORE_ITEM, city: "main" });
    expect(report).toMatchObject({ loaded: 2, rejected: 0 });
    expect((await sales()).filter((r) => r.store === "store-41")).toEqual([
      { store: "store-41", product: "item-1", city: "main", day: "2019-05-01", units: 7, promo: true, price: 2.5 },
      { store: "store-41", product: "item-1", city: "main", day: "2019-05-02", units: 4, promo: false, price: null },
    ]);
  });

  it("refuses to move a stored store to another city, naming the store's lines, and loads nothing", async () => {
    const mapping = parseMapping("store=shop,city=town,product=item,units=sales");
    await importCsv(database.sql, openCsv(await file("town-a.csv", "date,shop,town,item,sales\n2019-06-01,Moving Shop,Bergen,1,5\n")), { mapping, city: "main" });
    const before = await sales();
    const path = await file("town-b.csv", [
      "date,shop,town,item,sales",
      "2019-06-02,Other Shop,Bergen,1,1",   // line 2: fine
      "2019-06-02,Moving Shop,Trondheim,1,5", // line 3: the store is in bergen
      "2019-06-03,Moving Shop,Trondheim,1,6", // line 4: again
    ].join("\n"));
    const error = await importCsv(database.sql, openCsv(path), { mapping, city: "main" }).catch((e) => e);
    expect(error).toBeInstanceOf(ImportRejectedError);
    expect(error.report.badRows).toEqual([
      { line: 3, code: "store_moved", reason: expect.stringMatching(/store moving-shop is in city bergen.*trondheim/) },
      { line: 4, code: "store_moved", reason: expect.stringMatching(/store moving-shop is in city bergen/) },
    ]);
    expect(await sales()).toEqual(before);
    expect(await database.sql`select 1 from store where code = 'other-shop'`).toHaveLength(0);
  });

  it("reports codes that slug alike, within the file and against the catalog, with their lines", async () => {
    const mapping = parseMapping("store=shop");
    await importCsv(database.sql, openCsv(await file("slug-1.csv", "date,shop,item,sales\n2019-07-01,Shop 9,1,5\n")), { mapping, city: "main" });
    const before = await sales();
    const path = await file("slug-2.csv", [
      "date,shop,item,sales",
      "2019-07-02,SHOP-9,1,1",     // line 2: shop-9 is "Shop 9" in the catalog
      "2019-07-02,Kiosk A,1,1",    // line 3: new
      "2019-07-02,kiosk-a,2,1",    // line 4: slugs like line 3
    ].join("\n"));
    const error = await importCsv(database.sql, openCsv(path), { mapping, city: "main" }).catch((e) => e);
    expect(error).toBeInstanceOf(ImportRejectedError);
    expect(error.report.badRows).toEqual([
      { line: 2, code: "code_collision", reason: expect.stringMatching(/store "SHOP-9" becomes shop-9, which is "Shop 9" in the catalog/) },
      { line: 4, code: "code_collision", reason: expect.stringMatching(/store "kiosk-a" becomes kiosk-a, as "Kiosk A" on line 3 does/) },
    ]);
    expect(await sales()).toEqual(before);
  });

  it("rejects dates before 1990 or after tomorrow, with their lines", async () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const path = await file("dates.csv", [
      "date,store,item,sales",
      `${day(1)},51,1,1`,      // line 2: tomorrow is fine (time zones)
      `${day(2)},51,1,1`,      // line 3: the day after is not
      "1989-12-31,51,1,1",     // line 4: before 1990
      "2999-01-01,51,1,1",     // line 5
    ].join("\n"));
    const error = await importCsv(database.sql, openCsv(path), { mapping: KAGGLE_STORE_ITEM, city: "main" }).catch((e) => e);
    expect(error).toBeInstanceOf(ImportRejectedError);
    expect(error.report.badRows.map((b: { line: number; code: string }) => [b.line, b.code])).toEqual([[3, "date_out_of_range"], [4, "date_out_of_range"], [5, "date_out_of_range"]]);
    expect(error.message).toMatch(/line 3: date \d{4}-\d{2}-\d{2} is after tomorrow/);
  });

  it("a bad row in a later batch leaves the earlier batches unwritten", async () => {
    const before = await sales();
    const lines = kaggle(10, [61, 62], [1, 2]).trim().split("\n");
    lines.push("2017-02-01,61,1,oops");
    const error = await importCsv(database.sql, openCsv(await file("late-bad.csv", lines.join("\n"))), { mapping: KAGGLE_STORE_ITEM, city: "main", batchSize: 7 }).catch((e) => e);
    expect(error).toBeInstanceOf(ImportRejectedError);
    expect(error.report.badRows.map((b: { line: number }) => b.line)).toEqual([42]);
    expect(await sales()).toEqual(before);
    expect(await database.sql`select code from store where code in ('store-61', 'store-62')`).toHaveLength(0);
  });

  it("from the command line: exit 6 and the lines when rows are bad, 0 when the file is good", async () => {
    const run = promisify(execFile);
    const cli = (args: string[]) => run(process.execPath, ["--import", "tsx", "trainer/cli.ts", "import", ...args], {
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: "info" },
    }).then(() => 0, (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }));
    const bad = await cli([join(dir, "bad.csv")]);
    expect(bad).toMatchObject({ code: 6 });
    expect((bad as { stdout: string }).stdout).toMatch(/line 4: units \\"many\\" is not a number/);
    expect(await cli([join(dir, "train.csv")])).toBe(0);
  }, 60_000);
});
