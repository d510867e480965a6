// Prophet (augurs' Rust port, with Stan compiled to WASM) for one daily series:
// weekly + yearly seasonality (additive or multiplicative), promotions as an
// additive regressor, holidays from the trainer's calendar, intervals at the
// requested level, demand clamped at zero.
import { readFile } from "node:fs/promises";
import initProphetWasm, {
  Prophet,
  type ProphetInitialParams,
  type ProphetOptimizeOptions,
  type ProphetOptions,
  type ProphetPredictions,
} from "@bsull/augurs/prophet";
import { optimizer as stan } from "@bsull/augurs-prophet-wasmstan";
import { SeriesError } from "./errors.ts";
import { fromSorted, sortColumns, toSorted } from "./prophet-columns.ts";
import { zeroForecast, type Forecast, type ModelSeries } from "./types.ts";

const DAY_SECONDS = 86_400;
const PROMO = "promo";
/**
 * Prophet's own "auto" rule, near enough: yearly seasonality only with two
 * years of days, because with less its 20 Fourier terms are confounded with
 * trend and extrapolate wildly. Counted in days held (Prophet counts the span,
 * one less) so that a two-year window, the trainer's default, fits it.
 */
export const YEARLY_MIN_DAYS = 730;

/** Yearly seasonality for a fit of `days` days, part of a series of `wholeDays`. */
export function yearlyFor(days: number, wholeDays = days): boolean {
  return wholeDays >= YEARLY_MIN_DAYS && days >= 365;
}

/** The fitted optimizer parameters in JSON form: the `warm` start of the next fit. */
export interface ProphetParams {
  k: number;
  m: number;
  sigmaObs: number;
  delta: number[];
  beta: number[];
}

/** A named event on whole days (YYYY-MM-DD, UTC), from the trainer's holiday calendar. */
export interface Holiday {
  name: string;
  days: string[];
}

export interface ProphetSettings {
  horizon: number;
  level: number;
  uncertaintySamples?: number;
  seed?: number;
  /** How weekly and yearly seasonality combine with trend; additive by default. */
  seasonalityMode?: "additive" | "multiplicative";
  holidays?: readonly Holiday[];
  /**
   * Days of the whole series when this fit is a backtest fold of it: the
   * fold then fits the seasonalities the final fit will (yearly from one full
   * year of its own), so the backtest scores the model that is published.
   */
  wholeDays?: number;
}

export interface ProphetFit {
  /** "zero" when the history has no demand at all: nothing to fit, the forecast is 0. */
  model: "prophet" | "zero";
  forecast: Forecast;
  params: ProphetParams | null;
  warmStarted: boolean;
  /** Time in the optimizer and in predicting, for the run log and benchmarks. */
  fitMs: number;
  predictMs: number;
}

let loading: Promise<void> | undefined;
let loaded = false;
let trapped = false;

/** Instantiates augurs' WASM in this thread; call (and await) once per thread before fitting. */
export function loadProphet(): Promise<void> {
  loading ??= (async () => {
    // augurs' default init fetch()es a file: URL, which Node's fetch refuses: pass the bytes.
    const wasm = await readFile(new URL("prophet_bg.wasm", import.meta.resolve("@bsull/augurs/prophet")));
    await initProphetWasm({ module_or_path: wasm });
    loaded = true;
  })();
  return loading;
}

/**
 * False once the Stan WASM has trapped in this thread. A trapped WebAssembly
 * instance may be left half-way through an allocation, so the thread should
 * be replaced rather than trusted with the next series.
 */
export function prophetUsable(): boolean {
  return !trapped;
}

/**
 * Fits `series` and forecasts `settings.horizon` days after its last day.
 * `warm` lists candidate start points (previous params), tried in order; ones
 * whose shape no longer matches the model are skipped. Throws SeriesError.
 */
export function fitProphet(series: ModelSeries, settings: ProphetSettings, warm: unknown[] = []): ProphetFit {
  if (!loaded) throw new Error("loadProphet() must be awaited in this thread before fitting");
  if (trapped) throw new SeriesError("fit_failed", "Prophet's WASM trapped earlier in this thread; fit in a fresh thread");
  const { horizon } = settings;
  // augurs scales y by its largest absolute value; an all-zero history divides by zero and traps inside Stan.
  if (series.units.every((u) => u === 0)) return { model: "zero", forecast: zeroForecast(horizon), params: null, warmStarted: false, fitMs: 0, predictMs: 0 };

  const first = Date.parse(`${series.start}T00:00:00Z`) / 1000;
  const n = series.units.length;
  const recorder = recordingOptimizer(warm);
  const prophet = new Prophet({
    optimizer: recorder.optimizer,
    weeklySeasonality: { type: "manual", enabled: true },
    yearlySeasonality: { type: "manual", enabled: yearlyFor(n, settings.wholeDays) },
    dailySeasonality: { type: "manual", enabled: false },
    // Always given: with intervalWidth unset, augurs 0.10 returns no intervals at all.
    intervalWidth: settings.level,
    uncertaintySamples: settings.uncertaintySamples ?? 1000,
    seasonalityMode: settings.seasonalityMode ?? "additive",
    holidays: holidayMap(settings.holidays ?? [], first, first + (n - 1) * DAY_SECONDS),
  });
  try {
    // Promotions are 0/1 flags: Prophet would not standardise them either.
    prophet.addRegressor(PROMO, { mode: "additive", standardize: "no" });
    const started = performance.now();
    prophet.fit(
      { ds: dayStamps(first, 0, n), y: series.units, x: new Map([[PROMO, series.promo]]) },
      settings.seed === undefined ? undefined : { seed: settings.seed },
    );
    const fitted = performance.now();
    const futurePromo = Array.from({ length: horizon }, (_, j) => series.futurePromo[j] ?? 0);
    const predictions = prophet.predict({ ds: dayStamps(first, n, horizon), x: new Map([[PROMO, futurePromo]]) });
    return {
      model: "prophet",
      forecast: demandForecast(predictions),
      params: recorder.params,
      warmStarted: recorder.warmStarted,
      fitMs: fitted - started,
      predictMs: performance.now() - fitted,
    };
  } catch (error) {
    if (error instanceof SeriesError) throw error;
    // augurs wraps the optimizer's error in a long string with stacks; Stan's own message is the useful part.
    const reason = recorder.error ?? error;
    throw new SeriesError("fit_failed", `Prophet could not fit: ${reason instanceof Error ? reason.message : String(reason)}`, { cause: error });
  } finally {
    prophet.free();
  }
}

