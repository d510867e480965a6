import { FitPool } from "./trainer/fit/pool.ts";
const make = (k: number, n = 730) => {
  const units = Array.from({ length: n }, (_, i) => Math.max(0, Math.round(20 + k + i * 0.02 + [0,0,0,0,0,8,10][(i + 4) % 7] + 3 * Math.sin(i * 1.7 + k))));
  return { id: `s${k}`, start: "2023-01-01", units, promo: units.map((_, i) => (i % 30 < 3 ? 1 : 0)) };
};
const t0 = performance.now();
const pool = new FitPool({ threads: 2, fit: { horizon: 60, level: 0.8, holdoutDays: 30 }, log: (l, s) => console.log("LOG", s, l) });
const inputs = [make(1), make(2), { id: "bad", start: "2023-01-01", units: [1, NaN], promo: [0, 0] }, make(3), make(4), make(5), make(6)];
const out = await pool.fitAll(inputs, (r) => { console.log(r.id, r.ok, r.ok ? r.fitMs.toFixed(0) : r.error, (performance.now() - t0).toFixed(0)); });
console.log(out, (performance.now() - t0).toFixed(0));
// no close: process should still exit
