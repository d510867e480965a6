// The accurate variant of a version: once the fast forecasts are live, every
// series is fitted again on the whole fetched history with more backtest
// folds, more interval draws and, where its backtest wins, the mean of the
// best two candidates. Published into the version's accurate hashes, then
// marked ready; until then the Worker serves fast and says so. A failure
// here leaves the fast version as it is.
import type { Redis } from "@upstash/redis";
import { decodeStored, encodeStored } from "../../edge/contract/codec.ts";
import { HORIZONS, keys, seriesField } from "../../edge/contract/keys.ts";
import type { RunAccuracy, SeriesPayload } from "../../edge/contract/payload.ts";
import type { TrainerConfig } from "../config.ts";
import type { Sql } from "../db/connect.ts";
import { FitPool } from "../fit/pool.ts";
import type { Logger } from "../log.ts";
import type { Holiday } from "../models/prophet.ts";
import { seasonalNaive } from "../models/seasonal-naive.ts";
import type { FitResult, SeriesInput } from "../models/types.ts";
import { encodeHorizons } from "../publish/payloads.ts";
import { VariantWriter } from "../publish/variant-writer.ts";
import { AccuracyTally } from "./accuracy.ts";
import { fetchSeries, type Dimensions, type SeriesRecord } from "./fetch.ts";
import { fitOptionsFor, historyDaysFor, settingsHash } from "./fit-settings.ts";
import { attachProfiles, loadProfiles } from "./profiles.ts";
import { plannedInput } from "../plan/planned-days.ts";

export interface AccurateRun {
  sql: Sql;
  redis: Redis;
  log: Logger;
  dims: Dimensions;
  version: string;
  origin: string;
  /** The version this one replaced: unchanged series copy their accurate forecast from it. */
  previous: string | null;
  /** Series fields whose fast fit was skipped because nothing changed. */
  unchanged: ReadonlySet<string>;
  holidays: Holiday[];
  signal?: AbortSignal;
}

export interface AccurateSummary {
  series: number;
  reused: number;
  failed: number;
  models: Record<string, number>;
  accuracy: RunAccuracy;
  ms: number;
}

export async function publishAccurate(config: TrainerConfig, run: AccurateRun): Promise<AccurateSummary> {
  const started = performance.now();
  const k = keys(config.KEY_PREFIX);
  const writer = new VariantWriter(run.redis, { key: (h) => k.accurateHorizon(run.version, h), chunkSize: config.PUBLISH_CHUNK });
  const fit = fitOptionsFor(config, run.holidays, "accurate");
  const tally = new AccuracyTally(config.OUTLIER_MASE);
  const models: Record<string, number> = {};
  const inFlight = new Map<string, SeriesRecord>();
  // The previous version's accurate forecasts stand only if they were made with these settings.
  const settings = settingsHash(fit, historyDaysFor(config, "accurate"), config.POOLED_MODEL);
  const previousMarker = run.previous ? await run.redis.get<string>(k.accurateReady(run.previous)) : null;
  const previousReady = previousMarker !== null && readySettings(previousMarker) === settings;
  let reused = 0;
  let failed = 0;

  // An unchanged series' accurate forecast is the last version's, restamped with this version.
  const reuse = async (record: SeriesRecord): Promise<boolean> => {
    const field = seriesField(record.city, record.store, record.product);
    if (!previousReady || !run.previous || !run.unchanged.has(field)) return false;
    const stored = await Promise.all(HORIZONS.map((h) => run.redis.hget<string>(k.accurateHorizon(run.previous!, h), field)));
    if (stored.some((s) => typeof s !== "string")) return false;
    const encoded = await Promise.all(stored.map(async (s) => {
      const payload = await decodeStored<SeriesPayload>(s!);
      return encodeStored({ ...payload, version: run.version });
    }));
    await writer.add(record.city, record.store, record.product, Object.fromEntries(HORIZONS.map((h, i) => [h, encoded[i]])) as never);
    const payload = await decodeStored<SeriesPayload>(stored[0]!);
    models[payload.model] = (models[payload.model] ?? 0) + 1;
    tally.add(field, { model: payload.model, metrics: { mase: payload.mase ?? null }, demandClass: null, prophetAlternative: false, skipped: true });
    reused++;
    return true;
  };

  async function* inputs(): AsyncGenerator<SeriesInput> {
    for await (const record of fetchSeries(run.sql, run.dims, { previous: config.WARM_START, plannedHorizon: config.PROMO_PLAN ? fit.horizon : undefined })) {
      run.signal?.throwIfAborted();
      if (await reuse(record)) continue;
      const id = `${record.storeId}:${record.productId}`;
      inFlight.set(id, record);
      yield { id, start: record.start, units: record.units, promo: record.promo, ...plannedInput(record, fit.horizon), warm: record.previous?.params };
    }
  }

  const onResult = async (result: FitResult) => {
    const record = inFlight.get(result.id)!;
    inFlight.delete(result.id);
    const field = seriesField(record.city, record.store, record.product);
    if (!result.ok) {
      failed++;
      run.log.warn({ series: field, code: result.error.code, error: result.error.message }, "accurate fit failed; publishing seasonal naive");
    }
    const model = result.ok ? result.model : "seasonal_naive";
    const forecast = result.ok ? result.forecast : seasonalNaive(record.units, fit.horizon, config.INTERVAL_LEVEL);
    const mase = result.ok ? result.metrics.mase : null;
    models[model] = (models[model] ?? 0) + 1;
    tally.add(field, { model, metrics: result.ok ? result.metrics : {}, demandClass: result.ok ? result.demandClass : null, prophetAlternative: false, skipped: false });
    await writer.add(record.city, record.store, record.product,
      await encodeHorizons({ city: record.city, store: record.store, product: record.product, model, mase, ...forecast, promoDays: record.planned },
        { version: run.version, origin: run.origin, level: config.INTERVAL_LEVEL, roundingShare: config.ROUNDING_SHARE }));
  };

  const pool = new FitPool({ threads: config.FIT_THREADS, fit });
  try {
    // The same candidates as the fast variant, the pooled one included when it is on.
    const profiles = config.POOLED_MODEL ? await loadProfiles(run.sql) : null;
    await pool.fitAll(attachProfiles(inputs(), profiles, (id) => inFlight.get(id)), onResult);
  } finally {
    await pool.close();
  }
  await writer.flush();
  const series = writer.written;
  await run.redis.set(k.accurateReady(run.version), JSON.stringify({ series, finishedAt: new Date().toISOString(), settings }));
  // Replaced while this ran (another trainer committed): its other keys already expire; these must too.
  if ((await run.redis.get<string>(k.live)) !== run.version) {
    const pipeline = run.redis.pipeline();
    for (const h of HORIZONS) pipeline.expire(k.accurateHorizon(run.version, h), config.RETENTION_DAYS * 86_400);
    pipeline.expire(k.accurateReady(run.version), config.RETENTION_DAYS * 86_400);
    await pipeline.exec();
  }
  return { series, reused, failed, models, accuracy: tally.summary(), ms: performance.now() - started };
}

function readySettings(marker: string): string | null {
  try {
    const parsed = JSON.parse(marker) as { settings?: unknown };
    return typeof parsed.settings === "string" ? parsed.settings : null;
  } catch {
    return null;
  }
}
