import type { Logger } from "../log.ts";
import { startBoss } from "../distributed/queue.ts";
import { DistributedFitter } from "../distributed/coordinator.ts";
import { cycleProgress } from "../ops/progress.ts";
import { runGuardedCycle } from "../schedule/guarded-cycle.ts";
import { nextStopSignal, openContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";

export interface RunFlags {
  /** Wait for a running cycle to end instead of exiting with EXIT.locked. */
  wait?: boolean;
  /** Fit on `trainer worker`s through pg-boss instead of this host's threads. */
  distributed?: boolean;
}

export async function runCommand(log: Logger, flags: RunFlags = {}): Promise<number> {
  const context = await openContext(log);
  const { config } = context;
  const stop = nextStopSignal();
  const abort = new AbortController();
  void stop.promise.then((signal) => {
    log.warn({ signal }, `${signal}: abandoning the cycle before its final commit`);
    abort.abort(new Error(signal));
  });
  const boss = flags.distributed ? await startBoss(config, log) : null;
  try {
    const result = await runGuardedCycle(config, {
      ...context, log,
      progress: cycleProgress(log, { bar: config.PROGRESS }),
      createFitter: boss
        ? (fit, runId) => new DistributedFitter({ boss, sql: context.sql, log, runId, fit, seriesPerJob: config.FIT_JOB_SERIES, maxQueuedJobs: config.FIT_JOB_QUEUE_LIMIT, signal: abort.signal })
        : undefined,
    }, { trigger: "manual", wait: flags.wait, signal: abort.signal });
    switch (result.outcome) {
      case "published": {
        const { summary } = result;
        log.info(summary, `published version ${summary.version}: ${summary.series} series, ${summary.failed} failed`);
        return summary.failed > 0 ? EXIT.partial : EXIT.ok;
      }
      case "locked":
        log.error(result.message);
        return EXIT.locked;
      case "abandoned":
        log.warn(result.error.message);
        return EXIT.abandoned;
      default:
        throw result.error;
    }
  } finally {
    stop.dispose();
    await boss?.stop({ graceful: false });
    await context.close();
  }
}
