// `trainer plan import` and `plan list` on small CSV files written here, over
// a catalog loaded by `trainer import`: the default layout and its id mapping,
// the three scopes, future dates, bad rows with their lines (nothing stored),
// replace and merge, which series a change touches, and the CLI's exit code.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCsv, openCsv } from "../../trainer/import/csv-import.ts";
import { KAGGLE_STORE_ITEM } from "../../trainer/import/mapping.ts";
import { importPlan, PlanRejectedError, type PlanImportOptions } from "../../trainer/plan/import.ts";
import { listPlan } from "../../trainer/plan/list.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";

let database: TestDatabase;
let dir: string;

beforeAll(async () => {
  [database, dir] = await Promise.all([isolatedDatabase(), mkdtemp(join(tmpdir(), "plan-import-test-"))]);
  // Two cities of two Kaggle-style stores each, three items, ending 2017-01-31.
  for (const [city, stores] of [["north", [1, 2]], ["south", [3, 4]]] as const) {
    const lines = ["date,store,item,sales"];
    for (let d = 1; d <= 31; d++) for (const s of stores) for (const i of [1, 2, 3]) lines.push(`2017-01-${String(d).padStart(2, "0")},${s},${i},${(s + i + d) % 9}`);
    await importCsv(database.sql, openCsv(await file(`${city}.csv`, lines.join("\n"))), { mapping: KAGGLE_STORE_ITEM, city });
  }
});