/**
 * Wraps Stan's optimizer to keep the fitted parameters (augurs does not expose
 * them) and to start from earlier ones: on a long series that is several
 * times faster, and converges to the same optimum.
 */
function recordingOptimizer(warm: unknown[]) {
  const recorder = {
    params: null as ProphetParams | null,
    warmStarted: false,
    error: undefined as unknown,
    optimizer: {
      optimize(augursCold: ProphetInitialParams, augursData: string, opts: ProphetOptimizeOptions) {
        // Stan sees the columns in sorted order, and so do the recorded params that later fits start from.
        const order = sortColumns(augursData);
        const cold = { ...augursCold, beta: toSorted(augursCold.beta, order) };
        const attempts = [
          ...warm.flatMap((w) => {
            const init = warmInit(w, cold);
            return init ? [{ init, opts, warm: true }] : [];
          }),
          { init: cold, opts, warm: false },
          // Python's Prophet retries a failed L-BFGS run with Newton; so do we.
          { init: cold, opts: { ...opts, algorithm: "newton" as const }, warm: false },
        ];
        for (const attempt of attempts) {
          try {
            const output = stan.optimize(attempt.init, order.data, attempt.opts);
            const { k, m, sigmaObs, delta, beta } = output.params;
            recorder.params = { k, m, sigmaObs, delta: Array.from(delta), beta: Array.from(beta) };
            recorder.warmStarted = attempt.warm;
            recorder.error = undefined;
            return { ...output, params: { ...output.params, beta: fromSorted(beta, order) } };
          } catch (error) {
            recorder.error = error;
            if (error instanceof WebAssembly.RuntimeError) {
              trapped = true;
              throw error;
            }
          }
        }
        throw recorder.error;
      },
    } satisfies ProphetOptions["optimizer"],
  };
  return recorder;
}

/** Earlier params as an init, or null when they are malformed or sized for another model shape. */
function warmInit(warm: unknown, cold: ProphetInitialParams): ProphetInitialParams | null {
  if (warm === null || typeof warm !== "object") return null;
  const { k, m, sigmaObs, delta, beta } = warm as Partial<ProphetParams>;
  const finite = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
  if (!finite(k) || !finite(m) || !finite(sigmaObs) || sigmaObs <= 0) return null;
  // Lengths change when yearly seasonality switches on or a short series gets fewer changepoints.
  if (!Array.isArray(delta) || delta.length !== cold.delta.length || !delta.every(finite)) return null;
  if (!Array.isArray(beta) || beta.length !== cold.beta.length || !beta.every(finite)) return null;
  return { k, m, sigmaObs, delta: Float64Array.from(delta), beta: Float64Array.from(beta) };
}

function demandForecast(predictions: ProphetPredictions): Forecast {
  const { point, intervals } = predictions.yhat;
  if (!point.every(Number.isFinite)) throw new SeriesError("fit_failed", "Prophet produced a non-finite forecast");
  // Demand cannot be negative; a linear trend or a wide interval happily goes there.
  const clamp = (values: ArrayLike<number>) => Array.from(values, (v) => Math.max(0, v));
  return {
    point: clamp(point),
    lower: clamp(intervals?.lower ?? point),
    upper: clamp(intervals?.upper ?? point),
  };
}

/**
 * Holidays as augurs takes them: only those seen in the training days, since
 * one that never occurred there has nothing to estimate its effect from, but
 * with every occurrence, so the forecast days get theirs too.
 */
function holidayMap(holidays: readonly Holiday[], firstSeconds: number, lastSeconds: number): Map<string, { occurrences: { start: number; end: number }[] }> | undefined {
  const map = new Map<string, { occurrences: { start: number; end: number }[] }>();
  for (const { name, days } of holidays) {
    const starts = days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000).filter(Number.isFinite);
    if (!starts.some((s) => s >= firstSeconds && s <= lastSeconds)) continue;
    map.set(name, { occurrences: starts.map((start) => ({ start, end: start + DAY_SECONDS })) });
  }
  return map.size ? map : undefined;
}

function dayStamps(firstSeconds: number, offset: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => firstSeconds + (offset + i) * DAY_SECONDS);
}
