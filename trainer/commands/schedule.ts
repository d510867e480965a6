import type { Logger } from "../log.ts";
import { TrainerMetrics, serveMetrics } from "../ops/metrics.ts";
import { cycleProgress } from "../ops/progress.ts";
import { acquireLock, LockBusyError } from "../schedule/lock.ts";
import { Scheduler } from "../schedule/scheduler.ts";
import { nextStopSignal, openContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";

export interface ScheduleFlags {
  /** Stand by until the running scheduler stops, instead of exiting. */
  wait: boolean;
  /** Run one cycle at start as well as on the cron. */
  now: boolean;
  metricsPort?: number;
}

export async function scheduleCommand(flags: ScheduleFlags, log: Logger): Promise<number> {
  const context = await openContext(log);
  const { config, sql } = context;
  const stop = nextStopSignal();
  const metrics = config.METRICS ? new TrainerMetrics() : undefined;
  const server = metrics ? await serveMetrics(metrics, { port: flags.metricsPort ?? config.METRICS_PORT }) : null;
  if (server) log.info({ port: server.port }, `metrics on http://0.0.0.0:${server.port}/metrics`);
  try {
    // One scheduler per database: a second one exits, or with --wait stands by to take over.
    const standby = new AbortController();
    void stop.promise.then((signal) => standby.abort(new Error(signal)));
    let leader;
    try {
      if (flags.wait) log.info("waiting for the running scheduler to stop (--wait)");
      leader = await acquireLock(sql, "schedule", { wait: flags.wait, signal: standby.signal });
    } catch (error) {
      if (error instanceof LockBusyError) {
        log.error(error.message.replace("--wait to wait for it", "--wait to stand by and take over when it stops"));
        return EXIT.locked;
      }
      if (standby.signal.aborted) return EXIT.ok;
      throw error;
    }
    try {
      const scheduler = new Scheduler(config, { ...context, log, metrics }, {
        progress: () => cycleProgress(log, { bar: config.PROGRESS }),
      });
      scheduler.start();
      if (flags.now) void scheduler.runCycle("manual").catch((e) => log.error({ err: e }, "first cycle failed"));
      const signal = await stop.promise;
      log.info({ signal }, `${signal}: stopping the scheduler`);
      await scheduler.stop(signal);
      return EXIT.ok;
    } finally {
      await leader.release();
    }
  } finally {
    stop.dispose();
    await server?.close();
    await context.close();
  }
}
