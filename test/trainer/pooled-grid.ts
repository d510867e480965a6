// A grid whose series share one weekly and yearly shape, each drawn as small
// Poisson counts: too noisy for any one series to learn the shape alone.
import type { SalesInput } from "../../trainer/ingest/sales.ts";
import type { CatalogInput } from "../../trainer/ingest/catalog.ts";
import { poisson, seededRandom } from "../../trainer/seed/random.ts";

export const DAY = 86_400_000;
/** Monday first. */
export const SHARED_WEEK = [0.5, 0.7, 0.8, 0.9, 1.2, 1.9, 1.0];
const month = (m: number) => 1 + 0.35 * Math.cos((2 * Math.PI * (m - 6)) / 12); // summer peak

export const weekdayOf = (t: number) => (new Date(t).getUTCDay() + 6) % 7;
export const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

export function sharedShapeGrid(options: { stores: number; products: number; days: number; last: number; level: number; seed: number }) {
  const stores = Array.from({ length: options.stores }, (_, i) => `s${i + 1}`);
  const products = Array.from({ length: options.products }, (_, i) => `p${i + 1}`);
  const catalog: CatalogInput = {
    cities: [{ code: "c1", name: "City" }],
    stores: stores.map((code) => ({ code, name: code, city: "c1" })),
    products: products.map((code) => ({ code, name: code })),
  };
  const random = seededRandom(options.seed);
  const sales: SalesInput[] = [];
  for (const store of stores) {
    for (const product of products) {
      for (let i = options.days - 1; i >= 0; i--) {
        const t = options.last - i * DAY;
        const units = poisson(random, options.level * SHARED_WEEK[weekdayOf(t)] * month(new Date(t).getUTCMonth()));
        if (units > 0) sales.push({ store, product, day: isoDay(t), units, promo: false });
      }
    }
  }
  return { catalog, sales };
}
