// A generated M5-like grid: stores × items of daily unit sales where most
// series are intermittent, with weekly and yearly shape, promotions, launches
// and overdispersed counts, and the mean every day was drawn from, so a
// forecast can be scored against the best one possible. Documented in
// docs/forecast-quality.md ("The M5-like grid").
import type { CatalogInput } from "../../trainer/ingest/catalog.ts";
import type { SalesInput } from "../../trainer/ingest/sales.ts";
import { normal, poisson, seededRandom, type Random } from "../../trainer/seed/random.ts";

export interface GridOptions {
  stores: number;
  items: number;
  /** Days of history, then `horizon` days held out. */
  days: number;
  horizon: number;
  /** Last day of history (UTC ms). */
  last: number;
  seed: number;
}

export interface GridSeries {
  store: string;
  product: string;
  units: number[];
  promo: number[];
  /** The mean each day was drawn from. */
  mean: number[];
}

const DAY = 86_400_000;
/** Three departments with their own weekly shapes (Monday first), as in M5's categories. */
const WEEKS = [
  [0.85, 0.8, 0.8, 0.85, 1.05, 1.35, 1.3],
  [0.9, 0.9, 0.9, 0.95, 1.0, 1.2, 1.15],
  [0.75, 0.75, 0.8, 0.85, 1.1, 1.45, 1.3],
];
/** Gamma shape of the day-to-day multiplier: negative-binomial counts, variance mean + mean²/2. */
const DISPERSION = 2;
const PROMO_LIFT = 1.8;

/** Gamma(shape, 1) by Marsaglia–Tsang. */
function gamma(random: Random, shape: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(random);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    if (Math.log(1 - random()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

export function m5LikeGrid(options: GridOptions): { catalog: CatalogInput; series: GridSeries[] } {
  const random = seededRandom(options.seed);
  const total = options.days + options.horizon;
  const first = options.last - (options.days - 1) * DAY;
  const stores = Array.from({ length: options.stores }, (_, i) => ({ code: `store-${i + 1}`, factor: Math.exp(0.3 * normal(random)) }));
  const items = Array.from({ length: options.items }, (_, i) => ({
    code: `item-${i + 1}`,
    // Median 0.45 units a day, most items slow sellers and a few fast ones: about 55% of days sell nothing.
    base: 0.45 * Math.exp(1.2 * normal(random)),
    week: WEEKS[i % WEEKS.length],
    yearly: 0.25 * random(),
    peak: Math.floor(random() * 12),
    // One item in six launches during the history; its earlier days are no demand, not zeros of demand.
    launch: random() < 1 / 6 ? Math.floor(random() * (options.days - 120)) : 0,
    // A slow drift of demand over the three years: up or down by up to 30% a year.
    trend: 0.3 * (random() - 0.5) * 2,
  }));
  const series: GridSeries[] = [];
  for (const store of stores) {
    for (const item of items) {
      const units: number[] = [];
      const promo: number[] = [];
      const mean: number[] = [];
      let promoLeft = 0;
      for (let t = 0; t < total; t++) {
        const date = new Date(first + t * DAY);
        // Promotions: about one run of 3–7 days every 7 weeks, in the held-out days too (planned, so known).
        if (promoLeft === 0 && random() < 1 / 50) promoLeft = 3 + Math.floor(random() * 5);
        const onPromo = promoLeft > 0 ? 1 : 0;
        if (promoLeft > 0) promoLeft--;
        const season = 1 + item.yearly * Math.cos((2 * Math.PI * (date.getUTCMonth() - item.peak)) / 12);
        const m = t < item.launch ? 0
          : item.base * store.factor * item.week[(date.getUTCDay() + 6) % 7] * season * (1 + (item.trend * t) / 365) * (onPromo ? PROMO_LIFT : 1);
        mean.push(Math.max(0, m));
        units.push(m > 0 ? poisson(random, m * (gamma(random, DISPERSION) / DISPERSION)) : 0);
        promo.push(onPromo);
      }
      series.push({ store: store.code, product: item.code, units, promo, mean });
    }
  }
  const catalog: CatalogInput = {
    cities: [{ code: "m5", name: "M5-like" }],
    stores: stores.map((s) => ({ code: s.code, name: s.code, city: "m5" })),
    products: items.map((i) => ({ code: i.code, name: i.code })),
  };
  return { catalog, series };
}

/** The history part as sales rows (days with a sale or a promotion; the feature view fills the zeros). */
export function historyRows(grid: GridSeries[], options: GridOptions): SalesInput[] {
  const first = options.last - (options.days - 1) * DAY;
  const rows: SalesInput[] = [];
  for (const s of grid) {
    for (let t = 0; t < options.days; t++) {
      if (s.units[t] > 0 || s.promo[t]) rows.push({ store: s.store, product: s.product, day: new Date(first + t * DAY).toISOString().slice(0, 10), units: s.units[t], promo: s.promo[t] === 1 });
    }
  }
  return rows;
}
