// Bytes per series-day at 30 days for encodings the API does not use, on the
// payloads format-bytes.ts dumps (the demo grid's fitted forecasts), to weigh
// a format change before making it: brotli instead of gzip, coarser steps
// (ROUNDING_SHARE × k), and integers in steps with the bounds as distances
// from the point (the binary layout's idea, in JSON). Level 9 gzip and
// quality 11 brotli, as the trainer would publish them.
//   FORMAT_DUMP=/tmp/payloads.json npx tsx bench/edge/format-bytes.ts
//   npx tsx bench/edge/format-options.ts /tmp/payloads.json
import { readFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { SeriesPayload } from "../../edge/contract/payload.ts";

const H = 30;
const payloads = (JSON.parse(readFileSync(process.argv[2] ?? "/tmp/payloads.json", "utf8")) as Record<string, SeriesPayload[]>)[H]!;
const gzip = (text: string) => gzipSync(text, { level: 9 }).byteLength;
const brotli = (text: string) => brotliCompressSync(text, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: text.length } }).byteLength;

/** The largest 1, 2 or 5 × 10^k at most `limit`. */
function niceStep(limit: number): number {
  const power = 10 ** Math.floor(Math.log10(limit));
  return [5, 2, 1].map((m) => m * power).find((step) => step <= limit * (1 + 1e-9)) ?? power;
}

function coarser(p: SeriesPayload, k: number): SeriesPayload {
  if (k === 1 || !p.step) return p;
  const step = niceStep(p.step * k);
  const round = (values: number[]) => values.map((v) => Number((Math.round(v / step) * step).toFixed(6)));
  return { ...p, step, point: round(p.point), lower: round(p.lower), upper: round(p.upper) };
}

function asSteps(p: SeriesPayload): unknown {
  const step = p.step ?? 0.001;
  const q = (v: number) => Math.round(v / step);
  const point = p.point.map(q);
  return { ...p, point, below: p.lower.map((v, i) => point[i]! - q(v)), above: p.upper.map((v, i) => q(v) - point[i]!), lower: undefined, upper: undefined };
}

const perDay = (bytes: number, series: number) => (bytes / (series * H)).toFixed(2);
const one = (encode: (p: SeriesPayload) => unknown, compress: (t: string) => number) =>
  perDay(payloads.reduce((sum, p) => sum + compress(JSON.stringify(encode(p))), 0), payloads.length);
const grid = (encode: (p: SeriesPayload) => unknown, compress: (t: string) => number) =>
  perDay(compress(JSON.stringify({ version: payloads[0]!.version, origin: payloads[0]!.origin, h: H, level: payloads[0]!.level, series: payloads.map(encode), missing: [] })), payloads.length);

console.log(`\n### JSON encodings at h=${H}, ${payloads.length} fitted series: bytes per series-day\n`);
console.log("| encoding | one series, gzip | one series, brotli | grid, gzip | grid, brotli |");
console.log("| --- | ---: | ---: | ---: | ---: |");
const rows: [string, (p: SeriesPayload) => unknown][] = [
  ["as published (step ≤ 2% of the narrowest interval width)", (p) => p],
  ["step × 2.5 (ROUNDING_SHARE 2.5%)", (p) => coarser(p, 2.5)],
  ["step × 5 (ROUNDING_SHARE 5%)", (p) => coarser(p, 5)],
  ["integers in steps, bounds as distances", asSteps],
  ["identity only (no values)", (p) => ({ ...p, point: [], lower: [], upper: [] })],
];
for (const [name, encode] of rows) console.log(`| ${name} | ${one(encode, gzip)} | ${one(encode, brotli)} | ${grid(encode, gzip)} | ${grid(encode, brotli)} |`);
