// The compact binary representation of a forecast (one series or a grid):
// a small JSON header, then little-endian float32 arrays, so a client reads
// the numbers straight into typed arrays without parsing text.
//
//   bytes 0-3   "FCF1" (ASCII magic, format version 1)
//   bytes 4-7   uint32 LE: N, the byte length of the header that follows
//   next N      UTF-8 JSON: { version, origin, h, level, series: [{ city, store, product, model }], missing }
//               padded with spaces so the arrays start at a multiple of 4
//   then        for each series in header order: point[h], lower[h], upper[h] as float32 LE
import type { SeriesPayload } from "./contract/payload.ts";
import { BadRequestError } from "./errors.ts";

export const BINARY_MEDIA_TYPE = "application/x-forecast-f32";
export const BINARY_MAGIC = "FCF1";

export type ForecastFormat = "json" | "f32";

export interface BinaryHeader {
  version: string;
  origin: string;
  h: number;
  level: number;
  series: { city: string; store: string; product: string; model: string }[];
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
    throw new BadRequestError("bad_format", `format must be json (default) or f32, got ${JSON.stringify(query.slice(0, 40))}`);
  }
  if (binaryEnabled && accept && accept.split(",").some((part) => part.trim().split(";")[0]!.trim().toLowerCase() === BINARY_MEDIA_TYPE)) return "f32";
  return "json";
}

/** Encodes a single-series payload or a grid document (as the JSON routes return them). */
export function encodeBinary(document: SeriesPayload | GridDocument): Uint8Array<ArrayBuffer> {
  const grid: GridDocument = "series" in document
    ? document
    : { version: document.version, origin: document.origin, h: document.h, level: document.level, series: [document], missing: [] };
  const header: BinaryHeader = {
    version: grid.version,
    origin: grid.origin,
    h: grid.h,
    level: grid.level,
    series: grid.series.map(({ city, store, product, model }) => ({ city, store, product, model })),
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
  bytes.set(new TextEncoder().encode(BINARY_MAGIC), 0);
  view.setUint32(4, padded, true);
  bytes.set(json, 8);
  let offset = 8 + padded;
  for (const series of grid.series) {
    for (const values of [series.point, series.lower, series.upper]) {
      for (let i = 0; i < h; i++, offset += 4) view.setFloat32(offset, values[i] ?? Number.NaN, true);
    }
  }
  return bytes;
}

/** The reference decoder (README shows the same steps for other languages). */
export function decodeBinary(bytes: Uint8Array): BinaryHeader & { arrays: { point: Float32Array; lower: Float32Array; upper: Float32Array }[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== BINARY_MAGIC) throw new Error(`not a forecast f32 body: magic ${JSON.stringify(magic)}`);
  const length = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as BinaryHeader;
  const start = 8 + length;
  const floats = (i: number) => {
    const out = new Float32Array(header.h);
    for (let j = 0; j < header.h; j++) out[j] = view.getFloat32(start + (i * header.h + j) * 4, true);
    return out;
  };
  const arrays = header.series.map((_, s) => ({ point: floats(s * 3), lower: floats(s * 3 + 1), upper: floats(s * 3 + 2) }));
  return { ...header, arrays };
}
