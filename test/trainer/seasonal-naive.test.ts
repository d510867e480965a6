import { describe, expect, it } from "vitest";
import { seasonalNaive } from "../../trainer/models/seasonal-naive.ts";

describe("seasonal naive fallback", () => {
  it("repeats the last week and widens its interval week by week", () => {
    // Two weeks: the second is the first plus 1 each day, so every residual is 1.
    const units = [1, 2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6, 7, 8];
    const f = seasonalNaive(units, 15, 0.8);
    expect(f.point).toEqual([2, 3, 4, 5, 6, 7, 8, 2, 3, 4, 5, 6, 7, 8, 2]);
    expect(f.upper.slice(0, 7)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(f.upper[7]).toBeCloseTo(2 + Math.SQRT2, 12);
    expect(f.upper[14]).toBeCloseTo(2 + Math.sqrt(3), 12);
    // A biased history still gives an interval that holds the point.
    expect(f.lower.slice(0, 7)).toEqual(f.point.slice(0, 7));
  });

  it("never forecasts below zero and handles an empty series", () => {
    const f = seasonalNaive([0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 7, 0.8);
    expect(Math.min(...f.lower)).toBeGreaterThanOrEqual(0);
    expect(seasonalNaive([], 3, 0.8)).toEqual({ point: [0, 0, 0], lower: [0, 0, 0], upper: [0, 0, 0] });
  });
});
