// Turns one fitted series into its stored payloads, one per horizon, each
// compressed here once so the Worker can pass the bytes through unchanged;
// and its recent actuals, published beside the forecasts for the explorer.
import { HORIZONS, type Horizon } from "../../edge/contract/keys.ts";
import { encodeStored } from "../../edge/contract/codec.ts";
import { addDays } from "../days.ts";
import { toStepPayload, type ForecastShape } from "../../edge/contract/shape.ts";
import {
  DEFAULT_ROUNDING_SHARE, precisionStep, roundToStep, roundUnits, type BacktestAccuracy, type SeriesHistory, type SeriesPayload,
} from "../../edge/contract/payload.ts";

export interface SeriesForecast {
  city: string;
  store: string;
  product: string;
  model: string;
  /** Backtest MASE of `model`, carried in the payload when given. */
  mase?: number | null;
  point: number[];
  lower: number[];
  upper: number[];
  /** Planned promotion days as offsets into `point`; each horizon carries those inside it. */
  promoDays?: readonly number[];
}

export interface PayloadContext {
  version: string;
  origin: string;
  level: number;
  /** Share of a day's interval width rounding may move a value by (ROUNDING_SHARE); 0: three decimals. */
  roundingShare?: number;
  /** The JSON shape stored (FORECAST_SHAPE): v2, integers in steps without the identity the URL names (the default); v1, the values with it. */
  shape?: ForecastShape;
}

export async function encodeHorizons(forecast: SeriesForecast, context: PayloadContext): Promise<Record<Horizon, string>> {
  const longest = Math.max(...HORIZONS);
  if (forecast.point.length < longest) {
    throw new RangeError(`forecast for ${forecast.city}/${forecast.store}/${forecast.product} has ${forecast.point.length} days, need ${longest}`);
  }
  // One step for every horizon, from the longest: the shorter horizons stay
  // prefixes of it, and its narrowest interval bounds theirs.
  const step = precisionStep(forecast.lower.slice(0, longest), forecast.upper.slice(0, longest), context.roundingShare ?? DEFAULT_ROUNDING_SHARE);
  const entries = await Promise.all(HORIZONS.map(async (h) => {
    const payload: SeriesPayload = {
      city: forecast.city,
      store: forecast.store,
      product: forecast.product,
      version: context.version,
      origin: context.origin,
      h,
      model: forecast.model,
      ...(forecast.mase !== undefined ? { mase: forecast.mase === null ? null : Math.round(forecast.mase * 1000) / 1000 } : {}),
      level: context.level,
      step,
      point: roundToStep(forecast.point.slice(0, h), step),
      lower: roundToStep(forecast.lower.slice(0, h), step),
      upper: roundToStep(forecast.upper.slice(0, h), step),
      ...promoDaysWithin(forecast.promoDays, h),
    };
    return [h, await encodeStored(context.shape === "v1" ? payload : toStepPayload(payload))] as const;
  }));
  return Object.fromEntries(entries) as Record<Horizon, string>;
}

/** Offsets, not flags: a few small numbers for a series with a plan, nothing at all for one without. */
function promoDaysWithin(days: readonly number[] | undefined, h: number): { promoDays?: number[] } {
  const within = days?.filter((d) => d < h) ?? [];
  return within.length ? { promoDays: within } : {};
}

export interface HistoryInput {
  city: string;
  store: string;
  product: string;
  model: string;
  /** Day of units[0], YYYY-MM-DD; units run daily without gaps up to the origin. */
  start: string;
  units: number[];
  backtest: BacktestAccuracy | null;
}

/** The last `days` actuals of one series with its backtest accuracy, compressed once. */
export async function encodeHistory(input: HistoryInput, context: { version: string; days: number }): Promise<string> {
  const skipped = Math.max(0, input.units.length - context.days);
  const start = addDays(input.start, skipped);
  const history: SeriesHistory = {
    city: input.city,
    store: input.store,
    product: input.product,
    version: context.version,
    start,
    units: roundUnits(input.units.slice(skipped)),
    model: input.model,
    backtest: input.backtest,
  };
  return encodeStored(history);
}
