// How fast one Prophet fit is, cold and warm, and how many series a FitPool
// fits per second.
//
//   tsx bench/fit-speed.ts [--threads 2] [--series 125] [--days 730]
//
// 1. The 2,905-day Peyton Manning series (Prophet's own example, looked for
//    in $PROPHET_EXAMPLES or /work/shared/data/prophet-examples), in this
//    thread: cold fit, predict 60 days with 80% intervals, and warm fits from
//    the params of earlier fits of the same series.
// 2. Generated series through a FitPool, as the trainer runs them
//    (30-day backtest fit + full refit + predict per series).
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FitPool } from "../trainer/fit/pool.ts";
import { fitProphet, loadProphet, type ProphetFit } from "../trainer/models/prophet.ts";
import { validateSeries } from "../trainer/models/series.ts";
import type { ModelSeries } from "../trainer/models/types.ts";
import { synthetic } from "../test/trainer/models/synthetic.ts";

const { values: args } = parseArgs({
  options: {
    threads: { type: "string", default: String(os.availableParallelism()) },
    series: { type: "string", default: "125" },
    days: { type: "string", default: "730" },
  },
});
const HORIZON = 60;
const settings = { horizon: HORIZON, level: 0.8 };
const ms = (value: number) => `${value.toFixed(0)} ms`;

await loadProphet();
const examples = process.env.PROPHET_EXAMPLES ?? "/work/shared/data/prophet-examples";
const csv = join(examples, "example_wp_log_peyton_manning.csv");
if (existsSync(csv)) {
  const rows = readFileSync(csv, "utf8").trim().split("\n").slice(1).map((line) => line.replaceAll('"', "").split(","));
  const units = rows.map(([, y]) => Number(y));
  const peyton = validateSeries({ id: "peyton", start: rows[0][0], units, promo: units.map(() => 0) }, HORIZON);
  const head = (days: number): ModelSeries => ({ ...peyton, units: peyton.units.subarray(0, days), promo: peyton.promo.subarray(0, days) });
  const show = (label: string, fit: ProphetFit) =>
    console.log(`${label.padEnd(44)} fit ${ms(fit.fitMs).padStart(7)}  predict ${ms(fit.predictMs).padStart(6)}${fit.warmStarted ? "  (warm)" : ""}`);

  console.log(`Peyton Manning, ${units.length} days (dates are not contiguous, which does not matter for timing):`);
  show("first fit in this thread (WASM tier-up)", fitProphet(peyton, settings));
  const cold = fitProphet(peyton, settings);
  show("cold", cold);
  const n = units.length;
  show("warm from the same series' params", fitProphet(peyton, settings, [cold.params]));
  show("warm from a fit one day shorter (daily run)", fitProphet(peyton, settings, [fitProphet(head(n - 1), settings).params]));
  show("warm from a fit 30 days shorter (backtest)", fitProphet(peyton, settings, [fitProphet(head(n - 30), settings).params]));
} else {
  console.log(`Peyton Manning series not found at ${csv}: set PROPHET_EXAMPLES to the folder holding example_wp_log_peyton_manning.csv (from facebook/prophet's examples/). Skipping the single-series timings.`);
}

const threads = Number(args.threads);
const count = Number(args.series);
const days = Number(args.days);
const inputs = Array.from({ length: count }, (_, i) => synthetic({ id: `bench-${i}`, days, seed: i + 1, level: 20 + (i % 40) }).series);
const started = performance.now();
const pool = new FitPool({ threads, fit: { horizon: HORIZON, level: 0.8, holdoutDays: 30 } });
let firstAt = 0;
let fitMs = 0;
const counts = await pool.fitAll(inputs, (result) => {
  firstAt ||= performance.now();
  fitMs += result.fitMs;
});
const finished = performance.now();
await pool.close();
const seconds = (finished - started) / 1000;
console.log(`\nFitPool, ${threads} threads, ${count} series × ${days} days (30-day backtest + refit + ${HORIZON}-day forecast each):`);
console.log(`  ${counts.fitted} fitted, ${counts.failed} failed in ${seconds.toFixed(2)} s = ${(count / seconds).toFixed(1)} series/s`);
console.log(`  first result after ${ms(firstAt - started)} (threads start and load WASM); mean ${ms(fitMs / count)} of fitting per series`);
console.log(`  after start-up: ${((count - 1) / ((finished - firstAt) / 1000)).toFixed(1)} series/s`);
