// `trainer run --distributed`: the cycle's fit stage as pg-boss jobs of
// FIT_JOB_SERIES series each, queued while the fetch streams. Each job's
// inputs go to fit_job_input and the job names their range; at
// FIT_JOB_QUEUE_LIMIT unanswered jobs the coordinator stops reading series
// and takes results until one is answered, so its memory holds a bounded
// number of series however many there are. Results come back through
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
  /** Unanswered jobs at most before the coordinator reads more series (FIT_JOB_QUEUE_LIMIT). */
  maxQueuedJobs: number;
  /** Stops waiting for results (the cycle is being abandoned). */
  signal?: AbortSignal;
  pollMs?: number;
  /** Called once every job is queued (the series stream has ended), before waiting for the last results. */
  onQueued?: (jobs: number) => void;
}

interface QueuedJob {
  first: number;
  last: number;
  /** Series of the job with no result yet. */
  waiting: Set<string>;
}

export class DistributedFitter implements SeriesFitter {
  readonly #o: CoordinatorOptions;
  readonly #jobs = new Map<string, QueuedJob>();
  readonly #owner = new Map<string, string>();
  readonly #completedSeen = new Set<string>();
  #seq = 0;
  #lastStateCheck = 0;
  #pollErrors = 0;
  #peakSeries = 0;

  constructor(options: CoordinatorOptions) {
    this.#o = options;
  }

  /** Most series read from the fetch and not yet answered at any one time: what the memory bound bounds. */
  get peakSeries(): number {
    return this.#peakSeries;
  }

  async fitAll(inputs: AsyncIterable<SeriesInput>, onResult: (result: FitResult) => Promise<void>): Promise<{ jobs: number }> {
    let chunk: SeriesInput[] = [];
    let jobs = 0;
    for await (const input of inputs) {
      chunk.push(input);
      this.#peakSeries = Math.max(this.#peakSeries, this.#owner.size + chunk.length);
      if (chunk.length < this.#o.seriesPerJob) continue;
      await this.#queue(chunk);
      jobs++;
      chunk = [];
      while (this.#jobs.size >= this.#o.maxQueuedJobs) await this.#poll(onResult);
    }
    if (chunk.length > 0) {
      await this.#queue(chunk);
      jobs++;
    }
    this.#o.log.info({ runId: this.#o.runId, jobs }, `queued ${jobs} fit jobs on the ${FIT_QUEUE} queue; waiting for the last results`);
    this.#o.onQueued?.(jobs);
    while (this.#jobs.size > 0) await this.#poll(onResult);
    return { jobs };
  }

  async close(): Promise<void> {
    // Inputs of jobs that never answered (an abandoned cycle) go with the run.
    await this.#o.sql`delete from fit_job_input where run_id = ${this.#o.runId}`;
  }

  /** Writes one chunk's inputs and queues the job that names them. */
  async #queue(chunk: SeriesInput[]): Promise<void> {
    const { sql, runId } = this.#o;
    const first = this.#seq;
    const last = first + chunk.length - 1;
    this.#seq = last + 1;
    const global = chunk.find((c) => c.context?.global)?.context?.global;
    chunk = chunk.map((c) => withoutGlobal(c));
    await sql`
      insert into fit_job_input (run_id, seq, series_id, input)
      select ${runId}, seq, id, input
      from unnest(${chunk.map((_, i) => first + i)}::int[], ${chunk.map((c) => c.id)}::text[],
                  ${chunk.map((c) => JSON.stringify(c))}::jsonb[]) as c (seq, id, input)`;
    const id = randomUUID();
    this.#jobs.set(id, { first, last, waiting: new Set(chunk.map((c) => c.id)) });
    for (const c of chunk) this.#owner.set(c.id, id);
    await this.#o.boss.insert(FIT_QUEUE, [{ id, data: { runId, fit: this.#o.fit, first, last, ...(global ? { global } : {}) } satisfies FitJob }]);
  }

  /** One round of taking results; sleeps when there were none. */
  async #poll(onResult: (result: FitResult) => Promise<void>): Promise<void> {
    const { sql, runId } = this.#o;
    this.#o.signal?.throwIfAborted();
    let rows: { series_id: string; result: FitResult }[];
    try {
      rows = await sql<{ series_id: string; result: FitResult }[]>`
        delete from fit_job_result where run_id = ${runId} returning series_id, result`;
      this.#pollErrors = 0;
    } catch (error) {
      // A long wait should survive a dropped connection or a failed poll; five in a row end it.
      if (++this.#pollErrors >= 5) throw error;
      this.#o.log.warn({ err: error, runId }, "could not read fit results; trying again");
      await new Promise((r) => setTimeout(r, 200 * this.#pollErrors));
      return;
    }
    for (const row of rows) await this.#answer(row.series_id, row.result, onResult);
    if (rows.length === 0 && performance.now() - this.#lastStateCheck > 2000) {
      this.#lastStateCheck = performance.now();
      await this.#failLostJobs(onResult);
    }
    if (rows.length === 0 && this.#jobs.size > 0) await new Promise((r) => setTimeout(r, this.#o.pollMs ?? 250));
  }

  async #answer(seriesId: string, result: FitResult, onResult: (result: FitResult) => Promise<void>): Promise<void> {
    const jobId = this.#owner.get(seriesId);
    const job = jobId === undefined ? undefined : this.#jobs.get(jobId);
    if (!job || !job.waiting.delete(seriesId)) return;
    this.#owner.delete(seriesId);
    if (job.waiting.size === 0) {
      this.#jobs.delete(jobId!);
      await this.#o.sql`delete from fit_job_input where run_id = ${this.#o.runId} and seq between ${job.first} and ${job.last}`;
    }
    await onResult(result);
  }

  /** Jobs that failed for good (or were cancelled) will send nothing more: their series fail here. */
  async #failLostJobs(onResult: (result: FitResult) => Promise<void>): Promise<void> {
    for (const [job, { waiting }] of [...this.#jobs].slice(0, 200)) {
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
        : found.state === "completed" ? `fit job ${job} completed without results for ${waiting.size} series`
        : `fit job ${job} ${found.state} after ${found.retryCount + 1} attempt(s)`;
      this.#o.log.error({ runId: this.#o.runId, job, series: waiting.size }, `${reason}; its series get the fallback model`);
      for (const id of [...waiting]) await this.#answer(id, fitFailure(id, new SeriesError("worker_crashed", reason), 0), onResult);
    }
  }
}

/** The input without the run's global models, which ride in the job (FitJob.global). */
function withoutGlobal(input: SeriesInput): SeriesInput {
  if (!input.context || !("global" in input.context)) return input;
  const { global: _models, ...context } = input.context;
  return { ...input, context };
}
