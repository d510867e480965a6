// Streams a sales CSV (gzipped or not) into Postgres: parsed by csv-parse,
// checked row by row, created dimensions as they first appear, and loaded in
// batches through the same set-based upserts the seed uses, all in one
// transaction. By default one bad row loads nothing; with a rejects file the
// good rows load and the bad ones are written there with their line numbers.
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { parse } from "csv-parse";
import type { Sql } from "../db/connect.ts";
import { upsertCatalog, type CatalogIds } from "../ingest/catalog.ts";
import { loadSales, type SalesInput } from "../ingest/sales.ts";
import { checkHeader, ImportError, type ColumnMapping } from "./mapping.ts";
import { parseRecord, type ImportRow } from "./rows.ts";

export interface ImportOptions {
  mapping: ColumnMapping;
  /** City code for every store when the mapping has no city column. */
  city: string;
  /** Load the good rows and write the bad ones here, instead of loading nothing. */
  rejectsPath?: string;
  delimiter?: string;
  batchSize?: number;
  /** How many bad rows to keep in the report (all are counted and all go to the rejects file). */
  reportLimit?: number;
  onBatch?: (rows: number) => void;
}

export interface BadRow {
  line: number;
  reason: string;
}

export interface ImportReport {
  /** Data lines read (the header not counted). */
  lines: number;
  /** Rows upserted (0 when an all-or-nothing import found bad rows). */
  loaded: number;
  /** Exact repeats of an earlier line: loaded once. */
  repeated: number;
  rejected: number;
  /** The first `reportLimit` bad rows. */
  badRows: BadRow[];
  created: { cities: number; stores: number; products: number };
  committed: boolean;
  ms: number;
}

export class ImportRejectedError extends ImportError {
  override name = "ImportRejectedError";
  readonly report: ImportReport;
  constructor(report: ImportReport) {
    const shown = report.badRows.map((b) => `  line ${b.line}: ${b.reason}`).join("\n");
    const more = report.rejected > report.badRows.length ? `\n  … and ${report.rejected - report.badRows.length} more` : "";
    super("rejected_rows",
      `${report.rejected} of ${report.lines} rows are bad, so nothing was loaded:\n${shown}${more}\nFix them, or pass --rejects <file> to load the good rows and write the bad ones to that file.`);
    this.report = report;
  }
}

export function openCsv(path: string): Readable {
  const file = createReadStream(path);
  return path.endsWith(".gz") ? file.pipe(createGunzip()) : file;
}

/** csv-parse's own errors (codes CSV_*) as bad_csv; anything else as it is. */
export function csvFailure(error: unknown): unknown {
  const code = (error as { code?: string }).code;
  return typeof code === "string" && code.startsWith("CSV_")
    ? new ImportError("bad_csv", `the file is not valid CSV: ${(error as Error).message}`, { cause: error })
    : error;
}

