import { loadConfig } from "../config.ts";
import { connect } from "../db/connect.ts";
import { migrate } from "../db/migrate.ts";
import type { Logger } from "../log.ts";
import { EXIT } from "./exit-codes.ts";

export async function migrateCommand(log: Logger): Promise<number> {
  const config = loadConfig();
  const { sql } = connect(config.DATABASE_URL, { max: 1 });
  try {
    const report = await migrate(sql);
    log.info(report, report.applied.length ? `applied ${report.applied.length} migrations` : "schema is up to date");
    return EXIT.ok;
  } finally {
    await sql.end();
  }
}
