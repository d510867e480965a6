// Streams a sales CSV (gzipped or not) into Postgres: read into records
// (records.ts), checked row by row (catalog-guard.ts for what the catalog
// allows, duplicates.ts for keys named twice), staged with COPY and merged
// set-based batch by batch (staging.ts, merge.ts), or copied straight into an
// empty `sales` (bulk-load.ts), all in one transaction. By default one bad row loads nothing, whichever batch
// it is in; with a rejects file the good rows load and the bad ones are
// written there with their line numbers.
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { Sql } from "../db/connect.ts";
import { beginBulkLoad, type BulkLoad } from "./bulk-load.ts";
import { CatalogGuard } from "./catalog-guard.ts";
import { CatalogIds } from "./catalog-ids.ts";
import { DuplicateKeys } from "./duplicates.ts";
import { checkHeader, ImportError, type ColumnMapping } from "./mapping.ts";
import { mergeStaged, upsertDimensions, type FileColumns } from "./merge.ts";
import { csvRecords } from "./records.ts";
import { latestAllowedDay, RowParser, type ImportRow, type RowProblem } from "./rows.ts";
import { createStaging, isEmbedded, openStager, type Stager } from "./staging.ts";

export interface ImportOptions {
  mapping: ColumnMapping;
  /** City code for every store when the mapping has no city column. */
  city: string;
  /** Load the good rows and write the bad ones here, instead of loading nothing. */
  rejectsPath?: string;
  delimiter?: string;
  /** Rows staged before each merge into `sales`. */
  batchSize?: number;
  /** How many bad rows to keep in the report (all are counted and all go to the rejects file). */
  reportLimit?: number;
  /** Stage with batched INSERTs even where COPY works: the embedded engine's path, for benchmarks. */
  insertStaging?: boolean;
  /** The last day a row may carry (YYYY-MM-DD); tomorrow in UTC by default. */
  latestDay?: string;
  /** COPY straight into `sales` when it is empty, indexes built after (bulk-load.ts); false always stages and merges (IMPORT_BULK_LOAD=off). */
  bulkLoad?: boolean;
  onBatch?: (rows: number) => void;
}

export interface BadRow extends RowProblem {
  line: number;
}

export interface ImportReport {
  /** Data lines read (the header not counted). */
  lines: number;
  /** Good rows upserted (0 when an all-or-nothing import found bad rows). */
  loaded: number;
  /** Of those, rows that were new or changed a stored value. */
  changed: number;
  /** Exact repeats of an earlier line: loaded once. */
  repeated: number;
  rejected: number;
  /** The first `reportLimit` bad rows. */
  badRows: BadRow[];
  created: { cities: number; stores: number; products: number };
  committed: boolean;
  /** How rows were staged: COPY on Postgres, batched INSERTs on the embedded engine. */
  staging: "copy" | "insert";
  /** Whether the rows were copied straight into an empty `sales` (bulk-load.ts) instead of merged. */
  bulk: boolean;
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
  if (!path.endsWith(".gz")) return file;
  // pipe() does not pass the file's errors on (a missing file would be an unhandled 'error').
  const gunzip = createGunzip();
  file.on("error", (error) => gunzip.destroy(error));
  return file.pipe(gunzip);
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
  const batchSize = options.batchSize ?? 100_000;
  const reportLimit = options.reportLimit ?? 20;
  const report: ImportReport = {
    lines: 0, loaded: 0, changed: 0, repeated: 0, rejected: 0, badRows: [],
    created: { cities: 0, stores: 0, products: 0 }, committed: false, staging: "copy", bulk: false, ms: 0,
  };
  const { mapping } = options;
  const columns: FileColumns = {
    promo: mapping.promo !== undefined, price: mapping.price !== undefined,
    cityName: mapping.cityName !== undefined, storeName: mapping.storeName !== undefined, productName: mapping.productName !== undefined,
  };
  const rejects = options.rejectsPath ? new RejectsFile(options.rejectsPath) : null;
  // Errors before the reading starts (a missing file) reach it through the records' iterator; without a listener they would crash the process.
  input.on("error", () => {});
  let header: string[] | null = null;

  const reject = async (line: number, problem: RowProblem, record: string[]) => {
    report.rejected++;
    if (report.badRows.length < reportLimit) report.badRows.push({ line, ...problem });
    await rejects?.write(line, problem.reason, header!.length, record);
  };

