// A generated grid of any size for the training-cycle benchmark: the demo
// catalogue stops at 125 series, memory has to be measured well past it.
// 50 products per store, as many stores as needed; weekly and yearly shape,
// trend, promotions and Poisson counts, a fifth of the products sparse.
import type { Sql } from "../trainer/db/connect.ts";
import { upsertCatalog } from "../trainer/ingest/catalog.ts";
import { loadSales, type SalesInput } from "../trainer/ingest/sales.ts";
import { poisson, seededRandom } from "../trainer/seed/random.ts";

const PRODUCTS_PER_STORE = 50;
const DAY_MS = 86_400_000;

export async function seedGrid(sql: Sql, options: { series: number; days: number; end: string; seed?: number }): Promise<{ series: number; rows: number }> {
  const stores = Math.ceil(options.series / PRODUCTS_PER_STORE);
  const products = Math.min(PRODUCTS_PER_STORE, options.series);
  const ids = await upsertCatalog(sql, {
    cities: [{ code: "bench", name: "Bench" }],
    stores: Array.from({ length: stores }, (_, s) => ({ code: `store-${s + 1}`, name: `Store ${s + 1}`, city: "bench" })),
    products: Array.from({ length: products }, (_, p) => ({ code: `item-${p + 1}`, name: `Item ${p + 1}` })),
  });
  const endDay = Date.parse(`${options.end}T00:00:00Z`) / DAY_MS;
  const random = seededRandom(options.seed ?? 7);
  function* rows(): Generator<SalesInput> {
    let made = 0;
    for (let s = 1; s <= stores; s++) {
      for (let p = 1; p <= products && made < options.series; p++, made++) {
        const sparse = p % 5 === 0;
        const base = sparse ? 0.3 + random() : 5 + 60 * random();
        const peak = 365 * random();
        for (let i = 0; i < options.days; i++) {
          const day = endDay - options.days + 1 + i;
          const weekday = (day + 4) % 7;
          const promo = random() < 0.05;
          const mean = base * (1 + 0.1 * (i / 365)) * (weekday >= 5 ? 1.3 : 1) * (1 + 0.3 * Math.cos((2 * Math.PI * ((day % 365.25) - peak)) / 365.25)) * (promo ? 1.5 : 1);
          const units = poisson(random, mean);
          if (units > 0 || promo) yield { store: `store-${s}`, product: `item-${p}`, day: new Date(day * DAY_MS).toISOString().slice(0, 10), units, promo };
        }
      }
    }
  }
  const report = await loadSales(sql, ids, rows());
  return { series: Math.min(options.series, stores * products), rows: report.rows };
}

/**
 * A retail grid shaped like the M5 data set: `stores` stores (M5 has 10)
 * carrying the same items, each store × item one series, most of them
 * intermittent. A series' mean rate is log-normal (median about 0.5 a day, so
 * about two thirds sell less than once a day), with a weekend lift, a yearly
 * season, promotions on about 3% of days (×1.8) and no trading on
 * 25 December. Only days with a sale or a promotion get a row, as
 * point-of-sale data does. Generated in SQL: a series' parameters from hashes
 * of its ids, its days from random().
 */
export async function seedRetail(sql: Sql, options: { series: number; stores?: number; days: number; end: string }): Promise<{ series: number; rows: number; stores: number; items: number; end: string }> {
  const stores = Math.min(options.stores ?? 10, options.series);
  const items = Math.ceil(options.series / stores);
  await sql`insert into city (code, name) values ('retail', 'Retail') on conflict do nothing`;
  await sql`insert into store (code, name, city_id)
            select 'store-' || g, 'Store ' || g, (select id from city where code = 'retail') from generate_series(1, ${stores}) g
            on conflict do nothing`;
  await sql`insert into product (code, name) select 'item-' || g, 'Item ' || g from generate_series(1, ${items}) g on conflict do nothing`;
  const first = new Date(Date.parse(`${options.end}T00:00:00Z`) - (options.days - 1) * DAY_MS).toISOString().slice(0, 10);
  let rows = 0;
  // One statement per store keeps each statement's transition table (the sales triggers read it) a store's size.
  for (let s = 1; s <= stores; s++) {
    const result = await sql`insert into sales (city_id, store_id, product_id, day, units, promo, price)
                             ${retailCells(sql, { store: s, items, series: options.series, from: first, to: options.end })}`;
    rows += result.count;
  }
  return { series: options.series, rows, stores, items, end: options.end };
}

