// Conformal intervals on simulated series: over many series the 80% band
// covers about 80% of the next days, on the first day and on the sixtieth.
import { describe, expect, it } from "vitest";
import type { FitOutcome } from "../../../trainer/models/types.ts";
import { poisson, seededRandom } from "../../../trainer/seed/random.ts";
import { CANDIDATES } from "../../../trainer/select/candidates.ts";
import { fitSeries } from "../../../trainer/select/fit-series.ts";
import { calibrateBands, withBands } from "../../../trainer/select/intervals.ts";

const SERIES = 400;
const DAYS = 365;
const HORIZON = 60;
// The cheap families: their point forecasts miss the weekly shape, which the calibration must absorb.
const cheap = CANDIDATES.filter((c) => c.cost === "cheap");

describe("conformal intervals", () => {
  it("cover simulated demand at their nominal 80% on day 1 and day 60", () => {
    const random = seededRandom(7);
    const inside = { first: 0, last: 0 };
    for (let s = 0; s < SERIES; s++) {
      const level = 5 + 40 * random();
      const weekly = Array.from({ length: 7 }, () => 0.7 + 0.6 * random());
      const units = Array.from({ length: DAYS + HORIZON }, (_, t) => poisson(random, level * weekly[t % 7]));
      const result = fitSeries({ id: `s${s}`, start: "2024-01-01", units: units.slice(0, DAYS), promo: new Array(DAYS).fill(0) },
        { horizon: HORIZON, level: 0.8, holdoutDays: HORIZON, folds: 3 }, cheap) as FitOutcome;
      const future = units.slice(DAYS);
      const { lower, upper } = result.forecast;
      if (future[0] >= lower[0] && future[0] <= upper[0]) inside.first++;
      if (future[HORIZON - 1] >= lower[HORIZON - 1] && future[HORIZON - 1] <= upper[HORIZON - 1]) inside.last++;
    }
    // Binomial sampling error at 400 series is 2 points: 3.5 either side.
    for (const share of [inside.first / SERIES, inside.last / SERIES]) {
      expect(share).toBeGreaterThan(0.8 - 0.07);
      expect(share).toBeLessThan(0.8 + 0.07);
    }
  });

  it("widen with the horizon where the fold errors do", () => {
    // A random walk: errors grow with the distance from the origin.
    const random = seededRandom(3);
    const units: number[] = [];
    let level = 50;
    for (let t = 0; t < 365; t++) units.push(Math.max(0, (level += 3 * (random() - 0.5) * 2)));
    const folds = [125, 185, 245, 305].map((trainDays) => {
      const point = new Array(60).fill(units[trainDays - 1]);
      return { trainDays, testDays: 60, params: null, metrics: {} as never, forecast: { point, lower: point, upper: point } };
    });
    const bands = calibrateBands(units, folds, 0.8)!;
    expect(bands.ends).toEqual([7, 14, 28, 60]);
    const widths = bands.upper.map((u, i) => u - bands.lower[i]);
    expect(widths[3]).toBeGreaterThan(widths[0] * 1.5);
    const band = withBands(new Array(60).fill(50), bands);
    expect(band.upper[59] - band.lower[59]).toBeGreaterThan(band.upper[0] - band.lower[0]);
    expect(band.lower.every((l) => l >= 0)).toBe(true);
  });
});
