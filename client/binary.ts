// Decodes the binary forecast body (docs/formats.md) into typed arrays:
// layout 1 ("FCF1", float32, BINARY_FORMAT=f32) as Float32Array views of
// the body without copying; layouts 3 ("FCF3", scaled int16 or int32, the
// default) and 2 ("FCF2", scaled int32, FORECAST_SHAPE=v1) into Float64Array,
// which holds step multiples exactly as the JSON prints them. A single series
// in layout 3 leaves out its identity and version: the client fills them in.
import type { Horizon } from "./types.ts";

export interface BinarySeries {
  /** Absent from a single series in layout 3 unless the client filled them in. */
  city?: string;
  store?: string;
  product?: string;
  model: string;
  /** Layout 2 only: every value is a multiple of it. */
  step?: number;
  promoDays?: number[];
  point: Float32Array | Float64Array;
  lower: Float32Array | Float64Array;
  upper: Float32Array | Float64Array;
}

export interface BinaryForecast {
  layout: 1 | 2 | 3;
  /** Absent from a single series in layout 3 (X-Forecast-Version says it) unless the client filled it in. */
  version?: string;
  origin: string;
  h: Horizon;
  level: number;
  series: BinarySeries[];
  missing: string[];
}

type HeaderSeries = Omit<BinarySeries, "point" | "lower" | "upper">;

/** n × step as the JSON prints it: dividing by an integral 1/step (0.2 → 5) avoids 91.80000000000001. */
function scale(n: number, step: number): number {
  const inverse = Math.round(1 / step);
  return step < 1 && Math.abs(inverse * step - 1) < 1e-12 ? n / inverse : n * step;
}

export function decodeForecastBinary(buffer: ArrayBuffer): BinaryForecast {
  const magic = new TextDecoder().decode(new Uint8Array(buffer, 0, Math.min(4, buffer.byteLength)));
  if (magic !== "FCF1" && magic !== "FCF2" && magic !== "FCF3") throw new Error(`not a forecast binary body: magic ${JSON.stringify(magic)}`);
  const n = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, n))) as Omit<BinaryForecast, "layout" | "series" | "missing"> & { series: HeaderSeries[]; missing?: string[]; bytes?: 2 | 4 };
  const { h } = header;
  const width = magic === "FCF3" ? header.bytes ?? 4 : 4;
  const start = 8 + n;
  if (buffer.byteLength < start + header.series.length * 3 * h * width) throw new Error("the binary body is shorter than its header says");
  const { bytes: _width, ...fields } = header;
  const series = header.series.map((entry, s): BinarySeries => {
    const at = (k: number) => start + (s * 3 + k) * h * width;
    if (magic === "FCF1") {
      // Typed arrays read the host's byte order: little-endian on every current browser and Node.
      return { ...entry, point: new Float32Array(buffer, at(0), h), lower: new Float32Array(buffer, at(1), h), upper: new Float32Array(buffer, at(2), h) };
    }
    const step = entry.step!;
    const ints = (k: number) => (width === 2 ? new Int16Array(buffer, at(k), h) : new Int32Array(buffer, at(k), h));
    const [p, below, above] = [ints(0), ints(1), ints(2)];
    const point = new Float64Array(h);
    const lower = new Float64Array(h);
    const upper = new Float64Array(h);
    for (let d = 0; d < h; d++) {
      point[d] = scale(p[d]!, step);
      lower[d] = scale(p[d]! - below[d]!, step);
      upper[d] = scale(p[d]! + above[d]!, step);
    }
    return { ...entry, point, lower, upper };
  });
  return { ...fields, missing: header.missing ?? [], layout: magic === "FCF1" ? 1 : magic === "FCF2" ? 2 : 3, series };
}
