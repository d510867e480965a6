// The order Stan sees Prophet's feature columns in: the same whatever order
// augurs built them in, and the same from one day's window to the next.
import { describe, expect, it } from "vitest";
import { fromSorted, sortColumns, toSorted } from "../../../trainer/models/prophet-columns.ts";

/** Weekly and yearly Fourier pairs, a holiday and a promotion flag, for days first..first+days-1. */
function columns(first: number, days: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, period, order] of [["weekly", 7, 3], ["yearly", 365.25, 2]] as const) {
    for (let k = 1; k <= order; k++) {
      out[`${name}_sin${k}`] = Array.from({ length: days }, (_, i) => Math.sin((2 * Math.PI * k * (first + i)) / period));
      out[`${name}_cos${k}`] = Array.from({ length: days }, (_, i) => Math.cos((2 * Math.PI * k * (first + i)) / period));
    }
  }
  out.holiday = Array.from({ length: days }, (_, i) => ((first + i) % 30 === 9 ? 1 : 0));
  out.promo = Array.from({ length: days }, (_, i) => ((first + i) % 11 < 2 ? 1 : 0));
  return out;
}

/** Stan data with the columns in the order `names` gives, as augurs would hand it. */
function stanData(cols: Record<string, number[]>, names: string[]): string {
  const T = cols[names[0]].length;
  return JSON.stringify({
    T, K: names.length, y: new Array(T).fill(0.5),
    X: Array.from({ length: T }, (_, t) => names.map((n) => cols[n][t])),
    s_a: names.map(() => 1), s_m: names.map(() => 0), sigmas: names.map(() => 10),
  });
}

/** The column names in the order Stan sees them. */
function sortedNames(cols: Record<string, number[]>, names: string[]): string[] {
  return sortColumns(stanData(cols, names)).canonical.map((j) => names[j]);
}

describe("sortColumns", () => {
  const blocks = {
    weekly: ["weekly_sin1", "weekly_cos1", "weekly_sin2", "weekly_cos2", "weekly_sin3", "weekly_cos3"],
    yearly: ["yearly_sin1", "yearly_cos1", "yearly_sin2", "yearly_cos2"],
  };

  it("gives one order whichever order augurs put its seasonalities, holidays and regressors in", () => {
    const cols = columns(0, 120);
    const one = sortedNames(cols, [...blocks.weekly, ...blocks.yearly, "holiday", "promo"]);
    const other = sortedNames(cols, ["promo", ...blocks.yearly, "holiday", ...blocks.weekly]);
    expect(other).toEqual(one);
    // A seasonality's sine and cosine of one frequency stay side by side.
    expect(one.indexOf("weekly_cos2") - one.indexOf("weekly_sin2")).toBe(1);
  });

  it("keeps the order when the window moves on a day, so yesterday's params start today's fit in place", () => {
    const names = [...blocks.yearly, ...blocks.weekly, "promo", "holiday"];
    expect(sortedNames(columns(1, 120), names)).toEqual(sortedNames(columns(0, 120), names));
  });

  it("puts the optimizer's betas back in augurs' order", () => {
    const names = ["promo", ...blocks.weekly, "holiday", ...blocks.yearly];
    const order = sortColumns(stanData(columns(0, 60), names));
    const beta = Float64Array.from(names, (_, j) => j + 0.5);
    expect(order.canonical).not.toEqual(names.map((_, j) => j));
    expect(Array.from(toSorted(beta, order))).toEqual(order.canonical.map((j) => j + 0.5));
    expect(Array.from(fromSorted(toSorted(beta, order), order))).toEqual(Array.from(beta));
  });
});
