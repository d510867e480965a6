// Which series a grid request names, and where its body lives: the Worker
// answers grids with it and the trainer's prefetch builds the same bodies at
// the same paths. Stores belong to one city, so a grid is not a plain cross
// product: a store only pairs with its own city.
import { BadRequestError } from "../errors.ts";
import { MemoryCache } from "../memory-cache.ts";
import { sha256Hex } from "./digest.ts";
import { CODE_PATTERN, seriesField } from "./keys.ts";
import type { Manifest } from "./payload.ts";

/** The default of MAX_GRID_SERIES; the trainer's prefetch keeps to it too. */
export const MAX_GRID_SERIES = 1000;

/** One axis of a grid query: every code (`*`) or the codes named. */
export type CodeList = "*" | string[];

export interface GridQuery {
  city: CodeList;
  store: CodeList;
  product: CodeList;
}

/** What planning needs of a loaded manifest (the trainer's prefetch builds it from a manifest it holds). */
export interface GridCatalogue {
  manifest: Manifest;
  /** store code → city code, for telling real series from wrong combinations. */
  storeCity: Map<string, string>;
}

/** A catalogue with its codes as sets, as the Worker keeps a loaded manifest. */
export interface GridIndex extends GridCatalogue {
  cities: Set<string>;
  products: Set<string>;
}

/** Whether every code the query names is in the manifest: only such grids are sampled as hot. */
export function manifestHolds(loaded: GridIndex, query: GridQuery): boolean {
  const all = (list: CodeList, known: { has(code: string): boolean }) => list === "*" || list.every((code) => known.has(code));
  return all(query.city, loaded.cities) && all(query.store, loaded.storeCity) && all(query.product, loaded.products) && gridSize(loaded, query) > 0;
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

/** How many series a grid names, counted without building it. */
export function gridSize({ manifest, storeCity }: GridCatalogue, query: GridQuery): number {
  const dims = manifest.dimensions;
  const cities = query.city === "*" ? null : new Set(query.city);
  let locations = 0;
  for (const store of query.store === "*" ? dims.stores.map((s) => s.code) : query.store) {
    const home = storeCity.get(store);
    if (home !== undefined) {
      if (cities === null || cities.has(home)) locations++;
    } else if (cities !== null) {
      locations += cities.size;
    }
  }
  return locations * (query.product === "*" ? dims.products.length : query.product.length);
}

/** Refuses a grid of more than maxSeries series (400 grid_too_large), counted without building it. */
export function checkGridSize(loaded: GridCatalogue, query: GridQuery, maxSeries: number): void {
  const size = gridSize(loaded, query);
  if (size > maxSeries) {
    throw new BadRequestError(
      "grid_too_large",
      `the request names ${size} series; at most ${maxSeries} per request (MAX_GRID_SERIES): narrow city, store or product, or split the request`,
    );
  }
}

/**
 * Resolves `*` against the manifest and pairs each store with its city. A
 * store the manifest does not know pairs with each city named explicitly, so
 * the answer lists it under `missing` instead of dropping it silently. Series
 * come in manifest order (unknown codes last, alphabetically) whatever order
 * the query used, so equal grids share one cache entry and one ETag.
 */
export function planGrid(loaded: GridCatalogue, query: GridQuery, maxSeries = Infinity): GridPlan {
  // Counted first: unknown stores pair with every named city, so a short URL can name a huge grid.
  checkGridSize(loaded, query, maxSeries);
  const { manifest, storeCity } = loaded;
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

/**
 * Where a grid's body lives below its version in the caches and in the
 * version's prefetch hash. Grid queries can be long, so the path and the ETag
 * use a digest of the canonical form; the trainer computes the same path.
 */
export async function gridCachePath(version: string, h: number, canonical: string): Promise<{ cachePath: string; digest: string }> {
  const named = `${version}|h${h}|${canonical}`;
  const digest = await sha256Hex(named);
  digests.set(named, digest, named.length * 2 + 64);
  return { cachePath: `h${h}/grid/${digest}`, digest };
}

/** gridCachePath without a promise when this isolate has computed it before (a repeated grid, as on a memory hit); null otherwise. */
export function rememberedGridPath(version: string, h: number, canonical: string): { cachePath: string; digest: string } | null {
  const digest = digests.get(`${version}|h${h}|${canonical}`);
  return digest === undefined ? null : { cachePath: `h${h}/grid/${digest}`, digest };
}

const digests = new MemoryCache<string>({ maxEntries: 4096, maxBytes: 4 * 1024 * 1024 });

/** The member a grid request counts under in the hot-grid sorted set. */
export function hotGridMember(h: number, canonical: string): string {
  return `h${h}|${canonical}`;
}

/** The inverse of hotGridMember, for the trainer's prefetch; null for anything malformed. */
export function parseHotGridMember(member: string): { h: number; query: GridQuery; canonical: string } | null {
  const match = /^h(\d+)\|city=([^&]+)&store=([^&]+)&product=([^&]+)$/.exec(member);
  if (!match) return null;
  const axis = (text: string): CodeList | null => {
    if (text === "*") return "*";
    const codes = text.split(",");
    return codes.every((code) => CODE_PATTERN.test(code)) ? codes : null;
  };
  const [city, store, product] = [axis(match[2]!), axis(match[3]!), axis(match[4]!)];
  if (!city || !store || !product) return null;
  const query = { city, store, product };
  return { h: Number(match[1]), query, canonical: canonicalGridQuery(query) };
}
