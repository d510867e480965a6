// The seasonal profiles every series borrows its shape from, read in one query
// (a few rows per product and store, not per series) and combined per series
// in memory: the product's shape across its stores, times how its store
// differs from all stores.
import type { Sql } from "../db/connect.ts";
import type { SeasonalProfile } from "../models/pooled.ts";
import type { SeriesInput } from "../models/types.ts";

export type ProfileLevel = "global" | "product" | "store";

interface ProfileRow {
  level: ProfileLevel;
  member_id: number;
  day_of_week: number[];
  month_of_year: number[];
  annual_growth: number;
}

export class SeasonalProfiles {
  readonly #global: SeasonalProfile | undefined;
  readonly #products: Map<number, SeasonalProfile>;
  readonly #stores: Map<number, SeasonalProfile>;

  constructor(rows: readonly ProfileRow[]) {
    const of = (row: ProfileRow): SeasonalProfile => ({
      dayOfWeek: row.day_of_week.map(Number),
      monthOfYear: row.month_of_year.map(Number),
      annualGrowth: Number(row.annual_growth),
    });
    this.#global = rows.filter((r) => r.level === "global").map(of)[0];
    this.#products = new Map(rows.filter((r) => r.level === "product").map((r) => [r.member_id, of(r)]));
    this.#stores = new Map(rows.filter((r) => r.level === "store").map((r) => [r.member_id, of(r)]));
  }

  get size(): number {
    return this.#products.size + this.#stores.size + (this.#global ? 1 : 0);
  }

  /**
   * product × store ÷ global, rescaled to average 1. A product or store with
   * no row of its own (no sales in the profile window) contributes nothing;
   * undefined when there are no profiles at all.
   */
  forSeries(storeId: number, productId: number): SeasonalProfile | undefined {
    const global = this.#global;
    if (!global) return undefined;
    const product = this.#products.get(productId) ?? global;
    const store = this.#stores.get(storeId) ?? global;
    const combine = (pick: (p: SeasonalProfile) => number[]) => {
      const values = pick(product).map((p, i) => {
        const g = pick(global)[i];
        return g > 0 ? (p * pick(store)[i]) / g : p;
      });
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return mean > 0 ? values.map((v) => v / mean) : values;
    };
    return {
      dayOfWeek: combine((p) => p.dayOfWeek),
      monthOfYear: combine((p) => p.monthOfYear),
      annualGrowth: (product.annualGrowth * store.annualGrowth) / global.annualGrowth,
    };
  }
}

export async function loadProfiles(sql: Sql): Promise<SeasonalProfiles> {
  const rows = await sql<ProfileRow[]>`
    select level, member_id, day_of_week, month_of_year, annual_growth from seasonal_profiles`;
  return new SeasonalProfiles(rows);
}

/**
 * Adds each series' profile as `context.profile` on its way to the fit
 * threads (plain numbers, cloned with the series). `profiles` null passes the
 * inputs through unchanged, which leaves the pooled candidate out.
 */
export async function* attachProfiles(
  inputs: AsyncIterable<SeriesInput>,
  profiles: SeasonalProfiles | null,
  seriesOf: (id: string) => { storeId: number; productId: number } | undefined,
): AsyncGenerator<SeriesInput> {
  for await (const input of inputs) {
    const series = profiles ? seriesOf(input.id) : undefined;
    const profile = series && profiles?.forSeries(series.storeId, series.productId);
    yield profile ? { ...input, context: { ...input.context, profile } } : input;
  }
}