afterAll(async () => {
  await Promise.all([database?.close(), rm(dir, { recursive: true, force: true })]);
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

// Each test that builds on a plan loads it first, so it passes alone as in sequence.
const FIRST_PLAN = ["date,store,item,price", "2017-02-03,1,2,4.50", "2017-02-04,1,2,4.50", "2017-02-05,1,2,3.99", "2030-06-01,3,1,"].join("\n");
const SCOPES_PLAN = ["date,store,item", "2017-02-10,2,", "2017-02-11,,3"].join("\n");

const load = async (name: string, text: string, options: Partial<PlanImportOptions> = {}) =>
  importPlan(database.sql, openCsv(await file(name, text)), { city: "north", source: name, ...options });

/** Every planned series-day from February 2017 on, as store/item/day[/price]. */
const plannedDays = async () => (await database.sql<{ d: string }[]>`
  select s.code || '/' || p.code || '/' || d.day::text || coalesce('/' || d.price::text, '') as d
  from planned_promotion_days('2017-02-01', '2031-01-01') d join store s on s.id = d.store_id join product p on p.id = d.product_id
  order by 1`).map((r) => r.d);

describe("trainer plan import", () => {
  it("reads date,store,item[,price], maps ids to the codes `trainer import` made, and takes dates years ahead", async () => {
    const report = await load("plan.csv", FIRST_PLAN);
    expect(report).toMatchObject({ lines: 4, days: 4, rejected: 0, repeated: 0 });
    // Two consecutive days at one price make one range; a new price starts another.
    expect(report.ranges).toBe(3);
    expect(report.changed).toEqual(["north/store-1/item-2", "south/store-3/item-1"]);
    expect(await plannedDays()).toEqual(["store-1/item-2/2017-02-03/4.50", "store-1/item-2/2017-02-04/4.50", "store-1/item-2/2017-02-05/3.99", "store-3/item-1/2030-06-01"]);
  });

  it("plans a whole store when the item is empty, and a product in every store of a city when the store is", async () => {
    await load("plan.csv", FIRST_PLAN);
    const report = await load("scopes.csv", SCOPES_PLAN, { city: "south" });
    expect(report.changed).toEqual([
      "north/store-1/item-2", "north/store-2/item-1", "north/store-2/item-2", "north/store-2/item-3",
      "south/store-3/item-1", "south/store-3/item-3", "south/store-4/item-3",
    ]);
    // Replaced: the first plan is gone.
    expect(await plannedDays()).toEqual([
      "store-2/item-1/2017-02-10", "store-2/item-2/2017-02-10", "store-2/item-3/2017-02-10",
      "store-3/item-3/2017-02-11", "store-4/item-3/2017-02-11",
    ]);
    const listed = await listPlan(database.sql);
    expect(listed.source).toBe("scopes.csv");
    expect(listed.loadedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(listed.entries.map((e) => `${e.scope} ${e.firstDay}..${e.lastDay}`)).toEqual(["north/store-2/* 2017-02-10..2017-02-10", "south/*/item-3 2017-02-11..2017-02-11"]);
  });

  it("maps other layouts with --columns, a city column included, and adds to the plan with merge", async () => {
    // A mapped column's bare numbers take that column's name, as in `trainer import`: shop 4 would be shop-4.
    const text = ["day;shop;sku;town;cost", "2017-02-20;store-4;item-1;south;2.5", "2017-02-21;;item-2;north;"].join("\n");
    const options = { columns: "date=day,store=shop,product=sku,city=town,price=cost", delimiter: ";", replace: false };
    await load("scopes.csv", SCOPES_PLAN, { city: "south" });
    const report = await load("mapped.csv", text, options);
    expect(report.rejected).toBe(0);
    expect(report.changed).toEqual(["north/store-1/item-2", "north/store-2/item-2", "south/store-4/item-1"]);
    expect(await plannedDays()).toEqual(expect.arrayContaining(["store-4/item-1/2017-02-20/2.50", "store-1/item-2/2017-02-21", "store-2/item-2/2017-02-21", "store-2/item-1/2017-02-10"]));
    const unmapped = await load("shop.csv", ["day;shop;sku;town;cost", "2017-02-20;4;item-1;south;"].join("\n"), options).catch((e) => e);
    expect(unmapped.message).toMatch(/line 2: store shop-4 is not in the catalog/);
    // Merging the same file again changes no series.
    expect((await load("mapped.csv", text, options)).changed).toEqual([]);
  });

  it("refuses the whole file when a row is bad, naming each bad row's line, and leaves the plan as it was", async () => {
    const before = await plannedDays();
    const error = await load("bad.csv", [
      "date,store,item,price",
      "2017-03-01,1,1,2",     // line 2: good
      "2017-03-02,9,1,2",     // line 3: no store-9
      "2017-03-02,1,7,2",     // line 4: no item-7
      "2017-02-30,1,1,2",     // line 5: no such day
      "2017-03-03,1,1,cheap", // line 6: not a number
      "2017-03-01,1,1,2",     // line 7: exact repeat of line 2
      "2017-03-01,1,1,3",     // line 8: line 2's day at another price
      "2017-03-04,,,",        // line 9: neither store nor product
    ].join("\n")).catch((e) => e);
    expect(error).toBeInstanceOf(PlanRejectedError);
    expect(error.code).toBe("rejected_rows");
    expect(error.report.badRows.map((b: { line: number; code: string }) => `${b.line} ${b.code}`)).toEqual(
      ["3 unknown_store", "4 unknown_product", "5 bad_date", "6 bad_price", "8 duplicate", "9 no_scope"]);
    expect(Object.keys(error.report.badRows[0]).sort()).toEqual(["code", "line", "reason"]);
    expect(error.message).toMatch(/line 3: store store-9 is not in the catalog/);
    expect(error.message).toMatch(/line 4: product item-7 is not in the catalog/);
    expect(error.message).toMatch(/line 8: duplicate of line 2/);
    expect(error.report.repeated).toBe(1);
    expect(await plannedDays()).toEqual(before);
  });

  it("refuses a store named with a city it is not in, and a layout whose columns are missing", async () => {
    const wrongCity = await load("city.csv", ["date,store,item,city", "2017-03-01,1,1,south"].join("\n"), { columns: "city=city" }).catch((e) => e);
    expect(wrongCity.message).toMatch(/line 2: store store-1 is in city north, not south/);
    const missing = await load("cols.csv", ["day,store,item", "2017-03-01,1,1"].join("\n")).catch((e) => e);
    expect(missing.code).toBe("missing_columns");
    expect(missing.message).toMatch(/no column "date" \(for date\)/);
  });

  it("`trainer plan import` exits 6 on bad rows and prints their lines; `plan list` prints the plan", async () => {
    const run = promisify(execFile);
    const env = { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: "info" };
    const cli = (...args: string[]) => run("npx", ["tsx", "trainer/cli.ts", "plan", ...args], { env });
    await cli("import", await file("cli-good.csv", "date,store,item,price\n2017-02-20,4,1,2.5\n"));
    const bad = await cli("import", await file("cli-bad.csv", "date,store,item\n2017-03-01,1,1\n2017-03-01,5,1\n")).catch((e) => e);
    expect(bad.code).toBe(6);
    expect(bad.stdout + bad.stderr).toMatch(/line 3: store store-5 is not in the catalog/);
    const listed = await cli("list");
    expect(listed.stdout).toMatch(/from .*cli-good\.csv/);
    expect(listed.stdout).toMatch(/2017-02-20 +south\/store-4\/item-1 +price 2\.5/);
  }, 180_000);
});
