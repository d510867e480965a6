// Runs guarded cycles on a cron expression and whenever retrain requests are
// queued, one at a time. stop() (SIGTERM) abandons a cycle that has not
// reached its final commit, and lets one that has finish.
import { Cron } from "croner";
import type { RetrainRequest } from "../../edge/contract/retrain.ts";
import type { TrainerConfig } from "../config.ts";
import { readLiveVersion } from "../ops/alerts.ts";
import type { RunTrigger } from "../run/record.ts";
import { runGuardedCycle, type GuardedCycleDeps, type GuardedOutcome } from "./guarded-cycle.ts";
import { RetrainQueue } from "./retrain.ts";

export interface SchedulerOptions {
  /** Builds each cycle's progress display. */
  progress?: () => GuardedCycleDeps["progress"];
}

export class Scheduler {
  readonly #config: TrainerConfig;
  readonly #deps: GuardedCycleDeps;
  readonly #options: SchedulerOptions;
  readonly #queue: RetrainQueue;
  #cron: Cron | null = null;
  #poller: NodeJS.Timeout | null = null;
  #current: { promise: Promise<GuardedOutcome>; abort: AbortController } | null = null;
  #stopping = false;
  #recovered = false;

  constructor(config: TrainerConfig, deps: GuardedCycleDeps, options: SchedulerOptions = {}) {
    this.#config = config;
    this.#deps = deps;
    this.#options = options;
    this.#queue = new RetrainQueue(deps.redis, config.KEY_PREFIX);
  }

  start(): void {
    const { TRAIN_CRON, TRAIN_TIMEZONE, RETRAIN_POLL_SECONDS } = this.#config;
    // protect: a tick that comes while a cycle runs is skipped, not queued.
    this.#cron = new Cron(TRAIN_CRON, { timezone: TRAIN_TIMEZONE, protect: true }, () => this.#background(this.runCycle("schedule")));
    if (RETRAIN_POLL_SECONDS > 0) {
      this.#poller = setInterval(() => this.#background(this.pollRequests()), RETRAIN_POLL_SECONDS * 1000);
    }
    this.#deps.log.info({ cron: TRAIN_CRON, timezone: TRAIN_TIMEZONE, next: this.nextRun()?.toISOString() ?? null, retrainPollSeconds: RETRAIN_POLL_SECONDS },
      "scheduler started");
  }

  nextRun(): Date | null {
    return this.#cron?.nextRun() ?? null;
  }

  get busy(): boolean {
    return this.#current !== null;
  }

  /** One guarded cycle, unless one is already running here (then null). Waits for the cycle lock held by another host. */
  async runCycle(trigger: RunTrigger): Promise<GuardedOutcome | null> {
    if (this.#current || this.#stopping) return null;
    const abort = new AbortController();
    const promise = runGuardedCycle(this.#config, { ...this.#deps, progress: this.#options.progress?.() }, { trigger, wait: true, signal: abort.signal });
    this.#current = { promise, abort };
    try {
      const result = await promise;
      this.#report(trigger, result);
      await this.checkLiveVersion();
      return result;
    } finally {
      this.#current = null;
    }
  }

  /** Takes the queued retrain requests and answers them with one cycle. Returns what it took. */
  async pollRequests(): Promise<{ requests: RetrainRequest[]; result: GuardedOutcome | null }> {
    if (this.#current || this.#stopping) return { requests: [], result: null };
    await this.checkLiveVersion();
    if (!this.#recovered) {
      // Requests a stopped scheduler had taken go back first; this one holds the schedule lock, so nobody else has them.
      const recovered = await this.#queue.recover();
      this.#recovered = true;
      if (recovered) this.#deps.log.warn({ recovered }, `put back ${recovered} retrain request(s) taken by a scheduler that stopped`);
    }
    const requests = await this.#queue.take();
    if (requests.length === 0) return { requests, result: null };
    this.#deps.log.info({ requests: requests.map((r) => r.id) }, `retraining for ${requests.length} request(s)`);
    const result = await this.runCycle("request");
    if (result?.outcome === "published") await this.#queue.finish(requests, { version: result.summary.version });
    else if (result?.outcome === "failed") await this.#queue.finish(requests, { error: errorMessage(result.error) });
    else await this.#queue.requeue(requests);
    return { requests, result };
  }

  async checkLiveVersion(): Promise<void> {
    try {
      const live = await readLiveVersion(this.#deps.redis, this.#config.KEY_PREFIX);
      this.#deps.metrics?.liveAge(live?.ageSeconds ?? null);
      if (this.#config.ALERT_STALE_HOURS > 0) await this.#deps.alerter.checkStale(live, this.#config.ALERT_STALE_HOURS);
    } catch (error) {
      this.#deps.log.error({ err: error }, "could not read the live version");
    }
  }

  /** Stops scheduling; abandons the running cycle unless it is already committing. Resolves when it has ended. */
  async stop(reason: string): Promise<void> {
    this.#stopping = true;
    this.#cron?.stop();
    if (this.#poller) clearInterval(this.#poller);
    const current = this.#current;
    if (current) {
      this.#deps.log.warn({ reason }, "stopping: abandoning the running cycle before its final commit");
      current.abort.abort(new Error(reason));
      await current.promise.catch(() => {});
    }
  }

  #report(trigger: RunTrigger, result: GuardedOutcome): void {
    const { log } = this.#deps;
    if (result.outcome === "published") {
      const { summary } = result;
      log.info({ trigger, ...summary, next: this.nextRun()?.toISOString() ?? null },
        `published version ${summary.version}: ${summary.series} series, ${summary.failed} failed`);
    } else if (result.outcome === "locked") {
      log.warn({ trigger }, result.message);
    } else if (result.outcome === "abandoned") {
      log.warn({ trigger }, result.error.message);
    } else {
      log.error({ trigger, err: result.error }, `cycle failed: ${errorMessage(result.error)}`);
    }
  }

  /** Background loops log their errors instead of crashing the scheduler. */
  #background(work: Promise<unknown>): void {
    work.catch((error) => this.#deps.log.error({ err: error }, `scheduler: ${errorMessage(error)}`));
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
