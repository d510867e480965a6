// Bytes per series-day on the wire, gzipped, for the JSON and the f32
// representations, on forecasts the trainer's models fit to the seeded demo
// data (not the smooth synthetic payloads of bench/edge/run.ts): one series
// and a grid of all of them, per horizon. About 20 s (Prophet fits).
//   npx tsx bench/edge/format-bytes.ts        (FORMAT_SERIES=25)
import { gzipSync } from "node:zlib";
import { encodeBinary } from "../../edge/binary-format.ts";
import { decodeStored } from "../../edge/contract/codec.ts";
import { HORIZONS } from "../../edge/contract/keys.ts";
import type { SeriesPayload } from "../../edge/contract/payload.ts";
import { gridBody } from "../../edge/grid-body.ts";
import { fitSeries } from "../../trainer/select/fit-series.ts";
import { loadProphet } from "../../trainer/models/prophet.ts";
import { encodeHorizons } from "../../trainer/publish/payloads.ts";
import { generateSales } from "../../trainer/seed/generate.ts";

const wanted = Number(process.env.FORMAT_SERIES ?? 25);
const end = "2026-10-31";

await loadProphet();
const bySeries = new Map<string, { city: string; store: string; product: string; start: string; units: number[]; promo: number[] }>();
for (const row of generateSales({ cities: 5, stores: 5, products: 5, days: 730, end, seed: 7 })) {
  const id = `${row.store}/${row.product}`;
  let series = bySeries.get(id);
  if (!series) {
    if (bySeries.size >= wanted) break;
    bySeries.set(id, (series = { city: "", store: row.store, product: row.product, start: row.day, units: [], promo: [] }));
  }
  series.units.push(row.units);
  series.promo.push(row.promo ? 1 : 0);
}

const stored: Record<number, string[]> = { 7: [], 30: [], 60: [] };
for (const [id, s] of bySeries) {
  const result = fitSeries({ id, start: s.start, units: s.units, promo: s.promo }, { horizon: 60, level: 0.8, holdoutDays: 30, folds: 1 });
  if (!result.ok) continue;
  const encoded = await encodeHorizons({ city: "c1", store: s.store, product: s.product, model: result.model, ...result.forecast }, { version: "20261101T000000Z-byte", origin: end, level: 0.8 });
  for (const h of HORIZONS) stored[h]!.push(encoded[h]);
}

console.log(`\n### Bytes per series-day, gzipped, ${stored[30]!.length} series fitted to the seeded demo data\n`);
console.log("| horizon | one series, JSON | one series, f32 | grid, JSON | grid, f32 |");
console.log("| ---: | ---: | ---: | ---: | ---: |");
for (const h of HORIZONS) {
  const values = stored[h]!;
  const payloads = await Promise.all(values.map((v) => decodeStored<SeriesPayload>(v)));
  const single = (bytes: (p: SeriesPayload, i: number) => number) => payloads.reduce((sum, p, i) => sum + bytes(p, i), 0) / payloads.length / h;
  const jsonOne = single((_, i) => Buffer.from(values[i]!, "base64").length);
  const f32One = single((p) => gzipSync(encodeBinary(p)).length);
  const fields = payloads.map((p) => `${p.city}/${p.store}/${p.product}`);
  const gridJson = gridBody({ version: "20261101T000000Z-byte", origin: end, h, level: 0.8 }, fields, values);
  const gridDoc = JSON.parse(new TextDecoder().decode(await import("node:zlib").then((z) => z.gunzipSync(gridJson))));
  const gridF32 = gzipSync(encodeBinary(gridDoc));
  const perDay = (bytes: number) => (bytes / (payloads.length * h)).toFixed(1);
  console.log(`| ${h} | ${jsonOne.toFixed(1)} | ${f32One.toFixed(1)} | ${perDay(gridJson.length)} | ${perDay(gridF32.length)} |`);
}
