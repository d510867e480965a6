// The seasonal profiles every series borrows its shape from, read in one query
// (a few rows per product and store and cut-off day, not per series) and
// combined per series in memory: the product's shape across its stores, times
// how its store differs from all stores. A run reads them as of its origin
// and as of every backtest fold's cut-off, so a fold borrows nothing from
// the days it is scored on.
import type { Sql } from "../db/connect.ts";
import { addDays } from "../days.ts";
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

/** Profiles as of the origin and as of each fold's cut-off: the profiles a run's series and folds see. */
export class ProfilesAsOf {
  readonly origin: string;
  readonly #byCutoff: Map<string, SeasonalProfiles>;

  constructor(origin: string, byCutoff: Map<string, SeasonalProfiles>) {
    this.origin = origin;
    this.#byCutoff = byCutoff;
  }

  get cutoffs(): string[] {
    return [...this.#byCutoff.keys()].sort();
  }

  /** The series' context: `profile` as of the origin, `foldProfiles` by cut-off day; null without profiles. */
  contextFor(storeId: number, productId: number): { profile: SeasonalProfile; foldProfiles: Record<string, SeasonalProfile> } | null {
    const profile = this.#byCutoff.get(this.origin)?.forSeries(storeId, productId);
    if (!profile) return null;
    const foldProfiles: Record<string, SeasonalProfile> = {};
    for (const [cutoff, profiles] of this.#byCutoff) {
      const p = cutoff === this.origin ? undefined : profiles.forSeries(storeId, productId);
      if (p) foldProfiles[cutoff] = p;
    }
    return { profile, foldProfiles };
  }
}

/** The origin and the last training day of each of `folds` folds of `holdoutDays` before it. */
export function foldCutoffs(origin: string, holdoutDays: number, folds: number): string[] {
  const days = [origin];
  for (let k = 1; holdoutDays > 0 && k <= folds; k++) days.push(addDays(origin, -k * holdoutDays));
  return days;
}

/** One query for every cut-off (sql/009): `seasonal_profiles_as_of` computes each from the days up to it. */
export async function loadProfilesAsOf(sql: Sql, origin: string, cutoffs: readonly string[]): Promise<ProfilesAsOf> {
  const rows = await sql.begin(async (tx) => {
    // As in the refresh: the planner's guess for generate_series makes JIT cost more than the query.
    await tx`set local jit = off`;
    return tx<(ProfileRow & { cutoff: string })[]>`
      select cutoff::text as cutoff, level, member_id, day_of_week, month_of_year, annual_growth
      from seasonal_profiles_as_of(${sql.array([...new Set([origin, ...cutoffs])])}::date[])`;
  });
  const grouped = new Map<string, ProfileRow[]>();
  for (const row of rows) {
    if (!grouped.has(row.cutoff)) grouped.set(row.cutoff, []);
    grouped.get(row.cutoff)!.push(row);
  }
  return new ProfilesAsOf(origin, new Map([...grouped].map(([cutoff, r]) => [cutoff, new SeasonalProfiles(r)])));
}

/**
 * Adds each series' profiles as `context.profile` and `context.foldProfiles`
 * on its way to the fit threads (plain numbers, cloned with the series).
 * `profiles` null passes the inputs through unchanged, which leaves the
 * pooled candidate out.
 */
export async function* attachProfiles(
  inputs: AsyncIterable<SeriesInput>,
  profiles: ProfilesAsOf | null,
  seriesOf: (id: string) => { storeId: number; productId: number } | undefined,
): AsyncGenerator<SeriesInput> {
  for await (const input of inputs) {
    const series = profiles ? seriesOf(input.id) : undefined;
    const context = series && profiles?.contextFor(series.storeId, series.productId);
    yield context ? { ...input, context: { ...input.context, ...context } } : input;
  }
}
