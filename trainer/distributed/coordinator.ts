// `trainer run --distributed`: the cycle's fit stage as pg-boss jobs of
// FIT_JOB_SERIES series each; results come back through
// fit_job_result and go into the cycle's own record and publish path, so the
// publish is the same atomic one as on a single host. A job that fails for
// good (every retry used) publishes its series with the fallback model.
import { randomUUID } from "node:crypto";
import type { PgBoss } from "pg-boss";
import type { Sql } from "../db/connect.ts";
import type { Logger } from "../log.ts";
import { SeriesError, fitFailure } from "../models/errors.ts";
import type { FitOptions, FitResult, SeriesInput } from "../models/types.ts";
import type { SeriesFitter } from "../run/cycle.ts";
import { FIT_QUEUE, type FitJob } from "./queue.ts";

export interface CoordinatorOptions {
  boss: PgBoss;
  sql: Sql;
  log: Logger;
  runId: number;
  fit: FitOptions;
  seriesPerJob: number;
  /** Stops waiting for results (the cycle is being abandoned). */
  signal?: AbortSignal;
  pollMs?: number;
  /** Called once every job is queued (the series stream has ended), before waiting for results. */
  onQueued?: (jobs: number) => void;
}

export class DistributedFitter implements SeriesFitter {
  readonly #o: CoordinatorOptions;
  /** job id → the series it holds that have no result yet */
  readonly #outstanding = new Map<string, Set<string>>();
  readonly #completedSeen = new Set<string>();

  constructor(options: CoordinatorOptions) {
    this.#o = options;
  }

  async fitAll(inputs: AsyncIterable<SeriesInput>, onResult: (result: FitResult) => Promise<void>): Promise<{ jobs: number }> {
    // Jobs are queued once the fetch has streamed every series: no other query
    // runs while its cursor is open, which the embedded PGlite (one session
    // for every client) needs. The cycle holds each series until its result
    // is back either way.
    const chunks: SeriesInput[][] = [[]];
    for await (const input of inputs) {
      if (chunks.at(-1)!.length >= this.#o.seriesPerJob) chunks.push([]);
      chunks.at(-1)!.push(input);
    }
    if (chunks.at(-1)!.length === 0) chunks.pop();
    for (let i = 0; i < chunks.length; i += 100) await this.#send(chunks.slice(i, i + 100));
    const jobs = chunks.length;
    this.#o.log.info({ runId: this.#o.runId, jobs }, `sent ${jobs} fit jobs to the ${FIT_QUEUE} queue; waiting for workers`);
    this.#o.onQueued?.(jobs);
    await this.#collect(onResult);
    return { jobs };
  }

  async close(): Promise<void> {}

  /** Queues a batch of jobs in one statement. */
  async #send(chunks: SeriesInput[][]): Promise<void> {
    const jobs = chunks.map((series) => {
      const id = randomUUID();
      this.#outstanding.set(id, new Set(series.map((s) => s.id)));
      return { id, data: { runId: this.#o.runId, fit: this.#o.fit, series } satisfies FitJob };
    });
    await this.#o.boss.insert(FIT_QUEUE, jobs);
  }

  async #collect(onResult: (result: FitResult) => Promise<void>): Promise<void> {
    const { sql, runId } = this.#o;
    const owner = new Map<string, string>();
    for (const [job, ids] of this.#outstanding) for (const id of ids) owner.set(id, job);
    let lastStateCheck = 0;
    let errors = 0;
    while (this.#outstanding.size > 0) {
      this.#o.signal?.throwIfAborted();
      let rows: { series_id: string; result: FitResult }[];
      try {
        rows = await sql<{ series_id: string; result: FitResult }[]>`
          delete from fit_job_result where run_id = ${runId} returning series_id, result`;
        errors = 0;
      } catch (error) {
        // A long wait should survive a dropped connection or a failed poll; five in a row end it.
        if (++errors >= 5) throw error;
        this.#o.log.warn({ err: error, runId }, "could not read fit results; trying again");
        await new Promise((r) => setTimeout(r, 200 * errors));
        continue;
      }
      for (const row of rows) {
        const job = owner.get(row.series_id);
        if (job === undefined || !this.#outstanding.get(job)?.delete(row.series_id)) continue;
        if (this.#outstanding.get(job)!.size === 0) this.#outstanding.delete(job);
        await onResult(row.result);
      }
      if (rows.length === 0 && performance.now() - lastStateCheck > 2000) {
        lastStateCheck = performance.now();
        await this.#failLostJobs(onResult);
      }
      if (rows.length === 0 && this.#outstanding.size > 0) await new Promise((r) => setTimeout(r, this.#o.pollMs ?? 250));
    }
  }

  /** Jobs that failed for good (or were cancelled) will send nothing more: their series fail here. */
  async #failLostJobs(onResult: (result: FitResult) => Promise<void>): Promise<void> {
    for (const [job, ids] of [...this.#outstanding].slice(0, 200)) {
      const [found] = await this.#o.boss.findJobs(FIT_QUEUE, { id: job });
      if (found?.state === "completed") {
        // Its rows are written before it completes: give the next read one chance to take them.
        if (!this.#completedSeen.has(job)) {
          this.#completedSeen.add(job);
          continue;
        }
      } else if (found && found.state !== "failed" && found.state !== "cancelled") {
        continue;
      }
      const reason = !found ? `fit job ${job} disappeared from the queue`
        : found.state === "completed" ? `fit job ${job} completed without results for ${ids.size} series`
        : `fit job ${job} ${found.state} after ${found.retryCount + 1} attempt(s)`;
      this.#o.log.error({ runId: this.#o.runId, job, series: ids.size }, `${reason}; its series get the fallback model`);
      this.#outstanding.delete(job);
      for (const id of ids) await onResult(fitFailure(id, new SeriesError("worker_crashed", reason), 0));
    }
  }
}
