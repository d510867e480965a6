// The set-based half of an import: the batch's new catalog rows in one
// statement per dimension (their ids go back to the importer, which stages
// rows by id), then the staged sales into `sales` in one UPDATE and one
// INSERT of the new keys. Columns the file does not carry keep their
// stored values (a new row gets the table's defaults), and a row whose values are
// already stored is not rewritten, so a re-import of the same file writes
// nothing and fires no update trigger.
import type { Sql } from "../db/connect.ts";
import type { NewDimensions } from "./catalog-guard.ts";
import type { CatalogIds } from "./catalog-ids.ts";

export interface FileColumns {
  promo: boolean;
  price: boolean;
  cityName: boolean;
  storeName: boolean;
  productName: boolean;
}

export interface MergeCounts {
  /** Sales rows inserted or changed. */
  changed: number;
  created: { cities: number; stores: number; products: number };
}

/** Upserts the batch's new codes. A name is overwritten only when the file has a name column; a store's city never is (the guard refused moves). */
export async function upsertDimensions(tx: Sql, dims: NewDimensions, columns: FileColumns, ids: CatalogIds): Promise<MergeCounts["created"]> {
  const created = { cities: 0, stores: 0, products: 0 };
  if (dims.cities.length) {
    const rows = await tx<{ inserted: boolean }[]>`
      insert into city (code, name, source_code)
      select * from unnest(${dims.cities.map((c) => c.code)}::text[], ${dims.cities.map((c) => c.name)}::text[], ${dims.cities.map((c) => c.source)}::text[])
      on conflict (code) do update
        set name = case when ${columns.cityName} then excluded.name else city.name end,
            source_code = coalesce(city.source_code, excluded.source_code)
      returning (xmax = 0) as inserted`;
    created.cities = rows.filter((r) => r.inserted).length;
  }
  if (dims.stores.length) {
    const rows = await tx<{ inserted: boolean; code: string; id: number; cityId: number }[]>`
      insert into store (code, name, source_code, city_id)
      select n.code, n.name, n.source, c.id
      from unnest(${dims.stores.map((s) => s.code)}::text[], ${dims.stores.map((s) => s.name)}::text[],
                  ${dims.stores.map((s) => s.source)}::text[], ${dims.stores.map((s) => s.city)}::text[]) as n (code, name, source, city)
      join city c on c.code = n.city
      on conflict (code) do update
        set name = case when ${columns.storeName} then excluded.name else store.name end,
            source_code = coalesce(store.source_code, excluded.source_code)
      returning (xmax = 0) as inserted, code, id, city_id as "cityId"`;
    created.stores = rows.filter((r) => r.inserted).length;
    ids.add(rows, []);
  }
  if (dims.products.length) {
    const rows = await tx<{ inserted: boolean; code: string; id: number }[]>`
      insert into product (code, name, source_code)
      select * from unnest(${dims.products.map((p) => p.code)}::text[], ${dims.products.map((p) => p.name)}::text[], ${dims.products.map((p) => p.source)}::text[])
      on conflict (code) do update
        set name = case when ${columns.productName} then excluded.name else product.name end,
            source_code = coalesce(product.source_code, excluded.source_code)
      returning (xmax = 0) as inserted, code, id`;
    created.products = rows.filter((r) => r.inserted).length;
    ids.add([], rows);
  }
  return created;
}

/**
 * Moves the staging table into `sales` and empties it for the next batch.
 * Stored rows are updated in place first (an UPDATE that leaves the keys
 * alone runs no foreign-key check), then only the new keys are inserted;
 * the ON CONFLICT covers a concurrent writer that inserted one in between.
 * Returns the rows inserted or changed.
 */
export async function mergeStaged(tx: Sql, columns: FileColumns): Promise<number> {
  const updated = await tx`
    update sales x
    set units = g.units,
        promo = case when ${columns.promo} then g.promo else x.promo end,
        price = case when ${columns.price} then g.price else x.price end
    from import_staging g
    where x.store_id = g.store_id and x.product_id = g.product_id and x.day = g.day
      and (x.units, x.promo, x.price) is distinct from
          (g.units, case when ${columns.promo} then g.promo else x.promo end, case when ${columns.price} then g.price else x.price end)`;
  const inserted = await tx`
    insert into sales (city_id, store_id, product_id, day, units, promo, price)
    select g.city_id, g.store_id, g.product_id, g.day, g.units, coalesce(g.promo, false), g.price
    from import_staging g
    where not exists (select 1 from sales x where x.store_id = g.store_id and x.product_id = g.product_id and x.day = g.day)
    on conflict (store_id, product_id, day) do update
      set units = excluded.units,
          promo = case when ${columns.promo} then excluded.promo else sales.promo end,
          price = case when ${columns.price} then excluded.price else sales.price end`;
  await tx`truncate import_staging`;
  return updated.count + inserted.count;
}