  try {
    const embedded = options.insertStaging === true || await isEmbedded(sql);
    report.staging = embedded ? "insert" : "copy";
    await sql.begin(async (begun) => {
      const tx = begun as unknown as Sql;
      const bulk: BulkLoad | null = options.bulkLoad === false || embedded ? null : await beginBulkLoad(tx);
      report.bulk = bulk !== null;
      if (!bulk) await createStaging(tx);
      const [guard, ids] = await Promise.all([CatalogGuard.load(tx), CatalogIds.load(tx)]);
      let rows: RowParser | null = null;
      const keys = new DuplicateKeys();
      const writing = () => rejects !== null || report.rejected === 0;
      // Good rows since the last flush. A flush waits for the previous batch's COPY (and merge) to finish,
      // upserts the batch's new codes (COPY holds the connection, so nothing runs beside it), then hands
      // the whole batch to COPY and lets Postgres load and merge it while the next batch is read.
      let batch: ImportRow[] = [];
      let loading: Promise<void> = Promise.resolve();
      const settle = async () => {
        const previous = loading;
        loading = Promise.resolve();
        await previous;
      };
      const flush = async () => {
        const rows = batch;
        batch = [];
        // All-or-nothing: once a row is bad nothing will commit, so stop writing and only check the rest.
        if (rows.length === 0 || !writing()) return;
        await settle();
        if (guard.hasPending) {
          const created = await upsertDimensions(tx, guard.takePending(), columns, ids);
          report.created.cities += created.cities;
          report.created.stores += created.stores;
          report.created.products += created.products;
        }
        const stager: Stager = openStager(tx, embedded, bulk ? "sales" : "staging");
        const queued = (async () => {
          for (const row of rows) {
            const backpressure = stager.add(row, ids.stores.get(row.store)!, ids.products.get(row.product)!);
            if (backpressure) await backpressure;
          }
          await stager.end();
          report.changed += bulk ? rows.length : await mergeStaged(tx, columns);
          report.loaded += rows.length;
          options.onBatch?.(report.loaded);
        })();
        // Awaited by the next flush; the handler only keeps a failure from being reported before then.
        queued.catch(() => {});
        loading = queued;
      };

      try {
        for await (const { records, lines } of csvRecords(input, options.delimiter ?? ",")) {
          for (let i = 0; i < records.length; i++) {
            const record = records[i];
            const line = lines[i];
            if (header === null) {
              header = record;
              checkHeader(mapping, header);
              rows = new RowParser(mapping, header, { defaultCity: options.city, latestDay: options.latestDay ?? latestAllowedDay() });
              await rejects?.open(header);
              continue;
            }
            report.lines++;
            if (record.length !== header.length) {
              await reject(line, { code: "bad_columns", reason: `${record.length} fields where the header has ${header.length}` }, record);
              continue;
            }
            const parsed = rows!.parse(record, line);
            if (!parsed.ok) {
              await reject(line, parsed, record);
              continue;
            }
            const row = parsed.row;
            const key = keys.key(row);
            const first = keys.check(key, row);
            if (first) {
              if (first.same) report.repeated++;
              else await reject(line, { code: "duplicate", reason: `duplicate of line ${first.line} (${row.store}, ${row.product}, ${row.day}) with different values` }, record);
              continue;
            }
            const problem = guard.check(row);
            if (problem) {
              await reject(line, problem, record);
              continue;
            }
            keys.remember(key, row);
            if (!writing()) continue;
            batch.push(row);
            if (batch.length >= batchSize) await flush();
          }
        }
        await flush();
        await settle();
      } finally {
        // A failure while a batch loads: let the COPY finish before the transaction rolls back.
        await loading.catch(() => {});
      }
      if (report.rejected > 0 && !rejects) throw new ImportRejectedError(report);
      await bulk?.finish();
    });
    report.committed = true;
  } catch (error) {
    if (error instanceof ImportError) {
      report.loaded = 0;
      report.changed = 0;
      throw error;
    }
    throw csvFailure(error);
  } finally {
    await rejects?.close();
    report.ms = Math.round(performance.now() - started);
  }
  return report;
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

  async write(line: number, reason: string, columns: number, record: string[]): Promise<void> {
    await this.#line([String(line), reason, ...Array.from({ length: columns }, (_, i) => record[i] ?? "")]);
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
