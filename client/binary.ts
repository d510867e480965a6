// Decodes the binary forecast body (docs/formats.md) into typed arrays:
// layout 1 ("FCF1", float32, BINARY_FORMAT=f32) as Float32Array views of
// the body without copying; layout 2 ("FCF2", scaled int32, the default)
// into Float64Array, which holds step multiples exactly as the JSON prints them.
import type { Horizon } from "./types.ts";

export interface BinarySeries {
  city: string;
  store: string;
  product: string;
  model: string;
  /** Layout 2 only: every value is a multiple of it. */
  step?: number;
  promoDays?: number[];
  point: Float32Array | Float64Array;
  lower: Float32Array | Float64Array;
  upper: Float32Array | Float64Array;
}

export interface BinaryForecast {
  layout: 1 | 2;
  version: string;
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
  if (magic !== "FCF1" && magic !== "FCF2") throw new Error(`not a forecast binary body: magic ${JSON.stringify(magic)}`);
  const n = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, n))) as Omit<BinaryForecast, "layout" | "series"> & { series: HeaderSeries[] };
  const { h } = header;
  const start = 8 + n;
  if (buffer.byteLength < start + header.series.length * 3 * h * 4) throw new Error("the binary body is shorter than its header says");
  const series = header.series.map((entry, s): BinarySeries => {
    const at = (k: number) => start + (s * 3 + k) * h * 4;
    if (magic === "FCF1") {
      // Typed arrays read the host's byte order: little-endian on every current browser and Node.
      return { ...entry, point: new Float32Array(buffer, at(0), h), lower: new Float32Array(buffer, at(1), h), upper: new Float32Array(buffer, at(2), h) };
    }
    const step = entry.step!;
    const [p, below, above] = [0, 1, 2].map((k) => new Int32Array(buffer, at(k), h)) as [Int32Array, Int32Array, Int32Array];
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
  return { ...header, layout: magic === "FCF1" ? 1 : 2, series };
}
