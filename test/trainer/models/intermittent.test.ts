import { describe, expect, it } from "vitest";
import { croston, crostonRate, flatForecast, sbaRate, tsb, tsbRate } from "../../../trainer/models/intermittent.ts";
import { classify } from "../../../trainer/select/classify.ts";

// Demand on days 2, 4 and 8 (sizes 3, 5, 2; intervals 3, 2, 4), worked by hand with α = β = 0.5.
const units = [0, 0, 3, 0, 5, 0, 0, 0, 2];

describe("Croston and SBA", () => {
  it("smooth sizes and intervals on demand days only, from their first values", () => {
    // size 3 → 3 + .5(5−3) = 4 → 4 + .5(2−4) = 3; interval 3 → 3 + .5(2−3) = 2.5 → 2.5 + .5(4−2.5) = 3.25
    const params = croston(units, 0.5)!;
    expect(params).toEqual({ alpha: 0.5, size: 3, interval: 3.25 });
    expect(crostonRate(params)).toBeCloseTo(3 / 3.25, 12);
    // SBA: (1 − α/2) = 0.75 of Croston's rate.
    expect(sbaRate(params)).toBeCloseTo(0.75 * (3 / 3.25), 12);
  });

  it("a single demand is the whole estimate; no demand gives no model", () => {
    expect(croston([0, 4, 0, 0], 0.1)).toEqual({ alpha: 0.1, size: 4, interval: 2 });
    expect(croston([0, 0, 0], 0.1)).toBeNull();
  });
});

describe("TSB", () => {
  it("updates the demand probability every day and the size on demand days", () => {
    // p: 1/3 → 1/6 → 7/12 → 7/24 → 7/48 → 7/96 → 103/192; size 3 → 4 → 3
    const params = tsb(units, 0.5, 0.5)!;
    expect(params.size).toBe(3);
    expect(params.probability).toBeCloseTo(103 / 192, 12);
    expect(tsbRate(params)).toBeCloseTo(309 / 192, 12);
  });

  it("decays towards zero when sales stop, where Croston keeps its rate", () => {
    const stopped = [...units, ...new Array(60).fill(0)];
    expect(tsbRate(tsb(stopped, 0.5, 0.5)!)).toBeLessThan(1e-10);
    expect(crostonRate(croston(stopped, 0.5)!)).toBeCloseTo(3 / 3.25, 12);
  });
});

describe("flatForecast", () => {
  it("repeats the rate with an interval from recent days' quantiles", () => {
    const f = flatForecast([0, 0, 0, 0, 10], 2, 3, 0.8);
    expect(f.point).toEqual([2, 2, 2]);
    expect(f.lower).toEqual([0, 0, 0]);
    // 90th percentile of 0,0,0,0,10 by linear interpolation: position 3.6 → 6.
    expect(f.upper[0]).toBeCloseTo(6, 12);
  });
});

describe("classify", () => {
  it("uses the share of zero days (as ADI) and the CV² of the non-zero days", () => {
    // ADI 9/3 = 3; sizes 3, 5, 2: mean 10/3, sample variance 7/3, CV² 0.21.
    const c = classify(units);
    expect(c.demandClass).toBe("intermittent");
    expect(c.zeroShare).toBeCloseTo(2 / 3, 12);
    expect(c.adi).toBe(3);
    expect(c.cv2).toBeCloseTo(0.21, 12);
  });

  it.each([
    [[5, 6, 5, 4, 6, 5], "smooth"],
    [[1, 20, 2, 30, 1, 40], "erratic"],
    [[0, 1, 0, 40, 0, 2], "lumpy"],
    [[0, 0, 0], "none"],
  ])("%j is %s", (values, expected) => {
    expect(classify(values).demandClass).toBe(expected);
  });

  it("takes other cut-offs", () => {
    expect(classify(units, { adi: 4, cv2: 0.1 }).demandClass).toBe("erratic");
  });
});
