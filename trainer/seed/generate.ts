// Generates a realistic daily sales history for a cities × stores × products
// grid. Demand per day = base × city × store × trend × weekly × yearly ×
// promotion lift, drawn as Poisson counts. Everything derives from one seed.
import { CITIES, PRODUCTS, SOUTHERN_CITIES, STORE_SUFFIXES, type ProductProfile } from "./catalog.ts";
import { normal, poisson, seededRandom, type Random } from "./random.ts";

export interface GridSize {
  cities: number;
  stores: number;
  products: number;
}

export interface GenerateOptions extends GridSize {
  days: number;
  /** Last day of history, YYYY-MM-DD (UTC). */
  end: string;
  seed: number;
}

export interface SeedCatalog {
  cities: { code: string; name: string }[];
  stores: { code: string; name: string; city: string }[];
  products: { code: string; name: string }[];
}

export interface SalesRow {
  store: string;
  product: string;
  day: string;
  units: number;
  promo: boolean;
  price: number;
}

export const LIMITS = { cities: CITIES.length, stores: STORE_SUFFIXES.length, products: PRODUCTS.length } as const;

export function seedCatalog(size: GridSize): SeedCatalog {
  for (const k of ["cities", "stores", "products"] as const) {
    if (!Number.isInteger(size[k]) || size[k] < 1 || size[k] > LIMITS[k]) {
      throw new RangeError(`${k} must be an integer from 1 to ${LIMITS[k]} (got ${size[k]})`);
    }
  }
  const cities = CITIES.slice(0, size.cities).map(({ code, name }) => ({ code, name }));
  const stores = cities.flatMap((c) =>
    STORE_SUFFIXES.slice(0, size.stores).map((s) => ({
      code: `${c.code}-${s}`,
      name: `${c.name} ${s[0].toUpperCase()}${s.slice(1)}`,
      city: c.code,
    })),
  );
  const products = PRODUCTS.slice(0, size.products).map(({ code, name }) => ({ code, name }));
  return { cities, stores, products };
}

const DAY_MS = 86_400_000;

function dayOfYear(t: number): number {
  const d = new Date(t);
  return Math.floor((t - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
}

/** Promotion calendar for one series: runs of 3–7 days at the product's share. */
function promoDays(random: Random, days: number, share: number): Uint8Array {
  const flags = new Uint8Array(days);
  const runStartChance = share / 5;
  for (let i = 0; i < days; i++) {
    if (random() < runStartChance) {
      const length = 3 + Math.floor(random() * 5);
      flags.fill(1, i, Math.min(days, i + length));
      i += length;
    }
  }
  return flags;
}

function* seriesRows(random: Random, options: GenerateOptions, city: (typeof CITIES)[number], store: string, profile: ProductProfile): Generator<SalesRow> {
  const endMs = Date.parse(`${options.end}T00:00:00Z`);
  const startMs = endMs - (options.days - 1) * DAY_MS;
  const storeFactor = Math.exp(0.25 * normal(random));
  const yearlyGrowth = 0.08 + 0.12 * normal(random);
  const promos = promoDays(random, options.days, profile.promoShare);
  const peak = SOUTHERN_CITIES.has(city.code) ? profile.yearlyPeakDay + 182 : profile.yearlyPeakDay;
  const listPrice = Math.round((2 + 40 * random()) * 100) / 100;
  for (let i = 0; i < options.days; i++) {
    const t = startMs + i * DAY_MS;
    const weekday = (new Date(t).getUTCDay() + 6) % 7; // Monday = 0
    const season = 1 + profile.yearlyAmplitude * Math.cos((2 * Math.PI * (dayOfYear(t) - peak)) / 365.25);
    const trend = 1 + yearlyGrowth * (i / 365.25);
    const promo = promos[i] === 1;
    const mean = profile.baseUnits * city.factor * storeFactor * Math.max(0.05, trend) *
      profile.weekly[weekday] * Math.max(0.02, season) * (promo ? profile.promoLift : 1);
    const units = poisson(random, mean);
    // Slow movers are recorded only on days they sell, as point-of-sale data is.
    if (units === 0 && profile.baseUnits < 1) continue;
    yield {
      store,
      product: profile.code,
      day: new Date(t).toISOString().slice(0, 10),
      units,
      promo,
      price: promo ? Math.round(listPrice * 0.8 * 100) / 100 : listPrice,
    };
  }
}

/** Every sales row of the grid, series by series, in a stable order. */
export function* generateSales(options: GenerateOptions): Generator<SalesRow> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.end) || Number.isNaN(Date.parse(options.end))) {
    throw new RangeError(`end must be a date YYYY-MM-DD (got ${options.end})`);
  }
  if (!Number.isInteger(options.days) || options.days < 28) {
    throw new RangeError(`days must be an integer >= 28 (got ${options.days})`);
  }
  const catalog = seedCatalog(options);
  const random = seededRandom(options.seed);
  for (const store of catalog.stores) {
    const city = CITIES.find((c) => c.code === store.city)!;
    for (const profile of PRODUCTS.slice(0, options.products)) {
      yield* seriesRows(random, options, city, store.code, profile);
    }
  }
}