/** The grid's rows for days [from, to], as (store code, item code, day, units, promo) for the importer. */
export async function retailDays(sql: Sql, options: { series: number; stores?: number; from: string; to: string }): Promise<SalesInput[]> {
  const stores = Math.min(options.stores ?? 10, options.series);
  const items = Math.ceil(options.series / stores);
  const out: SalesInput[] = [];
  for (let s = 1; s <= stores; s++) {
    const cells = await sql<{ product: string; day: string; units: string; promo: boolean; price: string }[]>`
      select p.code as product, c.day::text, c.units, c.promo, c.price
      from (${retailCells(sql, { store: s, items, series: options.series, from: options.from, to: options.to })}) c
      join product p on p.id = c.product_id`;
    for (const c of cells) out.push({ store: `store-${s}`, product: c.product, day: c.day, units: Number(c.units), promo: c.promo, price: Number(c.price) });
  }
  return out;
}

function retailCells(sql: Sql, o: { store: number; items: number; series: number; from: string; to: string }) {
  // A series' parameters come from hashes of its ids (the same on every call);
  // each day's draws from random().
  return sql`
    select r.city_id, r.store_id, r.product_id, r.day,
           (case when r.mean <= 0 or r.u < exp(-r.mean) then 0
                 -- Poisson's share of zero days exactly; above zero, 1 + an exponential draw for the rest of the mean.
                 else 1 + floor(-ln(1 - random()) * greatest(0, r.mean / (1 - exp(-r.mean)) - 1)) end)::numeric as units,
           r.promo, r.price
    from (
      select c.*, random() as u,
             case when to_char(c.day, 'MM-DD') = '12-25' then 0
                  else c.rate * (1 + c.weekend * (extract(isodow from c.day) >= 6)::int)
                       * (1 + c.season * cos(2 * pi() * (extract(doy from c.day) - c.peak) / 365.25))
                       * (case when c.promo then 1.8 else 1 end) end as mean
      from (
        select s.*, g.d::date as day, random() < 0.03 as promo
        from (
          select st.city_id, st.id as store_id, p.id as product_id, (1 + p.id % 20)::numeric as price,
                 exp(-0.7 + 1.3 * sqrt(-2 * ln(h.u1)) * cos(2 * pi() * h.u2)) as rate, 0.4 * h.u3 as weekend, 0.3 * h.u4 as season, 365 * h.u5 as peak
          from store st
          join product p on p.code ~ '^item-[0-9]+$' and substr(p.code, 6)::int <= ${o.items}
                        and (${o.store} - 1) * ${o.items} + substr(p.code, 6)::int <= ${o.series}
          cross join lateral (
            select (abs(hashtext(st.id || ':' || p.id || ':a')) + 1)::float8 / 2147483649 as u1,
                   (abs(hashtext(st.id || ':' || p.id || ':b')) + 1)::float8 / 2147483649 as u2,
                   (abs(hashtext(st.id || ':' || p.id || ':c')) + 1)::float8 / 2147483649 as u3,
                   (abs(hashtext(st.id || ':' || p.id || ':d')) + 1)::float8 / 2147483649 as u4,
                   (abs(hashtext(st.id || ':' || p.id || ':e')) + 1)::float8 / 2147483649 as u5) h
          where st.code = ${"store-" + o.store}
        ) s
        cross join generate_series(${o.from}::date, ${o.to}::date, interval '1 day') g (d)
      ) c
    ) r
    where r.promo or r.u >= exp(-r.mean)`;
}
