// `trainer worker`: fits jobs from the pg-boss queue on this host's threads,
// reading each job's series from fit_job_input, and stores the results for
// the coordinator. Any number may run, on any
// host that reaches the database; a job whose worker dies stops sending
// heartbeats and is retried by another.
import type { PgBoss } from "pg-boss";
import type { Sql } from "../db/connect.ts";
import { FitPool, type FitPoolOptions } from "../fit/pool.ts";
import type { Logger } from "../log.ts";
import type { FitResult, SeriesInput } from "../models/types.ts";
import { FIT_QUEUE, type FitJob } from "./queue.ts";

export interface FitWorkerOptions {
  boss: PgBoss;
  sql: Sql;
  log: Logger;
  /** Threads and each series' deadline (FIT_TIMEOUT_SECONDS), as on a single host. */
  pool: Omit<FitPoolOptions, "fit"> & { threads: number };
}

export class FitWorker {
  readonly #o: FitWorkerOptions;
  #pool: { key: string; pool: FitPool } | null = null;
  #jobs = 0;
  #series = 0;

  constructor(options: FitWorkerOptions) {
    this.#o = options;
  }

  get stats(): { jobs: number; series: number } {
    return { jobs: this.#jobs, series: this.#series };
  }

  async start(): Promise<void> {
    const fit = (id: string, job: FitJob) => this.#fit(id, job);
    // Two jobs at a time keep every thread busy across the tail of a job.
    await this.#o.boss.work<FitJob>(FIT_QUEUE, { batchSize: 1, localConcurrency: 2, pollingIntervalSeconds: 1 },
      async function fitJob([job]) {
        return await fit(job.id, job.data);
      });
  }

  async #fit(jobId: string, job: FitJob): Promise<{ series: number; failed: number }> {
    const started = performance.now();
    const inputs = await this.#o.sql<{ input: SeriesInput }[]>`
      select input from fit_job_input where run_id = ${job.runId} and seq between ${job.first} and ${job.last} order by seq`;
    const results: FitResult[] = [];
    // The run's global models come once with the job; each input gets them back as the cycle attached them.
    const series = inputs.map((row) => (job.global ? { ...row.input, context: { ...row.input.context, global: job.global } } : row.input));
    await this.#poolFor(job).fitAll(series, (result) => void results.push(result));
    const ids = results.map((r) => r.id);
    await this.#o.sql`
      insert into fit_job_result (run_id, series_id, result)
      select ${job.runId}, id, result from unnest(${ids}::text[], ${results.map((r) => JSON.stringify(r))}::jsonb[]) as r (id, result)
      on conflict (run_id, series_id) do update set result = excluded.result`;
    const failed = results.filter((r) => !r.ok).length;
    this.#jobs++;
    this.#series += results.length;
    this.#o.log.info({ job: jobId, runId: job.runId, series: results.length, failed, ms: Math.round(performance.now() - started) }, "fit job done");
    return { series: results.length, failed };
  }

  /** One pool per set of fit options; runs with other options (a new config) get a new one. */
  #poolFor(job: FitJob): FitPool {
    const key = JSON.stringify(job.fit);
    if (this.#pool?.key !== key) {
      void this.#pool?.pool.close();
      this.#pool = { key, pool: new FitPool({ ...this.#o.pool, fit: job.fit }) };
    }
    return this.#pool.pool;
  }

  /** Stops taking jobs, lets the running ones finish, then stops the threads. */
  async stop(): Promise<void> {
    await this.#o.boss.offWork(FIT_QUEUE, { wait: true });
    await this.#pool?.pool.close();
  }
}
