import { loadConfig, storeConfig } from "../config.ts";
import { connect } from "../db/connect.ts";
import { migrate } from "../db/migrate.ts";
import type { Logger } from "../log.ts";
import { connectStore } from "../publish/store.ts";
import { runCycle } from "../run/cycle.ts";
import { EXIT } from "./exit-codes.ts";

export async function runCommand(log: Logger): Promise<number> {
  const config = loadConfig(process.env, { needsStore: true });
  const { sql, db } = connect(config.DATABASE_URL, { max: config.DB_POOL_SIZE });
  const redis = connectStore(storeConfig(config));
  try {
    await migrate(sql);
    let lastLogged = 0;
    const summary = await runCycle(config, {
      sql, db, redis, log,
      onProgress: (done, total) => {
        // A line per tenth of the grid: enough to see a cron run move.
        if (done === total || done - lastLogged >= Math.max(1, Math.ceil(total / 10))) {
          lastLogged = done;
          log.info({ done, total }, "series fitted");
        }
      },
    });
    log.info(summary, `published version ${summary.version}: ${summary.series} series, ${summary.failed} failed`);
    return summary.failed > 0 ? EXIT.partial : EXIT.ok;
  } finally {
    await sql.end();
  }
}
