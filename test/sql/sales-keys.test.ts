// sql/012: the references of sales (product, store with its city) checked per
// statement. No orphan row is written by an insert or an update, and a
// store or product that sales rows name cannot leave, not even while an
// import naming it is still open.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../trainer/db/connect.ts";
import { upsertCatalog, type CatalogIds } from "../../trainer/ingest/catalog.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";

let database: TestDatabase;
let ids: CatalogIds;
const FK = /violates foreign key/;

beforeAll(async () => {
  database = await isolatedDatabase();
  ids = await upsertCatalog(database.sql, {
    cities: [{ code: "c1", name: "C1" }, { code: "c2", name: "C2" }],
    stores: [{ code: "s1", name: "S1", city: "c1" }, { code: "s2", name: "S2", city: "c2" }],
    products: [{ code: "p1", name: "P1" }, { code: "p2", name: "P2" }, { code: "p3", name: "P3" }],
  });
});

afterAll(async () => {
  await database?.close();
});

const s1 = () => ids.store.get("s1")!;
const product = (code: string) => ids.product.get(code)!;
const count = async () => (await database.sql<{ n: number }[]>`select count(*)::int as n from sales`)[0].n;

describe("sales references, checked per statement", () => {
  it("writes rows whose store, city and product exist", async () => {
    await database.sql`insert into sales (city_id, store_id, product_id, day, units)
      select ${s1().cityId}, ${s1().id}, p, '2024-01-01'::date + d, 1 from unnest(${[product("p1"), product("p2")]}::int[]) p, generate_series(0, 9) d`;
    expect(await count()).toBe(20);
  });

  it("rejects a whole statement in which one row names a missing product, a missing store or a store under another city", async () => {
    const before = await count();
    for (const [city, store, prod] of [[s1().cityId, s1().id, 999_999], [s1().cityId, 999_999, product("p1")], [s1().cityId + 1000, s1().id, product("p1")]]) {
      await expect(database.sql`insert into sales (city_id, store_id, product_id, day, units)
        values (${s1().cityId}, ${s1().id}, ${product("p3")}, '2024-02-01', 1), (${city}, ${store}, ${prod}, '2024-02-01', 1)`).rejects.toThrow(FK);
    }
    // An update that re-keys a row is checked too.
    await expect(database.sql`update sales set product_id = 999999 where product_id = ${product("p2")} and day = '2024-01-01'`).rejects.toThrow(FK);
    expect(await count()).toBe(before);
  });

  it("keeps a named product or store: no delete, no move to another city, no truncate; an unnamed one goes", async () => {
    await expect(database.sql`delete from product where id = ${product("p1")}`).rejects.toThrow(FK);
    await expect(database.sql`update store set city_id = ${ids.store.get("s2")!.cityId} where id = ${s1().id}`).rejects.toThrow(FK);
    await expect(database.sql`truncate product cascade`).rejects.toThrow(/sales rows name it/);
    // A rename is not a change of key.
    await database.sql`update product set name = 'P1 renamed' where id = ${product("p1")}`;
    await database.sql`delete from product where id = ${product("p3")}`;
    expect((await database.sql`select code from product order by code`).map((r) => r.code)).toEqual(["p1", "p2"]);
  });

  it("refuses a delete outside READ COMMITTED, whose snapshot could miss a concurrent import", async () => {
    await expect(database.sql.begin("isolation level repeatable read", (tx) => tx`delete from product where id = ${product("p2")}`)).rejects.toThrow(/READ COMMITTED/);
  });

  it("holds a product named by an open import: its delete waits, then fails once the import commits", async () => {
    const [{ id }] = await database.sql<{ id: number }[]>`insert into product (code, name) values ('p4', 'P4') returning id`;
    const row = () => [s1().cityId, s1().id, id, '2024-04-01', 1] as const;
    if (!process.env.DATABASE_URL) {
      // Embedded PGlite has one session for every client: no second transaction to race; the committed rows hold it.
      await database.sql`insert into sales (city_id, store_id, product_id, day, units) values ${database.sql([row()])}`;
      return expect(database.sql`delete from product where id = ${id}`).rejects.toThrow(FK);
    }
    const other = connect(database.url, { max: 1 });
    try {
      let releaseImport!: () => void;
      const importOpen = new Promise<void>((resolve) => (releaseImport = resolve));
      let imported!: () => void;
      const rowsWritten = new Promise<void>((resolve) => (imported = resolve));
      const importing = database.sql.begin(async (tx) => {
        await tx`insert into sales (city_id, store_id, product_id, day, units) values ${tx([row()])}`;
        imported();
        await importOpen;
      });
      await rowsWritten;
      const [{ pid }] = await other.sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
      const deleting = other.sql`delete from product where id = ${id}`.then(() => "deleted", (e: Error) => e.message);
      // The delete is blocked on the import's lock of the product row.
      await expect.poll(async () => (await database.sql`select 1 from pg_stat_activity where pid = ${pid} and wait_event_type = 'Lock'`).length, { timeout: 10_000 }).toBe(1);
      releaseImport();
      await importing;
      expect(await deleting).toMatch(FK);
      expect((await database.sql`select count(*)::int as n from sales where product_id = ${id}`)[0].n).toBe(1);
    } finally {
      await other.sql.end();
    }
  });
});
