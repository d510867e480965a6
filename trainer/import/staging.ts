// Good rows go into a temporary staging table, batch by batch, before one
// set-based merge per batch moves them into `sales` (merge.ts). On Postgres
// they stream in with COPY … FROM STDIN; the embedded PGlite server does not
// answer COPY FROM STDIN over its socket (the statement hangs), so there the
// same table is filled with one INSERT … SELECT from a JSON array per chunk.
import { once } from "node:events";
import { finished } from "node:stream/promises";
import type { Writable } from "node:stream";
import type { Sql } from "../db/connect.ts";
import type { ImportRow } from "./rows.ts";

/** Rows per CopyData message: large enough that framing costs nothing, small enough to stream. */
const COPY_CHUNK_BYTES = 256 * 1024;
/** Rows per INSERT on the embedded engine. */
const JSON_CHUNK_ROWS = 10_000;

export interface Stager {
  /** Queues one row; resolves when it is safe to queue more (backpressure). */
  add(row: ImportRow): Promise<void> | void;
  /** Everything queued is in the staging table. */
  end(): Promise<void>;
}

/** Creates the staging table for this transaction; it is dropped at commit or rollback. */
export async function createStaging(tx: Sql): Promise<void> {
  await tx`create temp table if not exists import_staging (
    store text not null, product text not null, day date not null,
    units numeric not null, promo boolean, price numeric) on commit drop`;
}

export async function isEmbedded(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ embedded: boolean }[]>`select version() like '%PGlite%' as embedded`;
  return row.embedded;
}

export function openStager(tx: Sql, embedded: boolean): Stager {
  return embedded ? new JsonStager(tx) : new CopyStager(tx);
}

/** COPY's text format: tab-separated, \N for null. Codes are slugs and days are checked, so nothing needs escaping. */
function copyLine(r: ImportRow): string {
  return `${r.store}\t${r.product}\t${r.day}\t${r.units}\t${r.promo === null ? "\\N" : r.promo ? "t" : "f"}\t${r.price ?? "\\N"}\n`;
}

class CopyStager implements Stager {
  readonly #tx: Sql;
  #stream: Promise<Writable> | null = null;
  #buffer = "";

  constructor(tx: Sql) {
    this.#tx = tx;
  }

  add(row: ImportRow): Promise<void> | void {
    this.#buffer += copyLine(row);
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
    this.#stream ??= this.#tx`copy import_staging (store, product, day, units, promo, price) from stdin`.writable();
    const stream = await this.#stream;
    const chunk = this.#buffer;
    this.#buffer = "";
    // once() rejects on 'error' too, and leaves no listener behind.
    if (!stream.write(chunk)) await once(stream, "drain");
  }
}

class JsonStager implements Stager {
  readonly #tx: Sql;
  #rows: ImportRow[] = [];

  constructor(tx: Sql) {
    this.#tx = tx;
  }

  add(row: ImportRow): Promise<void> | void {
    this.#rows.push(row);
    if (this.#rows.length >= JSON_CHUNK_ROWS) return this.#flush();
  }

  async end(): Promise<void> {
    await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#rows.length === 0) return;
    const rows = this.#rows.map((r) => ({ s: r.store, p: r.product, d: r.day, u: r.units, pr: r.promo, x: r.price }));
    this.#rows = [];
    await this.#tx`
      insert into import_staging (store, product, day, units, promo, price)
      select s, p, d, u, pr, x from json_to_recordset(${JSON.stringify(rows)}::json)
        as batch (s text, p text, d date, u numeric, pr boolean, x numeric)`;
  }
}
