// The fit queue on pg-boss, in the same Postgres as everything else: the
// coordinator writes each chunk of series to fit_job_input and queues a job
// naming the chunk's range; `trainer worker`s read the range and fit it.
import { PgBoss } from "pg-boss";
import type { TrainerConfig } from "../config.ts";
import type { Logger } from "../log.ts";
import type { FitOptions } from "../models/types.ts";

export const FIT_QUEUE = "trainer-fit";

/** A job names its series, it does not carry them: rows first..last (by seq) of the run's fit_job_input. */
export interface FitJob {
  runId: number;
  fit: FitOptions;
  first: number;
  last: number;
  /**
   * The run's global models (context.global, the same for every series), once
   * per job instead of in each series' input: about 10 KB a series otherwise.
   */
  global?: unknown;
}

export async function startBoss(config: TrainerConfig, log: Logger, options: { supervise?: boolean } = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: config.DATABASE_URL,
    schema: config.PGBOSS_SCHEMA,
    max: 2,
    supervise: options.supervise ?? true,
    // Heartbeats are what bring back a crashed worker's job, so look for lapsed ones often.
    superviseIntervalSeconds: Math.max(1, Math.floor(config.FIT_JOB_HEARTBEAT_SECONDS / 2)),
  });
  boss.on("error", (error) => log.error({ err: error }, `pg-boss: ${error instanceof Error ? error.message : String(error)}`));
  await boss.start();
  if (!(await boss.getQueue(FIT_QUEUE))) {
    await boss.createQueue(FIT_QUEUE, {
      heartbeatSeconds: config.FIT_JOB_HEARTBEAT_SECONDS,
      retryLimit: config.FIT_JOB_RETRIES,
      retryDelay: 1,
      // A job's whole time limit; the heartbeat notices a dead worker much sooner.
      expireInSeconds: 3600,
      deleteAfterSeconds: 86_400,
    });
  }
  return boss;
}
