// One training cycle: refresh → fetch → fit → record → publish. Fetch, fit,
// record and the staging writes overlap (series stream through a bounded
// pool), so memory stays flat however many series there are; the version
// becomes visible to readers only in the final commit.
import type { Redis } from "@upstash/redis";
import { HORIZONS, newVersionId } from "../../edge/contract/keys.ts";
import type { Manifest, RunAccuracy } from "../../edge/contract/payload.ts";
import type { TrainerConfig } from "../config.ts";
import type { Database, Sql } from "../db/connect.ts";
import { FitPool } from "../fit/pool.ts";
import type { Logger } from "../log.ts";
import { findCandidate } from "../select/candidates.ts";
import { seasonalNaive } from "../models/seasonal-naive.ts";
import type { FitOptions, FitResult, SeriesInput } from "../models/types.ts";
import { encodeHistory, encodeHorizons } from "../publish/payloads.ts";
import { publishPrefetch } from "../publish/prefetch.ts";
import { SupersededError, VersionWriter } from "../publish/version-writer.ts";
import { fetchSeries, loadDimensions, type Dimensions, type SeriesRecord } from "./fetch.ts";
import { ForecastQuality } from "./forecast-quality.ts";
import { finishRun, ResultRecorder, startRun, type RunTrigger } from "./record.ts";
import { attachProfiles, foldCutoffs, loadProfilesAsOf } from "./profiles.ts";
import { refreshFeatures } from "./refresh.ts";
import { planLoadedAt } from "../plan/list.ts";
import { attachGlobal, trainForRun } from "../global/run.ts";
import { recordGlobalModels } from "../global/train.ts";

export interface CycleDeps {
  sql: Sql;
  db: Database;
  redis: Redis;
  log: Logger;
  /** Called after each series, for progress displays. */
  onProgress?: (done: number, total: number) => void;
  /** Called when a stage ends, for the demo's stage-by-stage report. */
  onStage?: (stage: string, ms: number) => void;
  /** Aborting stops the cycle before its final commit: the run is recorded 'abandoned' and nothing is published. */
  signal?: AbortSignal;
  /** What started the run, recorded with it. */
  trigger?: RunTrigger;
  /** Runs right before the pointer move; throwing stops the commit (the cycle lock's last check). */
  beforeCommit?: () => Promise<void>;
  /** Where series are fitted; the default is a FitPool on this host (distributed mode passes pg-boss jobs). */
  createFitter?: (fit: FitOptions, runId: number) => SeriesFitter;
}

/** Fits a stream of series, handing each result to `onResult` (FitPool's contract). */
export interface SeriesFitter {
  fitAll(inputs: AsyncIterable<SeriesInput>, onResult: (result: FitResult) => Promise<void>): Promise<unknown>;
  close(): Promise<void>;
}

export interface CycleSummary {
  runId: number;
  version: string;
  previous: string | null;
  origin: string;
  series: number;
  failed: number;
  models: Record<string, number>;
  /** Series per model family (prophet, pooled, intermittent, naive, …): how often each family won. */
  families: Record<string, number>;
  stageMs: Record<string, number>;
  /** Backtest accuracy, model split and outliers of the fast variant. */
  accuracy?: RunAccuracy;
}

export class NoDataError extends Error {
  override name = "NoDataError";
}

export class CycleAbandonedError extends Error {
  override name = "CycleAbandonedError";
}

const FALLBACK_MODEL = "seasonal_naive";
const round = (ms: number) => Math.round(ms);