export async function importCsv(sql: Sql, input: Readable, options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 10_000;
  const reportLimit = options.reportLimit ?? 20;
  const report: ImportReport = {
    lines: 0, loaded: 0, repeated: 0, rejected: 0, badRows: [],
    created: { cities: 0, stores: 0, products: 0 }, committed: false, ms: 0,
  };
  const rejects = options.rejectsPath ? new RejectsFile(options.rejectsPath) : null;
  const parser = input.pipe(parse({ columns: true, info: true, skip_empty_lines: true, trim: false, delimiter: options.delimiter ?? "," }));
  input.on("error", (error) => parser.destroy(error));
  // Errors before the loop below starts reading (a missing file) reach it through the iterator; without a listener they would crash the process.
  parser.on("error", () => {});
  let header: string[] | null = null;

  const reject = async (line: number, reason: string, record: Record<string, string>) => {
    report.rejected++;
    if (report.badRows.length < reportLimit) report.badRows.push({ line, reason });
    await rejects?.write(line, reason, header!, record);
  };

  try {
    await sql.begin(async (tx) => {
      const catalog = new CatalogCache(tx as unknown as Sql);
      // Key → the first line's values, to tell exact repeats from conflicting duplicates.
      const seen = new Map<string, { line: number; value: string }>();
      const storeCity = new Map<string, string>();
      let batch: ImportRow[] = [];
      const flush = async () => {
        // All-or-nothing: once a row is bad nothing will commit, so stop writing and only check the rest.
        if (batch.length && (rejects || report.rejected === 0)) {
          const ids = await catalog.ensure(batch, report.created);
          const sales: SalesInput[] = batch.map((r) => ({ store: r.store, product: r.product, day: r.day, units: r.units, promo: r.promo, price: r.price }));
          const loaded = await loadSales(tx as unknown as Sql, ids, sales, { batchSize });
          report.loaded += loaded.rows;
          options.onBatch?.(report.loaded);
        }
        batch = [];
      };

      for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
        if (header === null) {
          header = Object.keys(record);
          checkHeader(options.mapping, header);
          await rejects?.open(header);
        }
        report.lines++;
        const line = info.lines;
        const parsed = parseRecord(record, line, options.mapping, options.city);
        if (!parsed.ok) {
          await reject(line, parsed.reason, record);
          continue;
        }
        const row = parsed.row;
        const city = storeCity.get(row.store);
        if (city !== undefined && city !== row.city) {
          await reject(line, `store ${row.store} is in city ${city} on earlier lines, ${row.city} here`, record);
          continue;
        }
        storeCity.set(row.store, row.city);
        const key = `${row.store}\u0000${row.product}\u0000${row.day}`;
        const value = `${row.units}|${row.promo}|${row.price}`;
        const first = seen.get(key);
        if (first) {
          if (first.value === value) report.repeated++;
          else await reject(line, `duplicate of line ${first.line} (${row.store}, ${row.product}, ${row.day}) with different values`, record);
          continue;
        }
        seen.set(key, { line, value });
        batch.push(row);
        if (batch.length >= batchSize) await flush();
      }
      await flush();
      if (report.rejected > 0 && !rejects) throw new ImportRejectedError(report);
    });
    report.committed = true;
  } catch (error) {
    if (error instanceof ImportError) {
      report.loaded = 0;
      throw error;
    }
    throw csvFailure(error);
  } finally {
    await rejects?.close();
    report.ms = Math.round(performance.now() - started);
  }
  return report;
}

/** Dimension ids known so far; unseen codes in a batch are upserted in one statement per dimension. */
class CatalogCache {
  readonly #sql: Sql;
  readonly ids: CatalogIds = { city: new Map(), store: new Map(), product: new Map() };

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async ensure(rows: ImportRow[], created: ImportReport["created"]): Promise<CatalogIds> {
    const stores = new Map<string, { code: string; name: string; city: string }>();
    const products = new Map<string, { code: string; name: string }>();
    const cities = new Map<string, { code: string; name: string }>();
    for (const r of rows) {
      if (!this.ids.store.has(r.store) && !stores.has(r.store)) {
        stores.set(r.store, { code: r.store, name: r.storeName, city: r.city });
        cities.set(r.city, { code: r.city, name: r.cityName });
      }
      if (!this.ids.product.has(r.product) && !products.has(r.product)) products.set(r.product, { code: r.product, name: r.productName });
    }
    if (stores.size === 0 && products.size === 0) return this.ids;
    const before = await this.#counts();
    const ids = await upsertCatalog(this.#sql, { cities: [...cities.values()], stores: [...stores.values()], products: [...products.values()] });
    const after = await this.#counts();
    created.cities += after.cities - before.cities;
    created.stores += after.stores - before.stores;
    created.products += after.products - before.products;
    for (const [k, v] of ids.city) this.ids.city.set(k, v);
    for (const [k, v] of ids.store) this.ids.store.set(k, v);
    for (const [k, v] of ids.product) this.ids.product.set(k, v);
    return this.ids;
  }

  async #counts(): Promise<{ cities: number; stores: number; products: number }> {
    const [row] = await this.#sql<{ cities: number; stores: number; products: number }[]>`
      select (select count(*) from city)::int as cities, (select count(*) from store)::int as stores, (select count(*) from product)::int as products`;
    return row;
  }
}

/** The bad rows as CSV: line, reason, then the row's own columns. */
class RejectsFile {
  readonly #path: string;
  #stream: WriteStream | null = null;

  constructor(path: string) {
    this.#path = path;
  }

  async open(header: string[]): Promise<void> {
    this.#stream = createWriteStream(this.#path);
    await this.#line(["line", "reason", ...header]);
  }

  async write(line: number, reason: string, header: string[], record: Record<string, string>): Promise<void> {
    await this.#line([String(line), reason, ...header.map((h) => record[h] ?? "")]);
  }

  async close(): Promise<void> {
    if (!this.#stream) {
      // An empty input still leaves a file, so scripts can rely on it.
      this.#stream = createWriteStream(this.#path);
    }
    this.#stream.end();
    await once(this.#stream, "close");
  }

  async #line(fields: string[]): Promise<void> {
    const text = fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(",") + "\n";
    if (!this.#stream!.write(text)) await once(this.#stream!, "drain");
  }
}
