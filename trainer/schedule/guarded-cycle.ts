// A cycle as every entry point runs it (`trainer run`, the scheduler, the
// distributed coordinator): under the cycle lock (checked again right before
// the commit), after recording runs that a dead trainer left 'running' as
// published when the store holds their version and as abandoned otherwise,
// with metrics, progress and alerts.
import type { Redis } from "@upstash/redis";
import type { TrainerConfig } from "../config.ts";
import type { Database, Sql } from "../db/connect.ts";
import type { Logger } from "../log.ts";
import { compareAccuracy, readLiveVersion, type Alerter } from "../ops/alerts.ts";
import type { TrainerMetrics } from "../ops/metrics.ts";
import type { CycleProgress } from "../ops/progress.ts";
import { CycleAbandonedError, runCycle, type CycleDeps, type CycleSummary } from "../run/cycle.ts";
import type { RunTrigger } from "../run/record.ts";
import { abandonStaleRuns, acquireLock, LockBusyError } from "./lock.ts";
import { reconcileRuns } from "./reconcile.ts";

export interface GuardedCycleDeps {
  sql: Sql;
  db: Database;
  redis: Redis;
  log: Logger;
  alerter: Alerter;
  metrics?: TrainerMetrics;
  progress?: CycleProgress;
  createFitter?: CycleDeps["createFitter"];
}

export type GuardedOutcome =
  | { outcome: "published"; summary: CycleSummary }
  | { outcome: "locked"; message: string }
  | { outcome: "abandoned"; error: CycleAbandonedError }
  | { outcome: "failed"; error: unknown };

export async function runGuardedCycle(
  config: TrainerConfig,
  deps: GuardedCycleDeps,
  options: { trigger: RunTrigger; wait?: boolean; signal?: AbortSignal },
): Promise<GuardedOutcome> {
  const { sql, log, alerter, metrics } = deps;
  let lock;
  try {
    lock = await acquireLock(sql, "cycle", { wait: options.wait, signal: options.signal });
  } catch (error) {
    if (error instanceof LockBusyError) {
      metrics?.ended("skipped_locked");
      return { outcome: "locked", message: error.message };
    }
    if (options.signal?.aborted) return { outcome: "abandoned", error: new CycleAbandonedError("stopped while waiting for the cycle lock", { cause: error }) };
    throw error;
  }
  try {
    const recorded = await reconcileRuns(sql, deps.redis, config.KEY_PREFIX);
    if (recorded.length) log.warn({ runs: recorded }, `recorded ${recorded.length} run(s) that published before their trainer stopped as published`);
    const stale = await abandonStaleRuns(sql);
    if (stale.length) log.warn({ runs: stale }, `marked ${stale.length} run(s) left 'running' by a stopped trainer as abandoned`);
    const summary = await runCycle(config, {
      sql, db: deps.db, redis: deps.redis, log,
      trigger: options.trigger,
      signal: options.signal,
      beforeCommit: () => lock.verify(),
      createFitter: deps.createFitter,
      onProgress: deps.progress?.onProgress,
      onStage: (stage, ms) => {
        deps.progress?.onStage(stage, ms);
        metrics?.stage(stage, ms);
      },
    });
    deps.progress?.stop();
    metrics?.published(summary);
    metrics?.stage("total", summary.stageMs.total ?? 0);
    await checkAccuracy(config, deps, summary);
    const live = await readLiveVersion(deps.redis, config.KEY_PREFIX).catch(() => null);
    metrics?.liveAge(live?.ageSeconds ?? null);
    return { outcome: "published", summary };
  } catch (error) {
    deps.progress?.stop();
    if (error instanceof CycleAbandonedError) {
      metrics?.ended("abandoned");
      return { outcome: "abandoned", error };
    }
    metrics?.ended("failed");
    await alerter.send({
      kind: "cycle_failed",
      message: `training cycle (${options.trigger}) failed: ${error instanceof Error ? error.message : String(error)}`,
      trigger: options.trigger,
    });
    return { outcome: "failed", error };
  } finally {
    await lock.release().catch((e) => log.error({ err: e }, "could not release the cycle lock (it goes with the connection)"));
  }
}

async function checkAccuracy(config: TrainerConfig, deps: GuardedCycleDeps, summary: CycleSummary): Promise<void> {
  if (config.ALERT_ACCURACY_DROP <= 0) return;
  const change = await compareAccuracy(deps.sql, summary.runId);
  if (!change || change.change <= config.ALERT_ACCURACY_DROP) return;
  await deps.alerter.send({
    kind: "accuracy_drop",
    message: `mean backtest WAPE rose ${(change.change * 100).toFixed(1)}% (${change.previous.toFixed(3)} → ${change.current.toFixed(3)}) from run ${change.previousRunId} to run ${summary.runId} (threshold ${(config.ALERT_ACCURACY_DROP * 100).toFixed(0)}%)`,
    runId: summary.runId, version: summary.version, ...change, threshold: config.ALERT_ACCURACY_DROP,
  });
}