export async function runCycle(config: TrainerConfig, deps: CycleDeps): Promise<CycleSummary> {
  const { sql, db, redis, log } = deps;
  const version = newVersionId();
  const runId = await startRun(db, version, deps.trigger);
  const stageMs: Record<string, number> = {};
  const stage = (name: string, ms: number) => {
    stageMs[name] = round(ms);
    deps.onStage?.(name, ms);
    log.info({ runId, version, stage: name, ms: round(ms) }, `stage ${name} done`);
  };
  const cycleStart = performance.now();
  let origin: string | null = null;
  let total = 0;
  let failed = 0;
  try {
    let t = performance.now();
    // The run reads its profiles as of the watermark and each fold's cut-off
    // (loadProfilesAsOf), never the seasonal_profiles view: its full refresh
    // would cost the daily refresh most of its time for nothing the run uses.
    const refreshed = await refreshFeatures(sql, config.HISTORY_DAYS, {
      full: config.FEATURE_REFRESH === "full",
      ...(config.POOLED_MODEL ? { profileDays: config.PROFILE_HISTORY_DAYS, profilesView: false } : {}),
    });
    stage("refresh", performance.now() - t);
    if (!refreshed.origin || refreshed.series === 0) {
      throw new NoDataError("no sales in the feature window: load data first (`npm run trainer -- seed` for the demo grid)");
    }
    origin = refreshed.origin;
    total = refreshed.series;

    const dims = await loadDimensions(sql);
    // One query for every series' shape as of the origin and each fold's cut-off; without profiles the pooled candidate is left out.
    t = performance.now();
    const profiles = config.POOLED_MODEL ? await loadProfilesAsOf(sql, origin, foldCutoffs(origin, config.HOLDOUT_DAYS, config.BACKTEST_FOLDS)) : null;
    if (profiles) stage("profiles", performance.now() - t);
    const writer = new VersionWriter(redis, {
      prefix: config.KEY_PREFIX,
      version,
      chunkSize: config.PUBLISH_CHUNK,
      retentionSeconds: config.RETENTION_DAYS * 86_400,
      fence: config.PUBLISH_FENCE,
    });
    const recorder = new ResultRecorder(db);
    const quality = await ForecastQuality.start(config, { sql, redis, version });
    // Trained once across series, before any series is fitted; it reads the pooled profiles, so it needs them.
    t = performance.now();
    const global = config.GLOBAL_MODEL && profiles ? await trainForRun(sql, config, origin, quality.fit, config.HOLIDAY_CALENDAR) : null;
    if (global) {
      await recordGlobalModels(sql, runId, global.models);
      stage("global", performance.now() - t);
    }
    const models: Record<string, number> = {};
    const families: Record<string, number> = {};
    const inFlight = new Map<string, SeriesRecord>();
    let fetchMs = 0;
    let done = 0;
    let plannedSeries = 0;

    async function* inputs(): AsyncGenerator<SeriesInput> {
      for await (const record of fetchSeries(sql, dims, { onWait: (ms) => (fetchMs += ms), previous: true, plannedHorizon: config.PROMO_PLAN ? quality.fit.horizon : undefined })) {
        if (record.planned.length) plannedSeries++;
        const id = `${record.storeId}:${record.productId}`;
        inFlight.set(id, record);
        // Unchanged data and a young model: republish the last fit instead of fitting again.
        const prepared = quality.prepare(id, record, origin!);
        if ("reused" in prepared) await onResult(prepared.reused);
        else yield prepared.input;
      }
    }

    const onResult = async (result: FitResult) => {
      // Throwing here stops the pool reading more series; started fits finish and are dropped.
      deps.signal?.throwIfAborted();
      const record = inFlight.get(result.id)!;
      inFlight.delete(result.id);
      const fallback = result.ok ? null : seasonalNaive(record.units, Math.max(...HORIZONS), config.INTERVAL_LEVEL);
      const model = result.ok ? result.model : FALLBACK_MODEL;
      const forecast = result.ok ? result.forecast : fallback!;
      if (!result.ok) {
        failed++;
        log.warn({ runId, series: `${record.city}/${record.store}/${record.product}`, code: result.error.code, error: result.error.message }, "fit failed; publishing seasonal naive");
      }
      models[model] = (models[model] ?? 0) + 1;
      const family = findCandidate(model)?.family ?? (model.startsWith("ensemble:") ? "ensemble" : model);
      families[family] = (families[family] ?? 0) + 1;
      const encoded = await encodeHorizons({ city: record.city, store: record.store, product: record.product, model, mase: result.ok ? result.metrics.mase : null, ...forecast, promoDays: record.planned },
        { version, origin: origin!, level: config.INTERVAL_LEVEL, roundingShare: config.ROUNDING_SHARE, shape: config.FORECAST_SHAPE });
      // Recent actuals and backtest accuracy ride along with the forecasts, for the explorer page.
      const history = config.PUBLISHED_HISTORY_DAYS > 0
        ? await encodeHistory({ city: record.city, store: record.store, product: record.product, model, start: record.start, units: record.units,
          backtest: result.ok && result.metrics.holdoutDays > 0 ? { ...result.metrics } : null }, { version, days: config.PUBLISHED_HISTORY_DAYS })
        : undefined;
      await writer.add(record.city, record.store, record.product, encoded, history);
      const chosen = await quality.add(record, result, origin!);
      await recorder.add({
        runId,
        storeId: record.storeId,
        productId: record.productId,
        model,
        params: result.ok ? (result.params as object | null) : null,
        metrics: result.ok ? { ...result.metrics } : {},
        dataHash: record.dataHash,
        history: record.history,
        fitMs: Math.round(result.fitMs),
        errorCode: result.ok ? null : result.error.code,
        error: result.ok ? null : result.error.message,
        ...chosen,
      });
      deps.onProgress?.(++done, total);
    };

    t = performance.now();
    const fit: FitOptions = quality.fit;
    const pool = deps.createFitter?.(fit, runId) ?? new FitPool({ threads: config.FIT_THREADS, fit, timeoutMs: config.FIT_TIMEOUT_SECONDS * 1000 });
    try {
      await pool.fitAll(attachGlobal(attachProfiles(inputs(), profiles, (id) => inFlight.get(id)), global, (id) => inFlight.get(id)), onResult);
    } finally {
      await pool.close();
    }
    // The fit stage is the pool's wall time less what the same loop spent
    // waiting on Postgres and Redis, which are reported as their own stages.
    const fitMs = performance.now() - t - fetchMs - recorder.busyMs - writer.busyMs - quality.busyMs;
    stage("fetch", fetchMs);
    stage("fit", fitMs);

    await recorder.flush();
    stage("record", recorder.busyMs);

    await writer.flush();
    await quality.flush();
    // The last point where stopping leaves no trace: past it, the commit finishes.
    deps.signal?.throwIfAborted();
    const manifest = buildManifest(dims, { version, runId, origin, level: config.INTERVAL_LEVEL, series: writer.written, failed, models, families });
    manifest.historyDays = Math.min(config.PUBLISHED_HISTORY_DAYS, config.HISTORY_DAYS);
    manifest.accuracy = quality.accuracy();
    if (config.PROMO_PLAN) manifest.plan = { loadedAt: await planLoadedAt(sql), series: plannedSeries };
    // The grids asked for most, built once and committed with the version (docs/edge-api.md, "Predictive prefetch").
    const { grids, ...prefetch } = await publishPrefetch(redis, { prefix: config.KEY_PREFIX, version, manifest, topN: config.PREFETCH_TOP_N, ttlSeconds: 86_400, shape: config.FORECAST_SHAPE });
    if (grids.length > 0) manifest.prebuiltGrids = grids;
    if (prefetch.published > 0) log.info({ runId, version, ...prefetch }, "grid bodies published");
    await deps.beforeCommit?.();
    const { previous } = await writer.commit(manifest);
    stage("publish", writer.busyMs);
    log.info({ runId, version, previous, series: total, failed, models, families }, "published");

    stageMs.total = round(performance.now() - cycleStart);
    await finishRun(db, runId, { status: "published", origin, seriesTotal: total, seriesFailed: failed, stageMs });
    await quality.record(db, runId);
    return { runId, version, previous, origin, series: total, failed, models, families, stageMs, accuracy: manifest.accuracy };
  } catch (error) {
    stageMs.total = round(performance.now() - cycleStart);
    const abandoned = deps.signal?.aborted === true;
    const reason = abandoned ? `abandoned before publishing: ${String(deps.signal!.reason instanceof Error ? deps.signal!.reason.message : deps.signal!.reason)}` : null;
    await finishRun(db, runId, {
      status: abandoned ? "abandoned" : error instanceof SupersededError ? "superseded" : "failed", origin, seriesTotal: total, seriesFailed: failed, stageMs,
      error: reason ?? (error instanceof Error ? error.message : String(error)),
    }).catch((e) => log.error({ err: e }, "could not record the failed run"));
    if (abandoned) throw new CycleAbandonedError(`run ${runId} (${version}) ${reason}; the live version is unchanged`, { cause: error });
    throw error;
  }
}

function buildManifest(dims: Dimensions, run: {
  version: string; runId: number; origin: string; level: number; series: number; failed: number; models: Record<string, number>; families: Record<string, number>;
}): Manifest {
  return {
    version: run.version,
    runId: run.runId,
    trainedAt: new Date().toISOString(),
    origin: run.origin,
    horizons: [...HORIZONS],
    level: run.level,
    series: run.series,
    failed: run.failed,
    models: run.models,
    families: run.families,
    dimensions: {
      cities: dims.cities.map(({ code, name }) => ({ code, name })),
      stores: dims.stores.map(({ code, name, city }) => ({ code, name, city })),
      products: dims.products.map(({ code, name }) => ({ code, name })),
    },
  };
}
