// The two JSON shapes of a series' forecast. Shape 2 (the default) carries
// integers in the series' step, the bounds as distances below and above the
// point, and nothing its URL and headers already say (city, store, product,
// version, h): a 30-day series is about 7.5 gzip bytes a day instead of 11.
// Shape 1 (FORECAST_SHAPE=v1, and every version published before shape 2)
// carries the values themselves with the series' identity. Both hold the same
// numbers exactly: shape 1's values are the multiples of `step` that shape 2
// counts (docs/formats.md#precision).
import { gunzipSync, gzipSync } from "node:zlib";
import { decodeStored } from "./codec.ts";
import type { Horizon } from "./keys.ts";
import { FINEST_STEP, stepDecimals, type SeriesPayload } from "./payload.ts";

export type ForecastShape = "v1" | "v2";
export const FORECAST_SHAPES: readonly ForecastShape[] = ["v1", "v2"];

/** Shape 2 of one series: what a single-series answer carries, and what the trainer stores. */
export interface StepPayload {
  /** Last observed day (YYYY-MM-DD); point[0] forecasts the day after it. Always the first key: readers tell the shapes apart by it. */
  origin: string;
  model: string;
  mase?: number | null;
  /** Nominal coverage of the interval, e.g. 0.8. */
  level: number;
  /** Every value is an integer number of steps: value = n × step. */
  step: number;
  /** point[d] × step is the day's forecast. */
  point: number[];
  /** lower = (point − below) × step. */
  below: number[];
  /** upper = (point + above) × step. */
  above: number[];
  promoDays?: number[];
}

/** What a series' URL and answer headers say, which shape 2 leaves out of its body. */
export interface SeriesIdentity {
  city: string;
  store: string;
  product: string;
  version: string;
  h: Horizon;
}

/** Shape 2 texts begin with their origin, shape 1 texts with their city (the trainer writes them in that order). */
const STEP_PREFIX = '{"origin":';

/** Which shape a stored payload's JSON text is, without parsing it. */
export function textShape(text: string | Uint8Array): ForecastShape {
  const head = typeof text === "string" ? text.slice(0, STEP_PREFIX.length) : new TextDecoder().decode(text.subarray(0, STEP_PREFIX.length));
  return head === STEP_PREFIX ? "v2" : "v1";
}

export function isStepPayload(payload: SeriesPayload | StepPayload): payload is StepPayload {
  return "below" in payload;
}

/** Shape 1 → shape 2, exactly: shape 1's values are multiples of its step (three decimals when it has none). */
export function toStepPayload(payload: SeriesPayload): StepPayload {
  const step = payload.step ?? FINEST_STEP;
  const steps = (v: number) => Math.round(v / step);
  const point = payload.point.map(steps);
  return {
    origin: payload.origin,
    model: payload.model,
    ...(payload.mase !== undefined ? { mase: payload.mase } : {}),
    level: payload.level,
    step,
    point,
    below: payload.lower.map((v, d) => point[d]! - steps(v)),
    above: payload.upper.map((v, d) => steps(v) - point[d]!),
    ...(payload.promoDays ? { promoDays: payload.promoDays } : {}),
  };
}

/** The values of a shape 2 payload, printed as shape 1 prints them (91.8, not 91.80000000000001). */
export function stepValues(payload: Pick<StepPayload, "step" | "point" | "below" | "above">): { point: number[]; lower: number[]; upper: number[] } {
  const decimals = stepDecimals(payload.step);
  const value = (n: number) => Number((n * payload.step).toFixed(decimals));
  return {
    point: payload.point.map(value),
    lower: payload.point.map((p, d) => value(p - payload.below[d]!)),
    upper: payload.point.map((p, d) => value(p + payload.above[d]!)),
  };
}

