import { loadConfig } from "../config.ts";
import { connect } from "../db/connect.ts";
import { migrate } from "../db/migrate.ts";
import type { Logger } from "../log.ts";
import { seedDemo } from "../seed/load.ts";
import { EXIT } from "./exit-codes.ts";

export interface SeedFlags {
  cities: number;
  stores: number;
  products: number;
  days: number;
  end: string;
  seed: number;
}

export async function seedCommand(flags: SeedFlags, log: Logger): Promise<number> {
  const config = loadConfig();
  const { sql } = connect(config.DATABASE_URL, { max: 1 });
  try {
    await migrate(sql);
    const started = performance.now();
    const report = await seedDemo(sql, flags, (rows) => log.debug({ rows }, "loaded"));
    log.info({ ...report, ms: Math.round(performance.now() - started) }, `seeded ${report.series} series, ${report.rows} sales rows`);
    return EXIT.ok;
  } finally {
    await sql.end();
  }
}
