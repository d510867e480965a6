// Good rows go into a temporary staging table, batch by batch, before one
// set-based merge per batch moves them into `sales` (merge.ts), or, when
// `sales` starts empty, straight into `sales` (bulk-load.ts). On Postgres
// they stream in with COPY … FROM STDIN; the embedded PGlite server does not
// answer COPY FROM STDIN over its socket (the statement hangs), so there the
// same table is filled with one INSERT … SELECT from a JSON array per chunk.
import { once } from "node:events";
import { finished } from "node:stream/promises";
import type { Writable } from "node:stream";
import type { Sql } from "../db/connect.ts";
import type { StoreId } from "./catalog-ids.ts";
import type { ImportRow } from "./rows.ts";

/** Rows per CopyData message: large enough that framing costs nothing, small enough to stream. */
const COPY_CHUNK_BYTES = 256 * 1024;
/** Rows per INSERT on the embedded engine. */
const JSON_CHUNK_ROWS = 10_000;

/** Where rows go: the staging table, or `sales` itself on a bulk load (a row without promo then gets `sales`' default, false). */
export type StageTarget = "staging" | "sales";

export interface Stager {
  /** Queues one row, by the ids of its store and product; resolves when it is safe to queue more (backpressure). */
  add(row: ImportRow, store: StoreId, product: number): Promise<void> | void;
  /** Everything queued is in the staging table. */
  end(): Promise<void>;
}

/** Creates the staging table for this transaction; it is dropped at commit or rollback. */
export async function createStaging(tx: Sql): Promise<void> {
  await tx`create temp table if not exists import_staging (
    city_id integer not null, store_id integer not null, product_id integer not null, day date not null,
    units numeric not null, promo boolean, price numeric) on commit drop`;
  // A batch's merge joins it to `sales` by key; with the default 4 MB the hash or sort of a
  // re-import spills to disk in batches. Local to the import's transaction.
  await tx`set local work_mem = '64MB'`;
}

export async function isEmbedded(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ embedded: boolean }[]>`select version() like '%PGlite%' as embedded`;
  return row.embedded;
}

export function openStager(tx: Sql, embedded: boolean, target: StageTarget): Stager {
  return embedded ? new JsonStager(tx) : new CopyStager(tx, target);
}

class CopyStager implements Stager {
  readonly #tx: Sql;
  readonly #target: StageTarget;
  /** What COPY writes for a row without promo: null in staging (the stored value stays), `sales`' default on a bulk load. */
  readonly #noPromo: string;
  #stream: Promise<Writable> | null = null;
  #buffer = "";

  constructor(tx: Sql, target: StageTarget) {
    this.#tx = tx;
    this.#target = target;
    this.#noPromo = target === "sales" ? "f" : "\\N";
  }

  /** COPY's text format: tab-separated, \N for null. Ids, checked days and numbers need no escaping. */
  add(r: ImportRow, store: StoreId, product: number): Promise<void> | void {
    this.#buffer += `${store.cityId}\t${store.id}\t${product}\t${r.day}\t${r.units}\t${r.promo === null ? this.#noPromo : r.promo ? "t" : "f"}\t${r.price ?? "\\N"}\n`;
    if (this.#buffer.length >= COPY_CHUNK_BYTES) return this.#flush();
  }

  async end(): Promise<void> {
    if (this.#buffer.length > 0) await this.#flush();
    if (!this.#stream) return;
    const stream = await this.#stream;
    this.#stream = null;
    stream.end();
    await finished(stream);
  }

  async #flush(): Promise<void> {
    this.#stream ??= (this.#target === "sales"
      ? this.#tx`copy sales (city_id, store_id, product_id, day, units, promo, price) from stdin`
      : this.#tx`copy import_staging (city_id, store_id, product_id, day, units, promo, price) from stdin`).writable();
    const stream = await this.#stream;
    const chunk = this.#buffer;
    this.#buffer = "";
    // once() rejects on 'error' too, and leaves no listener behind.
    if (!stream.write(chunk)) await once(stream, "drain");
  }
}

class JsonStager implements Stager {
  readonly #tx: Sql;
  #rows: { c: number; s: number; p: number; d: string; u: number; pr: boolean | null; x: number | null }[] = [];

  constructor(tx: Sql) {
    this.#tx = tx;
  }

  add(r: ImportRow, store: StoreId, product: number): Promise<void> | void {
    this.#rows.push({ c: store.cityId, s: store.id, p: product, d: r.day, u: r.units, pr: r.promo, x: r.price });
    if (this.#rows.length >= JSON_CHUNK_ROWS) return this.#flush();
  }

  async end(): Promise<void> {
    await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#rows.length === 0) return;
    const rows = this.#rows;
    this.#rows = [];
    await this.#tx`
      insert into import_staging (city_id, store_id, product_id, day, units, promo, price)
      select c, s, p, d, u, pr, x from json_to_recordset(${JSON.stringify(rows)}::json)
        as batch (c integer, s integer, p integer, d date, u numeric, pr boolean, x numeric)`;
  }
}