/** Shape 2 → shape 1, key for key as the trainer wrote shape 1, so the rollback serves what was served before. */
export function toValuePayload(payload: StepPayload, identity: SeriesIdentity): SeriesPayload {
  const { point, lower, upper } = stepValues(payload);
  return {
    city: identity.city,
    store: identity.store,
    product: identity.product,
    version: identity.version,
    origin: payload.origin,
    h: identity.h,
    model: payload.model,
    ...(payload.mase !== undefined ? { mase: payload.mase } : {}),
    level: payload.level,
    step: payload.step,
    point,
    lower,
    upper,
    ...(payload.promoDays ? { promoDays: payload.promoDays } : {}),
  };
}

/** A stored payload's JSON text in the shape asked for: the same text when it already is. */
export function shapedText(text: string, shape: ForecastShape, identity: SeriesIdentity): string {
  if (textShape(text) === shape) return text;
  const payload = JSON.parse(text) as SeriesPayload | StepPayload;
  if (shape === "v2") return JSON.stringify(isStepPayload(payload) ? payload : toStepPayload(payload));
  return JSON.stringify(isStepPayload(payload) ? toValuePayload(payload, identity) : payload);
}

/**
 * A stored payload's text as an entry of a grid in the shape asked for: shape
 * 2 entries name their series first (a grid's answer must say which is which),
 * shape 1 payloads carry their identity already. Same-shape entries are
 * spliced as text, without parsing.
 */
export function gridEntryText(text: string, shape: ForecastShape, identity: SeriesIdentity): string {
  const stored = textShape(text);
  if (stored === shape) {
    return shape === "v1" ? text : `{"city":${JSON.stringify(identity.city)},"store":${JSON.stringify(identity.store)},"product":${JSON.stringify(identity.product)},${text.slice(1)}`;
  }
  const payload = JSON.parse(text) as SeriesPayload | StepPayload;
  if (shape === "v1") return JSON.stringify(isStepPayload(payload) ? toValuePayload(payload, identity) : payload);
  const steps = isStepPayload(payload) ? payload : toStepPayload(payload);
  return JSON.stringify({ city: identity.city, store: identity.store, product: identity.product, ...steps });
}

/** A stored series' gzip bytes in the shape asked for: the stored bytes themselves when they already are (the pass-through). */
export function shapedSeries(stored: Uint8Array<ArrayBuffer>, shape: ForecastShape, identity: SeriesIdentity): Uint8Array<ArrayBuffer> {
  const text = gunzipSync(stored).toString("utf8");
  if (textShape(text) === shape) return stored;
  const gzip = gzipSync(shapedText(text, shape, identity), { level: 9 });
  return new Uint8Array(gzip.buffer, gzip.byteOffset, gzip.byteLength) as Uint8Array<ArrayBuffer>;
}

/** Where a shape's bodies live below the version: shape 1 keeps the cache paths it always had. */
export function shapePath(shape: ForecastShape, path: string): string {
  return shape === "v2" ? `s2/${path}` : path;
}

/** The ETag of a shape's body: shape 1 keeps the ETags it always had, so clients holding them still get 304s after a rollback. */
export function shapeEtag(shape: ForecastShape, etag: string): string {
  return shape === "v2" ? `${etag.slice(0, -1)}.s2"` : etag;
}

/** The identity of a `city/store/product` field (codes never hold a slash). */
export function fieldIdentity(field: string, version: string, h: Horizon): SeriesIdentity {
  const [city, store, product] = field.split("/") as [string, string, string];
  return { city, store, product, version, h };
}

/**
 * A stored forecast in shape 1, whichever shape it was stored in: for readers
 * that want the values (tests, benchmarks, tools). `identity` fills in what
 * shape 2 leaves out; without it those fields stay unset.
 */
export async function decodeStoredForecast(stored: string, identity?: SeriesIdentity): Promise<SeriesPayload> {
  const payload = await decodeStored<SeriesPayload | StepPayload>(stored);
  if (!isStepPayload(payload)) return payload;
  if (identity) return toValuePayload(payload, identity);
  const { below: _below, above: _above, ...rest } = payload;
  return { ...rest, ...stepValues(payload) } as SeriesPayload;
}
