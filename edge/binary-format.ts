// The compact binary representation of a forecast (one series or a grid): a
// small JSON header, then little-endian integer arrays, so a client reads the
// numbers straight into typed arrays without parsing text (docs/formats.md).
//
//   bytes 0-3   "FCF3" (ASCII magic, layout version 3)
//   bytes 4-7   uint32 LE: N, the byte length of the header that follows
//   next N      UTF-8 JSON: { origin, h, level, bytes, series: [{ model, step, promoDays? }] } for one series;
//               a grid adds version, each series' city, store and product, and missing
//               padded with spaces so the arrays start at a multiple of 4
//   then        for each series in header order, h integers of `bytes` bytes (2: int16, 4: int32) each:
//               P (point / step), B (below: (point − lower) / step), A (above: (upper − point) / step)
//
// Values are published as multiples of their series' step (precisionStep in
// contract/payload.ts), so the integers are exact, and storing the bounds as
// distances from the point keeps those integers small: nearly always within
// int16, which halves what gzip has to pack. A single series leaves out what
// its URL and headers say, as the JSON's shape 2 does. Layout 2 ("FCF2":
// int32, the identity in the header) goes with FORECAST_SHAPE=v1, layout 1
// ("FCF1": float32 point, lower, upper) with BINARY_FORMAT=f32.
import { gunzipSync, gzipSync } from "node:zlib";
import type { SeriesPayload } from "./contract/payload.ts";
import { isStepPayload, stepValues, toStepPayload, type ForecastShape, type StepPayload } from "./contract/shape.ts";
import { BadRequestError } from "./errors.ts";

export const BINARY_MEDIA_TYPE = "application/x-forecast-f32";
export const STEP_MAGIC = "FCF3";
export const BINARY_MAGIC = "FCF2";
export const FLOAT32_MAGIC = "FCF1";

export type ForecastFormat = "json" | "f32";
/** v3: scaled int16/int32, lean header (FCF3, the default); v2: scaled int32 (FCF2, FORECAST_SHAPE=v1); v1: float32 (FCF1, BINARY_FORMAT=f32). */
export type BinaryLayout = "v3" | "v2" | "v1";

export interface BinaryHeader {
  /** Absent from a single series in layout 3 (X-Forecast-Version says it). */
  version?: string;
  origin: string;
  h: number;
  level: number;
  /** Layout 3: bytes per integer, 2 (int16) or 4 (int32). */
  bytes?: 2 | 4;
  /** `step` (and `promoDays`, when the payload has planned promotion days) are in layouts 2 and 3; city, store and product are absent from a single series in layout 3. */
  series: { city?: string; store?: string; product?: string; model: string; step?: number; promoDays?: number[] }[];
  /** Absent from a single series in layout 3. */
  missing?: string[];
}

/** A grid entry in shape 2: the series' payload with its identity first. */
export type StepGridEntry = StepPayload & { city: string; store: string; product: string };

export interface GridDocument {
  version: string;
  origin: string;
  h: number;
  level: number;
  series: (SeriesPayload | StepGridEntry)[];
  missing: string[];
}

/** format= wins over Accept; JSON is the default. */
export function negotiateFormat(query: string | undefined, accept: string | null | undefined, binaryEnabled: boolean): ForecastFormat {
  if (query !== undefined && query !== "") {
    if (query === "json") return "json";
    if (query === "f32" || query === "binary") {
      if (!binaryEnabled) throw new BadRequestError("bad_format", "the binary format is turned off on this deployment (BINARY_FORMAT=off); use format=json");
      return "f32";
    }
    throw new BadRequestError("bad_format", `format must be json (default) or binary (also f32), got ${JSON.stringify(query.slice(0, 40))}`);
  }
  if (binaryEnabled && accept && accept.split(",").some((part) => part.trim().split(";")[0]!.trim().toLowerCase() === BINARY_MEDIA_TYPE)) return "f32";
  return "json";
}

/** Where a layout's bodies live below the JSON one's cache path, and the ETag suffix that tells them apart. */
export function binaryTag(layout: BinaryLayout): string {
  return layout === "v3" ? "bin3" : layout === "v2" ? "bin2" : "f32";
}

/** One series' integers in steps, whichever JSON shape it came in. */
interface Counted {
  identity: { city: string; store: string; product: string } | null;
  model: string;
  step: number;
  promoDays?: number[];
  arrays: [point: number[], below: number[], above: number[]];
}

function counted(entry: SeriesPayload | StepPayload | StepGridEntry): Counted {
  // Payloads published before the step was carried hold three decimals (toStepPayload counts thousandths).
  const steps = isStepPayload(entry) ? entry : toStepPayload(entry);
  const identity = "city" in entry ? { city: entry.city, store: entry.store, product: entry.product } : null;
  return { identity, model: entry.model, step: steps.step, promoDays: entry.promoDays, arrays: [steps.point, steps.below, steps.above] };
}

/** The binary layout that goes with a JSON shape: 3 with shape 2, 2 with shape 1; float32 (1) when BINARY_FORMAT=f32. */
export function binaryLayoutFor(shape: ForecastShape, configured: BinaryLayout): BinaryLayout {
  if (configured === "v1") return "v1";
  return shape === "v2" ? "v3" : "v2";
}

