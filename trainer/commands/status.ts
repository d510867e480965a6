import { loadConfig, storeConfig } from "../config.ts";
import { connect } from "../db/connect.ts";
import { migrate } from "../db/migrate.ts";
import type { Logger } from "../log.ts";
import { buildStatus, formatStatus } from "../ops/status-report.ts";
import { connectStore } from "../publish/store.ts";
import { EXIT } from "./exit-codes.ts";

export interface StatusFlags {
  runs: number;
  outliers: number;
  json: boolean;
}

export async function statusCommand(flags: StatusFlags, _log: Logger): Promise<number> {
  const config = loadConfig();
  const { sql } = connect(config.DATABASE_URL, { max: 2 });
  try {
    await migrate(sql);
    const store = config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN
      ? { redis: connectStore(storeConfig(config)), prefix: config.KEY_PREFIX }
      : null;
    const report = await buildStatus(sql, store, { runs: flags.runs, outliers: flags.outliers });
    process.stdout.write((flags.json ? JSON.stringify(report, null, 2) : formatStatus(report)) + "\n");
    return EXIT.ok;
  } finally {
    await sql.end();
  }
}
