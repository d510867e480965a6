// What an import may do to the catalog: add cities, stores and products, and
// rename them when the file has a name column. It may not let two spellings
// become one code ("Store 1" and "STORE-1" both slug to store-1, which would
// merge two series silently), and it may not move a stored store to another
// city (its sales, forecasts and URLs all carry the city). Both are checked
// per row against the file so far and against what is stored, so every such
// row is reported with its line.
import type { Sql } from "../db/connect.ts";
import type { ImportRow, RowProblem } from "./rows.ts";

type Dimension = "city" | "store" | "product";

interface Seen {
  source: string | null;
  /** The line that introduced it in this file; undefined for what the catalog holds. */
  line?: number;
}

export interface NewDimensions {
  cities: { code: string; name: string; source: string | null }[];
  stores: { code: string; name: string; source: string; city: string }[];
  products: { code: string; name: string; source: string }[];
}

export class CatalogGuard {
  readonly #seen: Record<Dimension, Map<string, Seen>> = { city: new Map(), store: new Map(), product: new Map() };
  /** Store code → its city: the catalog's, then the file's first line for new stores. */
  readonly #storeCity = new Map<string, { city: string; line?: number }>();
  #pending: NewDimensions = { cities: [], stores: [], products: [] };

  /** Reads the catalog once; a row check is then a few map lookups. */
  static async load(sql: Sql): Promise<CatalogGuard> {
    const guard = new CatalogGuard();
    const [cities, stores, products] = await Promise.all([
      sql<{ code: string; source: string | null }[]>`select code, source_code as source from city`,
      sql<{ code: string; source: string | null; city: string }[]>`
        select s.code, s.source_code as source, c.code as city from store s join city c on c.id = s.city_id`,
      sql<{ code: string; source: string | null }[]>`select code, source_code as source from product`,
    ]);
    for (const r of cities) guard.#seen.city.set(r.code, { source: r.source });
    for (const r of products) guard.#seen.product.set(r.code, { source: r.source });
    for (const r of stores) {
      guard.#seen.store.set(r.code, { source: r.source });
      guard.#storeCity.set(r.code, { city: r.city });
    }
    return guard;
  }

  /** The row's problem with the catalog, or null; a good row's new codes are remembered. */
  check(row: ImportRow): RowProblem | null {
    const problem = this.#collision("store", row.store, row.storeSource)
      ?? this.#collision("product", row.product, row.productSource)
      ?? (row.citySource === null ? null : this.#collision("city", row.city, row.citySource))
      ?? this.#move(row);
    if (problem) return problem;
    this.#remember(row);
    return null;
  }

  /** Whether a row has named a code since the last `takePending`. */
  get hasPending(): boolean {
    return this.#pending.cities.length + this.#pending.stores.length + this.#pending.products.length > 0;
  }

  /** Codes first named since the last call, with what the file says about them. */
  takePending(): NewDimensions {
    const pending = this.#pending;
    this.#pending = { cities: [], stores: [], products: [] };
    return pending;
  }

  #collision(kind: Dimension, code: string, source: string): RowProblem | null {
    const seen = this.#seen[kind].get(code);
    if (!seen || seen.source === null || seen.source === source) return null;
    const where = seen.line === undefined ? `which is ${JSON.stringify(seen.source)} in the catalog` : `as ${JSON.stringify(seen.source)} on line ${seen.line} does`;
    return {
      code: "code_collision",
      reason: `${kind} ${JSON.stringify(source)} becomes ${code}, ${where}: two spellings would merge into one series. Use one spelling, or rename one of them in the file`,
    };
  }

  #move(row: ImportRow): RowProblem | null {
    const known = this.#storeCity.get(row.store);
    if (!known || known.city === row.city) return null;
    if (known.line !== undefined) {
      return { code: "city_conflict", reason: `store ${row.store} is in city ${known.city} on line ${known.line}, ${row.city} here` };
    }
    return {
      code: "store_moved",
      reason: `store ${row.store} is in city ${known.city} in the catalog; this line puts it in ${row.city}. Import does not move stores (their sales and published forecasts carry the city): import it under a new store code`,
    };
  }

  #remember(row: ImportRow): void {
    if (this.#fresh("store", row.store, row.storeSource, row.line)) {
      this.#pending.stores.push({ code: row.store, name: row.storeName, source: row.storeSource, city: row.city });
      if (!this.#storeCity.has(row.store)) this.#storeCity.set(row.store, { city: row.city, line: row.line });
    }
    if (this.#fresh("product", row.product, row.productSource, row.line)) this.#pending.products.push({ code: row.product, name: row.productName, source: row.productSource });
    if (this.#fresh("city", row.city, row.citySource, row.line)) this.#pending.cities.push({ code: row.city, name: row.cityName, source: row.citySource });
  }

  /** Whether this file names the code for the first time (a method, not a closure: it runs for every row). */
  #fresh(kind: Dimension, code: string, source: string | null, line: number): boolean {
    const seen = this.#seen[kind].get(code);
    if (seen?.line !== undefined) return false;
    // Catalog rows without a source (the seed's) take this file's spelling.
    this.#seen[kind].set(code, { source: seen?.source ?? source, line });
    return true;
  }
}
