// The compact binary representation of a forecast (one series or a grid): a
// small JSON header, then little-endian int32 arrays, so a client reads the
// numbers straight into typed arrays without parsing text (docs/binary-format.md).
//
//   bytes 0-3   "FCF2" (ASCII magic, format version 2)
//   bytes 4-7   uint32 LE: N, the byte length of the header that follows
//   next N      UTF-8 JSON: { version, origin, h, level, series: [{ city, store, product, model, step, promoDays? }], missing }
//               padded with spaces so the arrays start at a multiple of 4
//   then        for each series in header order, h int32 LE each:
//               P (point / step), B (below: (point − lower) / step), A (above: (upper − point) / step)
//
// Values are published as multiples of their series' step (precisionStep in
// contract/payload.ts), so the integers are exact, and storing the bounds as
// distances from the point keeps those integers small: gzip then packs a grid
// into about a third of the bytes float32 took. Version 1 ("FCF1": float32
// point, lower, upper) stays available with BINARY_FORMAT=f32.
import { gunzipSync, gzipSync } from "node:zlib";
import { FINEST_STEP, type SeriesPayload } from "./contract/payload.ts";
import { BadRequestError } from "./errors.ts";

export const BINARY_MEDIA_TYPE = "application/x-forecast-f32";
export const BINARY_MAGIC = "FCF2";
export const FLOAT32_MAGIC = "FCF1";

export type ForecastFormat = "json" | "f32";
/** v2: scaled int32 (FCF2, the default); v1: float32 (FCF1, BINARY_FORMAT=f32). */
export type BinaryLayout = "v2" | "v1";

export interface BinaryHeader {
  version: string;
  origin: string;
  h: number;
  level: number;
  /** `step` (and `promoDays`, when the payload has planned promotion days) are in version 2 headers only. */
  series: { city: string; store: string; product: string; model: string; step?: number; promoDays?: number[] }[];
  missing: string[];
}

interface GridDocument {
  version: string;
  origin: string;
  h: number;
  level: number;
  series: SeriesPayload[];
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
  return layout === "v2" ? "bin2" : "f32";
}

/** Encodes a single-series payload or a grid document (as the JSON routes return them). */
export function encodeBinary(document: SeriesPayload | GridDocument, layout: BinaryLayout = "v2"): Uint8Array<ArrayBuffer> {
  const grid: GridDocument = "series" in document
    ? document
    : { version: document.version, origin: document.origin, h: document.h, level: document.level, series: [document], missing: [] };
  const v2 = layout === "v2";
  // Payloads published before the step was carried hold three decimals.
  const steps = grid.series.map((s) => s.step ?? FINEST_STEP);
  const header: BinaryHeader = {
    version: grid.version,
    origin: grid.origin,
    h: grid.h,
    level: grid.level,
    series: grid.series.map(({ city, store, product, model, promoDays }, i) => (v2
      ? { city, store, product, model, step: steps[i], ...(promoDays ? { promoDays } : {}) }
      : { city, store, product, model })),
    missing: grid.missing,
  };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.byteLength) / 4) * 4 - 8;
  if (padded !== json.byteLength) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(json);
    json = withSpaces;
  }
  const h = grid.h;
  const bytes = new Uint8Array(8 + padded + grid.series.length * 3 * h * 4);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(v2 ? BINARY_MAGIC : FLOAT32_MAGIC), 0);
  view.setUint32(4, padded, true);
  bytes.set(json, 8);
  let offset = 8 + padded;
  grid.series.forEach((series, s) => {
    if (!v2) {
      for (const values of [series.point, series.lower, series.upper]) {
        for (let i = 0; i < h; i++, offset += 4) view.setFloat32(offset, values[i] ?? Number.NaN, true);
      }
      return;
    }
    const step = steps[s]!;
    const point = Array.from({ length: h }, (_, i) => Math.round((series.point[i] ?? 0) / step));
    const below = point.map((p, i) => p - Math.round((series.lower[i] ?? 0) / step));
    const above = point.map((p, i) => Math.round((series.upper[i] ?? 0) / step) - p);
    for (const values of [point, below, above]) {
      for (let i = 0; i < h; i++, offset += 4) view.setInt32(offset, values[i]!, true);
    }
  });
  return bytes;
}

/** The binary body of a gzip JSON body (a series payload or a grid document), gzipped. */
export function binaryGzip(jsonGzip: Uint8Array, layout: BinaryLayout = "v2", level = 6): Uint8Array<ArrayBuffer> {
  const document = JSON.parse(new TextDecoder().decode(gunzipSync(jsonGzip))) as SeriesPayload | GridDocument;
  const gzip = gzipSync(encodeBinary(document, layout), { level });
  return new Uint8Array(gzip.buffer, gzip.byteOffset, gzip.byteLength) as Uint8Array<ArrayBuffer>;
}

export interface DecodedSeries {
  point: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
}

/** The reference decoder of both versions (docs/binary-format.md shows the same steps for JS and Python). */
export function decodeBinary(bytes: Uint8Array): BinaryHeader & { arrays: DecodedSeries[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== BINARY_MAGIC && magic !== FLOAT32_MAGIC) throw new Error(`not a forecast binary body: magic ${JSON.stringify(magic)}`);
  const length = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as BinaryHeader;
  const h = header.h;
  const at = (s: number, k: number, i: number) => 8 + length + ((s * 3 + k) * h + i) * 4;
  const arrays = header.series.map((series, s) => {
    const out: DecodedSeries = { point: new Float64Array(h), lower: new Float64Array(h), upper: new Float64Array(h) };
    for (let i = 0; i < h; i++) {
      if (magic === FLOAT32_MAGIC) {
        out.point[i] = view.getFloat32(at(s, 0, i), true);
        out.lower[i] = view.getFloat32(at(s, 1, i), true);
        out.upper[i] = view.getFloat32(at(s, 2, i), true);
        continue;
      }
      const p = view.getInt32(at(s, 0, i), true);
      out.point[i] = scaled(p, series.step!);
      out.lower[i] = scaled(p - view.getInt32(at(s, 1, i), true), series.step!);
      out.upper[i] = scaled(p + view.getInt32(at(s, 2, i), true), series.step!);
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
