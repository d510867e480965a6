// Which series a grid request names. Stores belong to one city, so a grid is
// not a plain cross product: a store only pairs with its own city.
import { seriesField } from "./contract/keys.ts";
import type { LoadedManifest } from "./manifest.ts";
import type { CodeList } from "./params.ts";

export const MAX_GRID_SERIES = 1000;

export interface GridQuery {
  city: CodeList;
  store: CodeList;
  product: CodeList;
}

export interface GridPlan {
  /** city/store pairs that are real locations, in manifest order. */
  locations: [city: string, store: string][];
  products: string[];
  size: number;
}

/** A stable text form of the query: the same grid asked in any order shares one cache entry. */
export function canonicalGridQuery(query: GridQuery): string {
  const axis = (list: CodeList) => (list === "*" ? "*" : [...list].sort().join(","));
  return `city=${axis(query.city)}&store=${axis(query.store)}&product=${axis(query.product)}`;
}

/**
 * Resolves `*` against the manifest and pairs each store with its city. A
 * store the manifest does not know pairs with each city named explicitly, so
 * the answer lists it under `missing` instead of dropping it silently. Series
 * come in manifest order (unknown codes last, alphabetically) whatever order
 * the query used, so equal grids share one cache entry and one ETag.
 */
export function planGrid({ manifest, storeCity }: LoadedManifest, query: GridQuery): GridPlan {
  const dims = manifest.dimensions;
  const cities = new Set(query.city === "*" ? dims.cities.map((c) => c.code) : query.city);
  const stores = inManifestOrder(query.store, dims.stores);
  const products = inManifestOrder(query.product, dims.products);

  const locations: [string, string][] = [];
  for (const store of stores) {
    const home = storeCity.get(store);
    if (home !== undefined) {
      if (cities.has(home)) locations.push([home, store]);
    } else if (query.city !== "*") {
      for (const city of query.city) locations.push([city, store]);
    }
  }
  const cityRank = rank(dims.cities);
  locations.sort(([a], [b]) => compareRanked(cityRank, a, b));
  return { locations, products, size: locations.length * products.length };
}

function rank(entries: { code: string }[]): Map<string, number> {
  return new Map(entries.map((entry, i) => [entry.code, i]));
}

function compareRanked(ranks: Map<string, number>, a: string, b: string): number {
  const ra = ranks.get(a) ?? Number.MAX_SAFE_INTEGER;
  const rb = ranks.get(b) ?? Number.MAX_SAFE_INTEGER;
  return ra - rb || (a < b ? -1 : a > b ? 1 : 0);
}

function inManifestOrder(list: CodeList, entries: { code: string }[]): string[] {
  if (list === "*") return entries.map((entry) => entry.code);
  const ranks = rank(entries);
  return [...list].sort((a, b) => compareRanked(ranks, a, b));
}

export function gridFields(plan: GridPlan): string[] {
  return plan.locations.flatMap(([city, store]) => plan.products.map((product) => seriesField(city, store, product)));
}
