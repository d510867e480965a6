import { CODE_PATTERN } from "../../edge/contract/keys.ts";
import { loadConfig } from "../config.ts";
import { connect } from "../db/connect.ts";
import { migrate } from "../db/migrate.ts";
import { importCsv, ImportRejectedError, openCsv } from "../import/csv-import.ts";
import { ImportError, parseMapping } from "../import/mapping.ts";
import type { Logger } from "../log.ts";
import { EXIT } from "./exit-codes.ts";

export interface ImportFlags {
  columns?: string;
  city: string;
  rejects?: string;
  delimiter: string;
  batchSize: number;
}

export async function importCommand(file: string, flags: ImportFlags, log: Logger): Promise<number> {
  const config = loadConfig();
  const { sql } = connect(config.DATABASE_URL, { max: 2 });
  try {
    await migrate(sql);
    const mapping = parseMapping(flags.columns);
    checkCity(flags.city);
    const report = await importCsv(sql, openCsv(file), {
      mapping, city: flags.city, rejectsPath: flags.rejects, delimiter: flags.delimiter, batchSize: flags.batchSize,
      bulkLoad: config.IMPORT_BULK_LOAD,
      onBatch: (rows) => log.debug({ rows }, "loaded"),
    });
    const { badRows, ...summary } = report;
    for (const bad of badRows) log.warn(bad, `line ${bad.line} rejected: ${bad.reason}`);
    log.info(summary, `imported ${report.loaded} rows from ${file} in ${(report.ms / 1000).toFixed(1)} s` +
      (report.rejected ? `; ${report.rejected} bad rows written to ${flags.rejects}` : ""));
    return report.rejected > 0 ? EXIT.partial : EXIT.ok;
  } catch (error) {
    return importFailure(error, file, log);
  } finally {
    await sql.end();
  }
}

export function checkCity(city: string): void {
  if (!CODE_PATTERN.test(city)) throw new ImportError("bad_city", `--city ${JSON.stringify(city)} must be a code: lowercase letters, digits, - and _`);
}

/** An import's failure, logged, as the command's exit code; what is not an import failure is thrown on. */
export function importFailure(error: unknown, file: string, log: Logger): number {
  if (error instanceof ImportError && error.code === "rejected_rows") {
    const { report } = error as ImportRejectedError;
    log.error({ code: error.code, rejected: report.rejected, badRows: report.badRows }, error.message);
    return EXIT.rejected;
  }
  if (error instanceof ImportError) {
    log.error({ code: error.code }, error.message);
    return EXIT.failed;
  }
  if ((error as NodeJS.ErrnoException).code === "ENOENT") {
    log.error({ code: "file_not_found" }, `no such file: ${file}`);
    return EXIT.failed;
  }
  throw error;
}
