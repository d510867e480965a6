// The pooled model on its own: level and trend from the series, shape from
// the profile, intervals from its rolling-origin residuals, and clear errors
// when the profile is missing or malformed.
import { describe, expect, it } from "vitest";
import { SeriesError } from "../../trainer/models/errors.ts";
import { fitPooled, profileOf, seasonalShape, type SeasonalProfile } from "../../trainer/models/pooled.ts";
import { poisson, seededRandom } from "../../trainer/seed/random.ts";

const WEEK = [0.7, 0.8, 0.9, 1, 1.1, 1.5, 1.0];
const MONTHS = Array.from({ length: 12 }, (_, m) => 1 + 0.3 * Math.sin((2 * Math.PI * m) / 12));
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
const PROFILE: SeasonalProfile = {
  dayOfWeek: WEEK.map((w) => w / mean(WEEK)),
  monthOfYear: MONTHS.map((m) => m / mean(MONTHS)),
  annualGrowth: 1.1,
};
const START = "2022-01-03"; // a Monday

/** Poisson counts around level × (1 + growth)^years × shape. */
function draw(options: { days: number; horizon: number; level: number; growth: number; seed: number }) {
  const random = seededRandom(options.seed);
  const shape = seasonalShape(PROFILE, START, options.days + options.horizon);
  const expected = Array.from(shape, (s, t) => options.level * Math.pow(1 + options.growth, t / 365) * s);
  const units = expected.map((m) => poisson(random, m));
  return { units: Float64Array.from(units.slice(0, options.days)), future: units.slice(options.days), expected: expected.slice(options.days) };
}

describe("fitPooled", () => {
  it("forecasts level × the profile's shape, continuing the trend", () => {
    const { units, expected } = draw({ days: 540, horizon: 60, level: 40, growth: 0.1, seed: 3 });
    const { forecast, params } = fitPooled({ start: START, units, context: { profile: PROFILE } }, { horizon: 60, level: 0.8 });
    expect(forecast.point).toHaveLength(60);
    forecast.point.forEach((p, h) => expect(Math.abs(p / expected[h] - 1)).toBeLessThan(0.06));
    expect(params.growth).toBeGreaterThan(1.03);
    expect(params.growth).toBeLessThan(1.17);
    expect(params.calibration).toBe("backtest");
  });

  it("gives intervals near their nominal coverage on days it has not seen", () => {
    let inside = 0;
    let total = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const { units, future } = draw({ days: 400, horizon: 30, level: 15, growth: 0, seed });
      const { forecast } = fitPooled({ start: START, units, context: { profile: { ...PROFILE, annualGrowth: 1 } } }, { horizon: 30, level: 0.8 });
      future.forEach((y, h) => {
        total++;
        if (y >= forecast.lower[h] && y <= forecast.upper[h]) inside++;
        expect(forecast.lower[h]).toBeGreaterThanOrEqual(0);
        expect(forecast.lower[h]).toBeLessThanOrEqual(forecast.point[h]);
        expect(forecast.upper[h]).toBeGreaterThanOrEqual(forecast.point[h]);
      });
    }
    expect(inside / total).toBeGreaterThan(0.72);
    expect(inside / total).toBeLessThan(0.9);
  });

  it("learns the series' promotion lift and applies it to planned promotion days", () => {
    const random = seededRandom(12);
    const days = 400;
    const shape = seasonalShape(PROFILE, START, days + 28);
    const promo = Array.from({ length: days + 28 }, (_, t) => (t % 10 === 3 ? 1 : 0));
    const units = Float64Array.from(shape.subarray(0, days), (s, t) => poisson(random, 30 * s * (promo[t] ? 1.6 : 1)));
    const series = {
      start: START, units, context: { profile: { ...PROFILE, annualGrowth: 1 } },
      promo: Float64Array.from(promo.slice(0, days)), futurePromo: Float64Array.from(promo.slice(days)),
    };
    const { forecast, params } = fitPooled(series, { horizon: 28, level: 0.8 });
    expect(params.promotionLift).toBeGreaterThan(1.45);
    expect(params.promotionLift).toBeLessThan(1.7);
    forecast.point.forEach((p, h) => {
      const expected = 30 * shape[days + h] * (promo[days + h] ? 1.6 : 1);
      expect(Math.abs(p / expected - 1), `day ${h}`).toBeLessThan(0.08);
    });
    // Without the flags the same series has no lift to learn.
    expect(fitPooled({ ...series, promo: undefined, futurePromo: undefined }, { horizon: 28, level: 0.8 }).params.promotionLift).toBe(1);
  });

  it("defers to the pooled growth when the series is too short for a trend of its own", () => {
    const { units } = draw({ days: 60, horizon: 0, level: 20, growth: 0, seed: 9 });
    const { params } = fitPooled({ start: START, units, context: { profile: PROFILE } }, { horizon: 10, level: 0.8 });
    expect(params.trendWeight).toBe(0);
    expect(params.growth).toBeCloseTo(PROFILE.annualGrowth, 12);
  });

  it("calibrates in-sample when no fold fits in the series", () => {
    const { units } = draw({ days: 30, horizon: 0, level: 20, growth: 0, seed: 4 });
    const { params, forecast } = fitPooled({ start: START, units, context: { profile: PROFILE } }, { horizon: 7, level: 0.8 });
    expect(params.calibration).toBe("in_sample");
    expect(forecast.upper[0]).toBeGreaterThan(forecast.lower[0]);
  });

  it("forecasts zeros for a series that sold nothing in its level window", () => {
    const { forecast } = fitPooled({ start: START, units: new Float64Array(100), context: { profile: PROFILE } }, { horizon: 14, level: 0.8 });
    expect(forecast.point.every((p) => p === 0)).toBe(true);
  });

  it("refuses a missing or malformed profile with bad_input, so the selection leaves it out", () => {
    const units = new Float64Array(60).fill(3);
    const fit = (context: Record<string, unknown> | undefined) => () => fitPooled({ start: START, units, context }, { horizon: 7, level: 0.8 });
    expect(fit(undefined)).toThrow(SeriesError);
    expect(fit(undefined)).toThrow(/no seasonal profile.*POOLED_MODEL/);
    expect(fit({ profile: { ...PROFILE, dayOfWeek: [1, 1, 1] } })).toThrow(/dayOfWeek must be 7 finite numbers/);
    expect(fit({ profile: { ...PROFILE, monthOfYear: [...PROFILE.monthOfYear.slice(1), Number.NaN] } })).toThrow(/monthOfYear/);
    expect(fit({ profile: { ...PROFILE, annualGrowth: 0 } })).toThrow(/annualGrowth must be a finite number > 0/);
    const thrown = (() => {
      try {
        profileOf({ context: {} });
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toMatchObject({ name: "SeriesError", code: "bad_input" });
  });
});