/** Encodes a single-series payload or a grid document (as the JSON routes return them, in either shape). */
export function encodeBinary(document: SeriesPayload | StepPayload | GridDocument, layout: BinaryLayout = "v3"): Uint8Array<ArrayBuffer> {
  const grid = "series" in document;
  const entries = (grid ? document.series : [document]).map(counted);
  const h = grid ? document.h : entries[0]!.arrays[0].length;
  const version = grid ? document.version : "version" in document ? document.version : undefined;
  const fits16 = entries.every((e) => e.arrays.every((values) => values.every((n) => n >= -32768 && n <= 32767)));
  const bytesPer = layout === "v3" && fits16 ? 2 : 4;
  const withIdentity = layout !== "v3" || grid;
  const header: BinaryHeader = {
    ...(withIdentity ? { version } : {}),
    origin: document.origin,
    h,
    level: document.level,
    ...(layout === "v3" ? { bytes: bytesPer as 2 | 4 } : {}),
    series: entries.map(({ identity, model, step, promoDays }) => ({
      ...(withIdentity ? identity : {}),
      model,
      ...(layout !== "v1" ? { step, ...(promoDays ? { promoDays } : {}) } : {}),
    })),
    ...(withIdentity ? { missing: grid ? document.missing : [] } : {}),
  };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.byteLength) / 4) * 4 - 8;
  if (padded !== json.byteLength) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(json);
    json = withSpaces;
  }
  const bytes = new Uint8Array(8 + padded + entries.length * 3 * h * bytesPer);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(layout === "v3" ? STEP_MAGIC : layout === "v2" ? BINARY_MAGIC : FLOAT32_MAGIC), 0);
  view.setUint32(4, padded, true);
  bytes.set(json, 8);
  let offset = 8 + padded;
  for (const { step, arrays: [point, below, above] } of entries) {
    if (layout === "v1") {
      const values = stepValues({ step, point, below, above });
      for (const series of [values.point, values.lower, values.upper]) {
        for (let i = 0; i < h; i++, offset += 4) view.setFloat32(offset, series[i] ?? Number.NaN, true);
      }
      continue;
    }
    for (const values of [point, below, above]) {
      for (let i = 0; i < h; i++, offset += bytesPer) {
        if (bytesPer === 2) view.setInt16(offset, values[i] ?? 0, true);
        else view.setInt32(offset, values[i] ?? 0, true);
      }
    }
  }
  return bytes;
}

/** The binary body of a gzip JSON body (a series payload or a grid document), gzipped. */
export function binaryGzip(jsonGzip: Uint8Array, layout: BinaryLayout = "v3", level = 6): Uint8Array<ArrayBuffer> {
  const document = JSON.parse(new TextDecoder().decode(gunzipSync(jsonGzip))) as SeriesPayload | StepPayload | GridDocument;
  const gzip = gzipSync(encodeBinary(document, layout), { level });
  return new Uint8Array(gzip.buffer, gzip.byteOffset, gzip.byteLength) as Uint8Array<ArrayBuffer>;
}

export interface DecodedSeries {
  point: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
}

/** The reference decoder of all three layouts (docs/formats.md shows the same steps for JS and Python). */
export function decodeBinary(bytes: Uint8Array): BinaryHeader & { arrays: DecodedSeries[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== STEP_MAGIC && magic !== BINARY_MAGIC && magic !== FLOAT32_MAGIC) throw new Error(`not a forecast binary body: magic ${JSON.stringify(magic)}`);
  const length = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as BinaryHeader;
  const h = header.h;
  const width = magic === STEP_MAGIC ? header.bytes! : 4;
  const at = (s: number, k: number, i: number) => 8 + length + ((s * 3 + k) * h + i) * width;
  const int = (offset: number) => (width === 2 ? view.getInt16(offset, true) : view.getInt32(offset, true));
  const arrays = header.series.map((series, s) => {
    const out: DecodedSeries = { point: new Float64Array(h), lower: new Float64Array(h), upper: new Float64Array(h) };
    for (let i = 0; i < h; i++) {
      if (magic === FLOAT32_MAGIC) {
        out.point[i] = view.getFloat32(at(s, 0, i), true);
        out.lower[i] = view.getFloat32(at(s, 1, i), true);
        out.upper[i] = view.getFloat32(at(s, 2, i), true);
        continue;
      }
      const p = int(at(s, 0, i));
      out.point[i] = scaled(p, series.step!);
      out.lower[i] = scaled(p - int(at(s, 1, i)), series.step!);
      out.upper[i] = scaled(p + int(at(s, 2, i)), series.step!);
    }
    return out;
  });
  return { ...header, arrays };
}

/** n × step, as the JSON prints it: dividing by an integral 1/step (0.2 → 5) avoids 91.80000000000001. */
function scaled(n: number, step: number): number {
  const inverse = Math.round(1 / step);
  return step < 1 && Math.abs(inverse * step - 1) < 1e-12 ? n / inverse : n * step;
}
