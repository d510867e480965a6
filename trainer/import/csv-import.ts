// Streams a sales CSV (gzipped or not) into Postgres: parsed by csv-parse,
// checked row by row (catalog-guard.ts for what the catalog allows), staged
// with COPY and merged set-based batch by batch (staging.ts, merge.ts), all
// in one transaction. By default one bad row loads nothing, whichever batch
// it is in; with a rejects file the good rows load and the bad ones are
// written there with their line numbers.
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { parse } from "csv-parse";
import type { Sql } from "../db/connect.ts";
import { CatalogGuard } from "./catalog-guard.ts";
import { checkHeader, ImportError, type ColumnMapping } from "./mapping.ts";
import { mergeStaged, upsertDimensions, type FileColumns } from "./merge.ts";
import { latestAllowedDay, RowParser, type RowProblem } from "./rows.ts";
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
  /** How rows reached the staging table: COPY on Postgres, batched INSERTs on the embedded engine. */
  staging: "copy" | "insert";
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
  const batchSize = options.batchSize ?? 100_000;
  const reportLimit = options.reportLimit ?? 20;
  const report: ImportReport = {
    lines: 0, loaded: 0, changed: 0, repeated: 0, rejected: 0, badRows: [],
    created: { cities: 0, stores: 0, products: 0 }, committed: false, staging: "copy", ms: 0,
  };
  const { mapping } = options;
  const columns: FileColumns = {
    promo: mapping.promo !== undefined, price: mapping.price !== undefined,
    cityName: mapping.cityName !== undefined, storeName: mapping.storeName !== undefined, productName: mapping.productName !== undefined,
  };
  const rejects = options.rejectsPath ? new RejectsFile(options.rejectsPath) : null;
  const parser = input.pipe(parse({ info: true, skip_empty_lines: true, trim: false, delimiter: options.delimiter ?? ",", relax_column_count: true }));
  input.on("error", (error) => parser.destroy(error));
  // Errors before the loop below starts reading (a missing file) reach it through the iterator; without a listener they would crash the process.
  parser.on("error", () => {});
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
      await createStaging(tx);
      const guard = await CatalogGuard.load(tx);
      let rows: RowParser | null = null;
      // Key → the first line's values, to tell exact repeats from conflicting duplicates.
      const seen = new Map<string, { line: number; value: string }>();
      let stager: Stager | null = null;
      let staged = 0;
      const writing = () => rejects !== null || report.rejected === 0;
      const merge = async () => {
        // All-or-nothing: once a row is bad nothing will commit, so stop writing and only check the rest.
        if (stager && writing()) {
          await stager.end();
          const created = await upsertDimensions(tx, guard.takePending(), columns);
          report.created.cities += created.cities;
          report.created.stores += created.stores;
          report.created.products += created.products;
          report.changed += await mergeStaged(tx, columns);
          report.loaded += staged;
          options.onBatch?.(report.loaded);
        }
        stager = null;
        staged = 0;
      };

      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        if (header === null) {
          header = record;
          checkHeader(mapping, header);
          rows = new RowParser(mapping, header, { defaultCity: options.city, latestDay: options.latestDay ?? latestAllowedDay() });
          await rejects?.open(header);
          continue;
        }
        report.lines++;
        const line = info.lines;
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
        const key = `${row.store}\u0000${row.product}\u0000${row.day}`;
        const value = `${row.units}|${row.promo}|${row.price}`;
        const first = seen.get(key);
        if (first) {
          if (first.value === value) report.repeated++;
          else await reject(line, { code: "duplicate", reason: `duplicate of line ${first.line} (${row.store}, ${row.product}, ${row.day}) with different values` }, record);
          continue;
        }
        const problem = guard.check(row);
        if (problem) {
          await reject(line, problem, record);
          continue;
        }
        seen.set(key, { line, value });
        if (!writing()) continue;
        stager ??= openStager(tx, embedded);
        await stager.add(row);
        if (++staged >= batchSize) await merge();
      }
      await merge();
      if (report.rejected > 0 && !rejects) throw new ImportRejectedError(report);
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
