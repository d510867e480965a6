import { describe, expect, it } from "vitest";
import { coverage, mase, seasonalNaiveScale, smape, wape } from "../../../trainer/models/metrics.ts";

// Worked by hand:
//   actual   2  0  4  1
//   forecast 1  0  5  3      |F−A| = 1 0 1 2, Σ = 4, Σ|A| = 7
const actual = [2, 0, 4, 1];
const forecast = [1, 0, 5, 3];

describe("metrics", () => {
  it("scales MASE by the in-sample seasonal-naive-7 MAE", () => {
    // Lag-7 differences of the training part: |4−3|, |1−1|, |3−2| → MAE 2/3.
    const train = [3, 1, 2, 5, 0, 4, 6, 4, 1, 3];
    expect(seasonalNaiveScale(train)).toBeCloseTo(2 / 3, 12);
    // Forecast MAE 4/4 = 1, over 2/3.
    expect(mase(actual, forecast, seasonalNaiveScale(train))).toBeCloseTo(1.5, 12);
  });

  it("has no MASE when the seasonal-naive scale is 0 or undefined", () => {
    expect(seasonalNaiveScale([1, 2, 3, 4, 5, 6, 7, 1, 2, 3])).toBeNull();
    expect(seasonalNaiveScale([1, 2, 3, 4, 5, 6, 7])).toBeNull();
    expect(mase(actual, forecast, null)).toBeNull();
  });

  it("computes sMAPE as Kaggle does, with 0/0 counted as exact", () => {
    // 2·1/3 + 0 (0/0) + 2·1/9 + 2·2/4 = 17/9, mean 17/36, in percent.
    expect(smape(actual, forecast)).toBeCloseTo((100 * 17) / 36, 10);
    expect(smape([0, 0], [0, 0])).toBe(0);
    expect(smape([0], [3])).toBe(200);
    expect(smape([], [])).toBeNull();
  });

  it("computes WAPE, undefined without demand", () => {
    expect(wape(actual, forecast)).toBeCloseTo(4 / 7, 12);
    expect(wape([0, 0], [1, 2])).toBeNull();
  });

  it("counts interval coverage with the bounds included", () => {
    // 2 ∈ [1,3] yes; 0 ∈ [0,0] yes; 4 ∈ [4.5,6] no; 1 ∈ [2,4] no.
    expect(coverage(actual, [1, 0, 4.5, 2], [3, 0, 6, 4])).toBe(0.5);
    expect(coverage([], [], [])).toBeNull();
  });
});
