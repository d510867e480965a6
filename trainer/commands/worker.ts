import { loadConfig } from "../config.ts";
import { connect } from "../db/connect.ts";
import { migrate } from "../db/migrate.ts";
import { startBoss } from "../distributed/queue.ts";
import { FitWorker } from "../distributed/worker.ts";
import type { Logger } from "../log.ts";
import { nextStopSignal } from "./context.ts";
import { EXIT } from "./exit-codes.ts";

export async function workerCommand(flags: { threads?: number }, log: Logger): Promise<number> {
  const config = loadConfig();
  // Results are written one job at a time per connection; two let both of a worker's jobs write at once.
  const { sql } = connect(config.DATABASE_URL, { max: 2 });
  const stop = nextStopSignal();
  try {
    await migrate(sql);
    const boss = await startBoss(config, log);
    const threads = flags.threads ?? config.FIT_THREADS;
    const worker = new FitWorker({ boss, sql, log, pool: { threads, timeoutMs: config.FIT_TIMEOUT_SECONDS * 1000 } });
    try {
      await worker.start();
      log.info({ threads, queue: "trainer-fit", schema: config.PGBOSS_SCHEMA }, `worker ready: fitting jobs on ${threads} thread(s)`);
      const signal = await stop.promise;
      log.info({ signal, ...worker.stats }, `${signal}: finishing the jobs in hand, then stopping`);
      await worker.stop();
    } finally {
      await boss.stop({ graceful: true });
    }
    return EXIT.ok;
  } finally {
    stop.dispose();
    await sql.end();
  }
}
