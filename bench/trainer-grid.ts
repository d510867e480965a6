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
