// Fits series on worker threads, one series per thread at a time. Fitting is
// synchronous WASM, so threads, not async, are what use the cores.
import os from "node:os";
import { createInterface } from "node:readline";
import { Worker } from "node:worker_threads";
import { fitFailure, SeriesError } from "../models/errors.ts";
import { checkFitOptions } from "../models/options.ts";
import { validateSeries } from "../models/series.ts";
import type { FitOptions, FitResult, ModelSeries, SeriesInput } from "../models/types.ts";
import type { FitReply, FitRequest, WorkerConfig } from "./protocol.ts";

export interface FitPoolOptions {
  /** Worker threads; defaults to os.availableParallelism(). */
  threads?: number;
  fit: FitOptions;
  /**
   * Receives each line the threads print. Stan writes its optimizer errors to
   * stderr; the same reason is already in the FitFailure, so the default drops them.
   */
  log?: (line: string, stream: "stdout" | "stderr") => void;
  /** The thread's entry module; only tests replace it. */
  workerUrl?: URL;
  /**
   * Series a thread fits before it is replaced by a fresh one (default 250).
   * WebAssembly memory never shrinks and grows by about 0.1 MB per fit, so
   * without this a thread's memory would grow with the number of series.
   */
  recycleAfter?: number;
  /**
   * Milliseconds one series may take from the moment a thread takes it (0 or
   * unset: no deadline; a fresh thread's first series includes its start-up,
   * about a second). A fit is synchronous WASM that cannot be interrupted,
   * so a series past its deadline fails as `fit_timeout` and its thread is
   * replaced.
   */
  timeoutMs?: number;
}

interface Task {
  series: ModelSeries;
  queuedAt: number;
  resolve: (result: FitResult) => void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
  alive: boolean;
  deadline: NodeJS.Timeout | null;
}

export class FitPool {
  readonly threads: number;
  readonly #options: Readonly<FitOptions>;
  readonly #log: FitPoolOptions["log"];
  readonly #workerUrl: URL;
  readonly #recycleAfter: number;
  readonly #timeoutMs: number;
  readonly #slots: Slot[];
  #started = 0;
  readonly #queue: Task[] = [];
  #pending = 0;
  #drained: (() => void)[] = [];
  #closed = false;

