import { SeriesError } from "./errors.ts";
import { MIN_SERIES_DAYS, type ModelSeries, type SeriesInput } from "./types.ts";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks one series as it arrives from Postgres and packs it into fresh
 * Float64Arrays (always copies, so the pool may transfer them without
 * detaching anything the caller still holds). Throws SeriesError:
 * `bad_input` for data no model should see, `too_short` for under two weeks.
 */
export function validateSeries(input: SeriesInput | ModelSeries, horizon: number): ModelSeries {
  if (input === null || typeof input !== "object") throw new SeriesError("bad_input", "series must be an object");
  const { id, start, units, promo, futurePromo, warm, context, refit } = input;
  if (typeof id !== "string" || id === "") throw new SeriesError("bad_input", "series id must be a non-empty string");
  if (typeof start !== "string" || !DATE.test(start) || !isCalendarDate(start)) {
    throw new SeriesError("bad_input", `start must be a calendar date YYYY-MM-DD (got ${JSON.stringify(start)})`);
  }
  const unitValues = numbers("units", units);
  const promoValues = numbers("promo", promo);
  if (promoValues.length !== unitValues.length) {
    throw new SeriesError("bad_input", `promo has ${promoValues.length} days but units has ${unitValues.length}; they must be the same length`);
  }
  const badUnit = unitValues.findIndex((u) => !Number.isFinite(u) || u < 0);
  if (badUnit >= 0) throw new SeriesError("bad_input", `units[${badUnit}] is ${unitValues[badUnit]}; demand must be a finite number >= 0`);
  checkFlags("promo", promoValues);
  if (unitValues.length < MIN_SERIES_DAYS) {
    throw new SeriesError("too_short", `series has ${unitValues.length} days; at least ${MIN_SERIES_DAYS} are needed to fit weekly seasonality`);
  }

  // Planned promotions beyond the horizon are irrelevant; days not planned have none.
  const planned = new Float64Array(horizon);
  if (futurePromo !== undefined) {
    const given = numbers("futurePromo", futurePromo);
    checkFlags("futurePromo", given);
    planned.set(given.subarray(0, horizon));
  }
  return { id, start, units: unitValues, promo: promoValues, futurePromo: planned, warm, context, ...(refit ? { refit } : {}) };
}

function numbers(name: string, values: unknown): Float64Array<ArrayBuffer> {
  if (!Array.isArray(values) && !(values instanceof Float64Array)) {
    throw new SeriesError("bad_input", `${name} must be an array of numbers`);
  }
  // Strict on type: a null day (a gap in the view) or a numeric string must not pass as 0.
  const packed = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    if (typeof value !== "number") throw new SeriesError("bad_input", `${name}[${i}] is ${JSON.stringify(value) ?? typeof value}, not a number`);
    packed[i] = value;
  }
  return packed;
}

/** Rejects 2023-02-30 and 2023-13-01, which Date would quietly roll over or refuse. */
function isCalendarDate(day: string): boolean {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === day;
}

function checkFlags(name: string, values: Float64Array<ArrayBuffer>): void {
  const bad = values.findIndex((v) => v !== 0 && v !== 1);
  if (bad >= 0) throw new SeriesError("bad_input", `${name}[${bad}] is ${values[bad]}; promotion flags must be 0 or 1`);
}
