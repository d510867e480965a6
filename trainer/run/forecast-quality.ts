// The cycle's model-selection side, kept out of the cycle's wiring: the fit
// settings, which series can reuse the last run's fit, the warm starts, the
// Prophet rollback output published beside the selection, the run's
// accuracy, and the accurate variant after the version goes live.
import type { Redis } from "@upstash/redis";
import { keys, seriesField } from "../../edge/contract/keys.ts";
import type { RunAccuracy } from "../../edge/contract/payload.ts";
import type { TrainerConfig } from "../config.ts";
import type { Database, Sql } from "../db/connect.ts";
import { trainingRun } from "../db/schema.ts";
import type { Logger } from "../log.ts";
import type { Holiday } from "../models/prophet.ts";
import type { FitOptions, FitOutcome, FitResult, SeriesInput } from "../models/types.ts";
import { encodeHorizons } from "../publish/payloads.ts";
import { VariantWriter } from "../publish/variant-writer.ts";
import { eq, sql as raw } from "drizzle-orm";
import { AccuracyTally } from "./accuracy.ts";
import { publishAccurate, type AccurateSummary } from "./accurate.ts";
import type { Dimensions, SeriesRecord } from "./fetch.ts";
import { fitOptionsFor, historyDaysFor, lastDays, reusable, settingsHash } from "./fit-settings.ts";
import { loadHolidays } from "./holidays.ts";
import { plannedInput } from "../plan/planned-days.ts";

/** Columns of series_result this side fills. */
export interface QualityColumns {
  demandClass: string | null;
  scores: FitOutcome["scores"] | null;
  runnerUp: string | null;
  forecast: FitOutcome["forecast"] | null;
  prophetForecast: FitOutcome["forecast"] | null;
  prophetModel: string | null;
  settingsHash: string;
  fittedAt: Date | null;
  skipped: boolean;
  outlier: boolean;
}

export class ForecastQuality {
  readonly fit: FitOptions;
  readonly #config: TrainerConfig;
  readonly #redis: Redis;
  readonly #version: string;
  readonly #holidays: Holiday[];
  readonly #historyDays: number;
  readonly #settings: string;
  readonly #prophet: VariantWriter;
  readonly #tally: AccuracyTally;
  readonly #reused = new WeakSet<FitOutcome>();
  readonly #fittedAt = new WeakMap<FitOutcome, Date | null>();
  readonly unchanged = new Set<string>();

  private constructor(config: TrainerConfig, redis: Redis, version: string, holidays: Holiday[]) {
    this.#config = config;
    this.#redis = redis;
    this.#version = version;
    this.#holidays = holidays;
    this.fit = fitOptionsFor(config, holidays, "fast");
    this.#historyDays = historyDaysFor(config, "fast");
    this.#settings = settingsHash(this.fit, this.#historyDays, config.POOLED_MODEL);
    const k = keys(config.KEY_PREFIX);
    // Staged like the main hashes: the version's commit persists them (they are among its keys).
    this.#prophet = new VariantWriter(redis, { key: (h) => k.prophetHorizon(version, h), chunkSize: config.PUBLISH_CHUNK, ttlSeconds: 86_400 });
    this.#tally = new AccuracyTally(config.OUTLIER_MASE);
  }

  static async start(config: TrainerConfig, deps: { sql: Sql; redis: Redis; version: string }): Promise<ForecastQuality> {
    return new ForecastQuality(config, deps.redis, deps.version, await loadHolidays(deps.sql, config.HOLIDAY_CALENDAR));
  }

  /** Milliseconds spent writing the Prophet rollback hashes. */
  get busyMs(): number {
    return this.#prophet.busyMs;
  }