  constructor(options: FitPoolOptions) {
    const threads = options.threads ?? os.availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be an integer >= 1 (got ${String(threads)})`);
    this.threads = threads;
    this.#options = checkFitOptions(options.fit);
    this.#log = options.log;
    this.#workerUrl = options.workerUrl ?? new URL("./worker.ts", import.meta.url);
    this.#recycleAfter = options.recycleAfter ?? 250;
    if (!Number.isInteger(this.#recycleAfter) || this.#recycleAfter < 1) throw new RangeError(`recycleAfter must be an integer >= 1 (got ${String(options.recycleAfter)})`);
    this.#timeoutMs = options.timeoutMs ?? 0;
    if (!(this.#timeoutMs >= 0)) throw new RangeError(`timeoutMs must be a number >= 0 (got ${String(options.timeoutMs)})`);
    // Started now, so the WASM loads while the caller is still fetching series.
    this.#slots = Array.from({ length: threads }, () => this.#spawn());
  }

  /** Threads started so far, replacements included. */
  get threadsStarted(): number {
    return this.#started;
  }

  /** Resolves with the series' result; never rejects for anything about the series itself. */
  fit(input: SeriesInput): Promise<FitResult> {
    if (this.#closed) return Promise.reject(new Error("FitPool is closed"));
    const queuedAt = performance.now();
    let series: ModelSeries;
    try {
      // Checked here, so bad input never occupies a thread and the arrays are ours to transfer.
      series = validateSeries(input, this.#options.horizon);
    } catch (error) {
      const id = typeof input?.id === "string" ? input.id : String(input?.id);
      return Promise.resolve(fitFailure(id, error, performance.now() - queuedAt));
    }
    this.#pending++;
    return new Promise<FitResult>((resolve) => {
      this.#queue.push({ series, queuedAt, resolve });
      this.#dispatch();
    }).finally(() => {
      if (--this.#pending === 0) for (const wake of this.#drained.splice(0)) wake();
    });
  }

  /**
   * Fits every input, handing each result to `onResult` one at a time, in
   * completion order. At most 2×threads series are read ahead of the results
   * being handled, so memory stays flat however many stream in, and a slow
   * `onResult` slows the reading. If `onResult` or the input iterator throws,
   * no more inputs are read, started fits finish, and the error is rethrown.
   */
  async fitAll(
    inputs: AsyncIterable<SeriesInput> | Iterable<SeriesInput>,
    onResult: (result: FitResult) => void | Promise<void>,
  ): Promise<{ fitted: number; failed: number }> {
    const limit = 2 * this.threads;
    const inFlight = new Set<Promise<void>>();
    const counts = { fitted: 0, failed: 0 };
    let delivered: Promise<void> = Promise.resolve();
    let failure: { error: unknown } | undefined;
    try {
      for await (const input of inputs) {
        const handled: Promise<void> = this.fit(input)
          .then((result) => {
            counts[result.ok ? "fitted" : "failed"]++;
            delivered = delivered.then(() => onResult(result));
            return delivered;
          })
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => inFlight.delete(handled));
        inFlight.add(handled);
        while (inFlight.size >= limit) await Promise.race(inFlight);
        if (failure) break;
      }
    } finally {
      await Promise.all(inFlight);
    }
    if (failure) throw failure.error;
    return counts;
  }

  /** Lets queued and running fits finish, then stops the threads. Required: live threads keep the process running. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pending > 0) await new Promise<void>((resolve) => this.#drained.push(resolve));
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
  }

  #dispatch(): void {
    for (let i = 0; i < this.#slots.length && this.#queue.length > 0; i++) {
      let slot = this.#slots[i];
      if (slot.task) continue;
      // Dead threads are replaced only when there is work, so a thread that cannot start cannot respawn in a loop.
      if (!slot.alive) slot = this.#slots[i] = this.#spawn();
      const task = this.#queue.shift()!;
      slot.task = task;
      if (this.#timeoutMs > 0) {
        const current = slot;
        current.deadline = setTimeout(() => this.#timedOut(current), this.#timeoutMs);
      }
      const { units, promo, futurePromo } = task.series;
      slot.worker.postMessage({ series: task.series } satisfies FitRequest, [units.buffer, promo.buffer, futurePromo.buffer]);
    }
  }

  #spawn(): Slot {
    const worker = new Worker(this.#workerUrl, {
      workerData: { fit: this.#options, recycleAfter: this.#recycleAfter } satisfies WorkerConfig,
      stdout: true,
      stderr: true,
    });
    const slot: Slot = { worker, task: null, alive: true, deadline: null };
    this.#started++;
    worker.on("message", ({ result, retire }: FitReply) => {
      const task = slot.task;
      slot.task = null;
      this.#clearDeadline(slot);
      if (retire) {
        slot.alive = false;
        void worker.terminate();
      }
      task?.resolve(result);
      this.#dispatch();
    });
    worker.on("error", (error: unknown) => this.#lost(slot, `fit thread crashed: ${error instanceof Error ? error.message : String(error)}`));
    worker.on("exit", (code) => this.#lost(slot, `fit thread exited with code ${code}`));
    for (const stream of ["stdout", "stderr"] as const) {
      // Read even when nobody listens: an unread stream would buffer forever.
      createInterface({ input: worker[stream] }).on("line", (line) => this.#log?.(line, stream));
    }
    return slot;
  }

  #clearDeadline(slot: Slot): void {
    if (slot.deadline) clearTimeout(slot.deadline);
    slot.deadline = null;
  }

  /** A series past its deadline fails as `fit_timeout`; its thread is stopped and replaced when there is work. */
  #timedOut(slot: Slot): void {
    slot.deadline = null;
    const task = slot.task;
    if (!slot.alive || !task) return;
    slot.alive = false;
    slot.task = null;
    void slot.worker.terminate();
    const error = new SeriesError("fit_timeout", `no result after ${this.#timeoutMs / 1000} s (FIT_TIMEOUT_SECONDS); the fit was stopped`);
    task.resolve(fitFailure(task.series.id, error, performance.now() - task.queuedAt));
    this.#dispatch();
  }

  /** The series a dead thread was fitting fails as `worker_crashed`; the rest of the queue goes on. */
  #lost(slot: Slot, message: string): void {
    if (!slot.alive) return;
    slot.alive = false;
    this.#clearDeadline(slot);
    const task = slot.task;
    slot.task = null;
    if (task) {
      const error = new SeriesError("worker_crashed", `${message} while fitting this series`);
      task.resolve(fitFailure(task.series.id, error, performance.now() - task.queuedAt));
    }
    this.#dispatch();
  }
}
