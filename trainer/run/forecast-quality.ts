// What the model selection adds to a cycle, per series: the plan (skip,
// refit the last winner, or select), the input it is fitted from, the
// Prophet rollback staged beside the selection, the run's accuracy, and the
// columns recorded with the result. The cycle only wires these in.
import type { Redis } from "@upstash/redis";
import { seriesField } from "../../edge/contract/keys.ts";
import type { RunAccuracy } from "../../edge/contract/payload.ts";
import type { TrainerConfig } from "../config.ts";
import type { Database, Sql } from "../db/connect.ts";
import type { FitOptions, FitOutcome, FitResult, SeriesInput } from "../models/types.ts";
import { NO_METRICS } from "../select/fit-series.ts";
import { AccuracyTally, recordAccuracy } from "./accuracy.ts";
import type { SeriesRecord } from "./fetch.ts";
import { planFit } from "./fit-plan.ts";
import { fitOptionsFor, historyDaysFor, lastDays, settingsHash } from "./fit-settings.ts";
import { loadHolidays } from "./holidays.ts";
import { ProphetRollback } from "./prophet-rollback.ts";
import { plannedInput } from "../plan/planned-days.ts";

/** Columns of series_result this side fills. */
export interface QualityColumns {
  demandClass: string | null;
  scores: FitOutcome["scores"] | null;
  runnerUp: string | null;
  forecast: FitOutcome["forecast"] | null;
  prophetForecast: (FitOutcome["forecast"] & { planned: number[] }) | null;
  prophetModel: string | null;
  settingsHash: string;
  fittedAt: Date | null;
  skipped: boolean;
  outlier: boolean;
}

export class ForecastQuality {
  readonly fit: FitOptions;
  readonly #config: TrainerConfig;
  readonly #historyDays: number;
  readonly #settings: string;
  readonly #rollback: ProphetRollback;
  readonly #tally: AccuracyTally;
  readonly #reused = new WeakMap<FitOutcome, Date | null>();

  private constructor(config: TrainerConfig, fit: FitOptions, rollback: ProphetRollback) {
    this.#config = config;
    this.fit = fit;
    this.#historyDays = historyDaysFor(config);
    this.#settings = settingsHash(fit, this.#historyDays, config.POOLED_MODEL);
    this.#rollback = rollback;
    this.#tally = new AccuracyTally(config.OUTLIER_MASE);
  }

  static async start(config: TrainerConfig, deps: { sql: Sql; redis: Redis; version: string }): Promise<ForecastQuality> {
    const fit = fitOptionsFor(config, await loadHolidays(deps.sql, config.HOLIDAY_CALENDAR));
    const rollback = new ProphetRollback(deps.redis, { prefix: config.KEY_PREFIX, version: deps.version, chunkSize: config.PUBLISH_CHUNK, level: config.INTERVAL_LEVEL, roundingShare: config.ROUNDING_SHARE, shape: config.FORECAST_SHAPE });
    return new ForecastQuality(config, fit, rollback);
  }

  /** Milliseconds spent writing the Prophet rollback hashes. */
  get busyMs(): number {
    return this.#rollback.busyMs;
  }

  /**
   * The last run's result standing in for a fit when the plan is to skip;
   * otherwise the input to fit: the series' last FIT_HISTORY_DAYS, warm-started
   * from the last run's params, marked for a refit of the last winner between
   * two full selections.
   */
  prepare(id: string, record: SeriesRecord, origin: string): { reused: FitOutcome } | { input: SeriesInput } {
    const config = this.#config;
    const plan = planFit(record, {
      settings: this.#settings, maxAgeHours: config.MODEL_MAX_AGE_HOURS, reselectDays: config.RESELECT_DAYS, spread: config.RESELECT_SPREAD, origin,
      horizon: this.fit.horizon, rollbackDays: this.fit.rollbackDays ?? 0,
    });
    if (plan.kind === "skip") return { reused: this.#reuse(id, plan.previous) };
    const series = lastDays({ id, start: record.start, units: record.units, promo: record.promo, ...plannedInput(record, this.fit.horizon) }, this.#historyDays);
    const previous = record.previous?.params;
    if (plan.kind === "refit") {
      // The refit reads the last selection's bands from the params, warm start or not.
      const params = config.WARM_START ? previous : { $selection: (previous as Record<string, unknown> | null)?.$selection };
      return { input: { ...series, warm: params, refit: plan.plan } };
    }
    return { input: config.WARM_START && previous ? { ...series, warm: previous } : series };
  }

  #reuse(id: string, previous: NonNullable<SeriesRecord["previous"]>): FitOutcome {
    const outcome: FitOutcome = {
      id,
      ok: true,
      model: previous.model,
      demandClass: previous.demandClass ?? "smooth",
      selection: "refit",
      forecast: previous.forecast!,
      params: previous.params,
      metrics: { ...NO_METRICS, ...previous.metrics },
      scores: Array.isArray(previous.scores) ? previous.scores : [],
      ...(previous.prophetForecast ? { prophet: { model: previous.prophetModel ?? "prophet", forecast: previous.prophetForecast, metrics: { ...NO_METRICS } } } : {}),
      fitMs: 0,
    };
    this.#reused.set(outcome, previous.fittedAt);
    return outcome;
  }

  /**
   * After the series' forecast is staged: stage Prophet's forecast beside it
   * when the selection is another model, tally its accuracy, and return the
   * columns to record.
   */
  async add(record: SeriesRecord, result: FitResult, origin: string): Promise<QualityColumns> {
    const field = seriesField(record.city, record.store, record.product);
    if (!result.ok) {
      this.#tally.add(field, { model: "seasonal_naive", metrics: {}, demandClass: null, prophetAlternative: false, skipped: false, refitted: false });
      return { demandClass: null, scores: null, runnerUp: null, forecast: null, prophetForecast: null, prophetModel: null, settingsHash: this.#settings, fittedAt: new Date(), skipped: false, outlier: false };
    }
    const skipped = this.#reused.has(result);
    if (result.prophet) await this.#rollback.add(record, result.prophet, origin);
    const outlier = this.#tally.add(field, {
      model: result.model, metrics: result.metrics, demandClass: result.demandClass, prophetAlternative: !!result.prophet, skipped, refitted: !skipped && result.selection === "refit",
    });
    return {
      demandClass: result.demandClass,
      scores: result.scores,
      runnerUp: result.scores.find((s) => s.model !== result.model)?.model ?? null,
      forecast: result.forecast,
      // With the days it planned for, so a later refit knows whether shifting it still matches the plan.
      prophetForecast: result.prophet ? { ...result.prophet.forecast, planned: record.planned } : null,
      prophetModel: result.prophet?.model ?? null,
      settingsHash: this.#settings,
      fittedAt: skipped ? (this.#reused.get(result) ?? null) : new Date(),
      skipped,
      outlier,
    };
  }

  flush(): Promise<void> {
    return this.#rollback.flush();
  }

  accuracy(): RunAccuracy {
    return this.#tally.summary();
  }

  /** The run's accuracy into its row, beside what finishRun wrote. */
  record(db: Database, runId: number): Promise<void> {
    return recordAccuracy(db, runId, this.accuracy());
  }
}