  /**
   * The last run's result standing in for a fit, when the series is
   * unchanged (see `reusable`); null when it must be fitted.
   */
  reuse(id: string, record: SeriesRecord): FitOutcome | null {
    const previous = reusable(record, this.#settings, this.#config.MODEL_MAX_AGE_HOURS);
    if (!previous) return null;
    const outcome: FitOutcome = {
      id,
      ok: true,
      model: previous.model,
      demandClass: previous.demandClass ?? "smooth",
      forecast: previous.forecast!,
      params: previous.params,
      metrics: { mase: null, smape: null, wape: null, coverage: null, holdoutDays: 0, ...previous.metrics },
      scores: Array.isArray(previous.scores) ? previous.scores : [],
      ...(previous.prophetForecast ? { prophet: { model: previous.prophetModel ?? "prophet", forecast: previous.prophetForecast, metrics: { mase: null, smape: null, wape: null, coverage: null, holdoutDays: 0 } } } : {}),
      fitMs: 0,
    };
    this.#reused.add(outcome);
    this.#fittedAt.set(outcome, previous.fittedAt);
    this.unchanged.add(seriesField(record.city, record.store, record.product));
    return outcome;
  }

  /** The series as the fast variant fits it: its last FIT_HISTORY_DAYS, warm-started from the last run's params. */
  input(id: string, record: SeriesRecord): SeriesInput {
    const series = lastDays({ id, start: record.start, units: record.units, promo: record.promo, ...plannedInput(record, this.fit.horizon) }, this.#historyDays);
    return this.#config.WARM_START && record.previous ? { ...series, warm: record.previous.params } : series;
  }

  /**
   * After the series' forecast is staged: stage Prophet's forecast beside it
   * when the selection is another model, tally its accuracy, and return the
   * columns to record.
   */
  async add(record: SeriesRecord, result: FitResult, origin: string): Promise<QualityColumns> {
    const field = seriesField(record.city, record.store, record.product);
    const skipped = result.ok && this.#reused.has(result);
    if (!result.ok) {
      this.#tally.add(field, { model: "seasonal_naive", metrics: {}, demandClass: null, prophetAlternative: false, skipped: false });
      return { demandClass: null, scores: null, runnerUp: null, forecast: null, prophetForecast: null, prophetModel: null, settingsHash: this.#settings, fittedAt: new Date(), skipped: false, outlier: false };
    }
    if (result.prophet) {
      await this.#prophet.add(record.city, record.store, record.product, await encodeHorizons(
        { city: record.city, store: record.store, product: record.product, model: result.prophet.model, mase: result.prophet.metrics.mase, ...result.prophet.forecast, promoDays: record.planned },
        { version: this.#version, origin, level: this.#config.INTERVAL_LEVEL, roundingShare: this.#config.ROUNDING_SHARE },
      ));
    }
    const outlier = this.#tally.add(field, { model: result.model, metrics: result.metrics, demandClass: result.demandClass, prophetAlternative: !!result.prophet, skipped });
    return {
      demandClass: result.demandClass,
      scores: result.scores,
      runnerUp: result.scores.find((s) => s.model !== result.model)?.model ?? null,
      forecast: result.forecast,
      prophetForecast: result.prophet?.forecast ?? null,
      prophetModel: result.prophet?.model ?? null,
      settingsHash: this.#settings,
      fittedAt: skipped ? (this.#fittedAt.get(result) ?? null) : new Date(),
      skipped,
      outlier,
    };
  }

  async flush(): Promise<void> {
    await this.#prophet.flush();
  }

  accuracy(): RunAccuracy {
    return this.#tally.summary();
  }

  /** Fits and publishes the accurate variant when ACCURATE_VARIANT is on; a failure is logged, never thrown. */
  async accurate(deps: { sql: Sql; db: Database; log: Logger; dims: Dimensions; runId: number; origin: string; previous: string | null; signal?: AbortSignal }): Promise<AccurateSummary | null> {
    if (!this.#config.ACCURATE_VARIANT) return null;
    try {
      const summary = await publishAccurate(this.#config, {
        sql: deps.sql, redis: this.#redis, log: deps.log, dims: deps.dims, version: this.#version, origin: deps.origin,
        previous: deps.previous, unchanged: this.unchanged, holidays: this.#holidays, signal: deps.signal,
      });
      await deps.db.update(trainingRun)
        .set({ accuracy: raw`coalesce(${trainingRun.accuracy}, '{}'::jsonb) || ${JSON.stringify({ accurate: { ...summary.accuracy, models: summary.models, reused: summary.reused, ms: Math.round(summary.ms) } })}::jsonb` })
        .where(eq(trainingRun.id, deps.runId));
      deps.log.info({ runId: deps.runId, version: this.#version, series: summary.series, reused: summary.reused, ms: Math.round(summary.ms) }, "accurate variant published");
      return summary;
    } catch (error) {
      deps.log.error({ runId: deps.runId, version: this.#version, err: error }, "accurate variant failed; the fast forecasts stay live and the Worker serves them for mode=accurate");
      return null;
    }
  }

  /** The run's accuracy into its row, beside what finishRun wrote. */
  async record(db: Database, runId: number): Promise<void> {
    await db.update(trainingRun).set({ accuracy: raw`coalesce(${trainingRun.accuracy}, '{}'::jsonb) || ${JSON.stringify(this.accuracy())}::jsonb` }).where(eq(trainingRun.id, runId));
  }
}
