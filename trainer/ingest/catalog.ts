// Upserts dimension rows and returns code → id maps, set-based: one
// statement per dimension however many rows come in.
import type { Sql } from "../db/connect.ts";

export interface CatalogInput {
  cities: { code: string; name: string }[];
  stores: { code: string; name: string; city: string }[];
  products: { code: string; name: string }[];
}

export interface CatalogIds {
  city: Map<string, number>;
  store: Map<string, { id: number; cityId: number }>;
  product: Map<string, number>;
}

export async function upsertCatalog(sql: Sql, input: CatalogInput): Promise<CatalogIds> {
  const cities = await sql<{ id: number; code: string }[]>`
    insert into city (code, name)
    select * from unnest(${input.cities.map((c) => c.code)}::text[], ${input.cities.map((c) => c.name)}::text[])
    on conflict (code) do update set name = excluded.name
    returning id, code`;
  const city = new Map(cities.map((r) => [r.code, r.id]));
  const unknown = input.stores.filter((s) => !city.has(s.city));
  if (unknown.length) {
    throw new Error(`stores name cities that are not in the catalog: ${unknown.slice(0, 5).map((s) => `${s.code} → ${s.city}`).join(", ")}`);
  }
  const stores = await sql<{ id: number; code: string; city_id: number }[]>`
    insert into store (code, name, city_id)
    select * from unnest(${input.stores.map((s) => s.code)}::text[], ${input.stores.map((s) => s.name)}::text[],
                         ${input.stores.map((s) => city.get(s.city)!)}::int[])
    on conflict (code) do update set name = excluded.name, city_id = excluded.city_id
    returning id, code, city_id`;
  const products = await sql<{ id: number; code: string }[]>`
    insert into product (code, name)
    select * from unnest(${input.products.map((p) => p.code)}::text[], ${input.products.map((p) => p.name)}::text[])
    on conflict (code) do update set name = excluded.name
    returning id, code`;
  return {
    city,
    store: new Map(stores.map((r) => [r.code, { id: r.id, cityId: r.city_id }])),
    product: new Map(products.map((r) => [r.code, r.id])),
  };
}
