// Stage 2: every series in one set-based query. The view is aggregated to one
// row per series (day-ordered arrays) and streamed by a cursor, so memory
// holds a few batches of series, never the whole table.
import { createHash } from "node:crypto";
import type { Sql } from "../db/connect.ts";

export interface SeriesRecord {
  storeId: number;
  productId: number;
  city: string;
  store: string;
  product: string;
  /** First day of `units`, YYYY-MM-DD. */
  start: string;
  units: number[];
  promo: number[];
  /** sha-256 of start, units and promo: equal hashes mean nothing changed. */
  dataHash: string;
}

export interface Dimensions {
  cities: { id: number; code: string; name: string }[];
  stores: { id: number; code: string; name: string; cityId: number; city: string }[];
  products: { id: number; code: string; name: string }[];
}

export async function loadDimensions(sql: Sql): Promise<Dimensions> {
  const [cities, stores, products] = await Promise.all([
    sql<Dimensions["cities"]>`select id, code, name from city order by code`,
    sql<Dimensions["stores"]>`select s.id, s.code, s.name, s.city_id as "cityId", c.code as city
                              from store s join city c on c.id = s.city_id order by s.code`,
    sql<Dimensions["products"]>`select id, code, name from product order by code`,
  ]);
  return { cities, stores, products };
}

export function hashSeries(start: string, units: number[], promo: number[]): string {
  return createHash("sha256").update(start).update(new Float64Array(units)).update(new Uint8Array(promo)).digest("base64url");
}

export async function* fetchSeries(
  sql: Sql,
  dims: Dimensions,
  options: { batchSize?: number; onWait?: (ms: number) => void } = {},
): AsyncGenerator<SeriesRecord> {
  const stores = new Map(dims.stores.map((s) => [s.id, s]));
  const products = new Map(dims.products.map((p) => [p.id, p]));
  const cursor = sql<{ store_id: number; product_id: number; start: string; units: number[]; promo: number[] }[]>`
    select store_id, product_id, min(day)::text as start,
           array_agg(units order by day) as units,
           array_agg(promo::int order by day) as promo
    from series_features
    group by store_id, product_id
    order by store_id, product_id`.cursor(options.batchSize ?? 64);
  let waitStart = performance.now();
  for await (const rows of cursor) {
    options.onWait?.(performance.now() - waitStart);
    for (const row of rows) {
      const store = stores.get(row.store_id)!;
      const units = row.units.map(Number);
      yield {
        storeId: row.store_id,
        productId: row.product_id,
        city: store.city,
        store: store.code,
        product: products.get(row.product_id)!.code,
        start: row.start,
        units,
        promo: row.promo,
        dataHash: hashSeries(row.start, units, row.promo),
      };
    }
    waitStart = performance.now();
  }
}
