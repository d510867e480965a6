// Loads sales rows in batches: each batch is one INSERT … SELECT from a JSON
// array (one parameter however many rows), upserting on the primary key so
// loading the same data twice changes nothing.
import type { Sql } from "../db/connect.ts";
import type { CatalogIds } from "./catalog.ts";

export interface SalesInput {
  store: string;
  product: string;
  day: string;
  units: number;
  promo: boolean;
  price?: number | null;
}

export interface LoadReport {
  rows: number;
  batches: number;
}

export async function loadSales(
  sql: Sql,
  ids: CatalogIds,
  rows: Iterable<SalesInput> | AsyncIterable<SalesInput>,
  options: { batchSize?: number; onBatch?: (loaded: number) => void } = {},
): Promise<LoadReport> {
  const batchSize = options.batchSize ?? 10_000;
  const report: LoadReport = { rows: 0, batches: 0 };
  let batch: SalesInput[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await insertBatch(sql, ids, batch);
    report.rows += batch.length;
    report.batches++;
    batch = [];
    options.onBatch?.(report.rows);
  };
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return report;
}

async function insertBatch(sql: Sql, ids: CatalogIds, batch: SalesInput[]): Promise<void> {
  const records = batch.map((row) => {
    const store = ids.store.get(row.store);
    const productId = ids.product.get(row.product);
    if (!store) throw new Error(`unknown store code ${JSON.stringify(row.store)} on ${row.day}`);
    if (productId === undefined) throw new Error(`unknown product code ${JSON.stringify(row.product)} on ${row.day}`);
    return { c: store.cityId, s: store.id, p: productId, d: row.day, u: row.units, pr: row.promo, x: row.price ?? null };
  });
  await sql`
    insert into sales (city_id, store_id, product_id, day, units, promo, price)
    select c, s, p, d, u, pr, x
    from json_to_recordset(${JSON.stringify(records)}::json)
      as batch (c int, s int, p int, d date, u numeric, pr boolean, x numeric)
    on conflict (store_id, product_id, day) do update
      set units = excluded.units, promo = excluded.promo, price = excluded.price, city_id = excluded.city_id`;
}
