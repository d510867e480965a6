import { beforeAll, describe, expect, it } from "vitest";
import { loadProphet } from "../../../trainer/models/prophet.ts";
import type { CandidateScore, FitOutcome, FitResult } from "../../../trainer/models/types.ts";
import { CANDIDATES, candidatesFor, type Candidate } from "../../../trainer/select/candidates.ts";
import { fitSeries } from "../../../trainer/select/fit-series.ts";
import { synthetic } from "./synthetic.ts";

const options = { horizon: 60, level: 0.8, holdoutDays: 60, folds: 3 };
// A weekly rhythm on a steady level: Prophet's home ground.
const smooth = synthetic({ days: 365, seed: 21 }).series;
// Poisson with mean 0.6: no sale on about half the days, intermittent by Syntetos–Boylan.
const sparse = synthetic({ days: 365, seed: 22, level: 0.6, slope: 0, weekendLift: 0.1, promoShare: 0, counts: true }).series;

function expectOk(result: FitResult): FitOutcome {
  if (!result.ok) throw new Error(`expected a fit, got ${result.error.code}: ${result.error.message}`);
  return result;
}

const mean = (values: (number | null)[]) => values.reduce<number>((a, b) => a + (b ?? 0), 0) / values.length;

/** The choice the selection would have made as of the newest fold's cut-off: best mean over the older folds. */
function asOfChoice(scores: CandidateScore[], folds: number): CandidateScore {
  return scores.filter((s) => s.folds.length >= folds - 1).sort((a, b) => mean(a.folds.slice(0, folds - 1)) - mean(b.folds.slice(0, folds - 1)))[0];
}

/** A candidate that counts its fits; `scale` multiplies a weekly-naive forecast. */
function counted(name: string, cost: Candidate["cost"], scale: number) {
  const calls = { n: 0 };
  const candidate: Candidate = {
    name, family: "prophet", classes: ["smooth", "erratic"], cost,
    fit: (series, { horizon }) => {
      calls.n++;
      const last = series.units.subarray(-7);
      const point = Array.from({ length: horizon }, (_, j) => last[j % 7] * scale);
      return { forecast: { point, lower: point, upper: point }, params: null };
    },
  };
  return { candidate, calls };
}

beforeAll(() => loadProphet());

describe("model selection", () => {
  it("picks Prophet for a smooth weekly series, ranked by RMSSE on three rolling folds", () => {
    const result = expectOk(fitSeries(smooth, options));
    expect(result.demandClass).toBe("smooth");
    expect(result.model).toMatch(/^prophet/);
    expect(result.scores.map((s) => s.model).sort()).toEqual(["moving_average", "prophet", "prophet_multiplicative", "seasonal_naive", "ses"]);
    expect(result.scores[0].model).toBe(result.model);
    expect(result.scores[0].folds).toHaveLength(3);
    // Best first, and it beats the seasonal-naive floor.
    const naive = result.scores.find((s) => s.model === "seasonal_naive")!;
    expect(result.scores[0].rmsse!).toBeLessThan(naive.rmsse!);
    expect(result.scores[0].folds.every((f, i) => f === null || i > 2 || f > 0)).toBe(true);
    expect(result.prophet).toBeUndefined();
  });

  it("publishes the accuracy of the choice made without the newest fold, scored on that fold", () => {
    for (const series of [smooth, sparse]) {
      // As measured on the fold; by default its MASE and RMSSE are carried to the forecast's days (published-accuracy.test.ts).
      const result = expectOk(fitSeries(series, { ...options, publishedAccuracy: "fold" }));
      const choice = asOfChoice(result.scores, 3);
      expect(result.metrics.rmsse).toBeCloseTo(choice.folds[2]!, 12);
      expect(result.metrics.holdoutDays).toBe(60);
      // Not the selection's own mean over the folds it chose by.
      expect(result.metrics.rmsse).not.toBeCloseTo(result.scores[0].rmsse!, 6);
    }
    // With one fold there is no day the selection did not see: nothing is published.
    const one = expectOk(fitSeries(smooth, { ...options, folds: 1 }));
    expect(one.metrics).toMatchObject({ mase: null, rmsse: null, coverage: null, holdoutDays: 0 });
  });

  it("picks a level model for an intermittent series, and still fits Prophet for the rollback", () => {
    const result = expectOk(fitSeries(sparse, options));
    expect(result.demandClass).toBe("intermittent");
    expect(["croston", "sba", "tsb", "ses", "moving_average"]).toContain(result.model);
    expect(result.scores.map((s) => s.model)).toEqual(expect.arrayContaining(["croston", "sba", "tsb", "ses", "moving_average", "seasonal_naive"]));
    expect(result.forecast.point.every((p) => p === result.forecast.point[0] && p > 0.3 && p < 1)).toBe(true);
    expect(result.prophet?.model).toBe("prophet");
    expect(result.prophet?.forecast.point).toHaveLength(60);
    expect(Object.keys(result.params as object)).toEqual(expect.arrayContaining(["prophet", result.model, "$folds", "$selection"]));
  });

  it("stops an expensive candidate's folds once it cannot win, and runs them all while it can", () => {
    const bad = counted("bad", "expensive", 5);
    const good = counted("good", "expensive", 1.02);
    const registry = [...CANDIDATES.filter((c) => c.cost === "cheap"), bad.candidate, good.candidate];
    const result = expectOk(fitSeries(smooth, { ...options, hybrid: true }, registry));
    // One fold shows `bad` five times off: it cannot win the selection nor the one made without the newest fold.
    const folds = (name: string) => result.scores.find((s) => s.model === name)!;
    expect(folds("bad")).toMatchObject({ complete: false });
    expect(folds("bad").folds).toHaveLength(1);
    expect(bad.calls.n).toBe(1);
    expect(folds("good")).toMatchObject({ complete: true });
    expect(good.calls.n).toBe(3 + 1);
  });

  it("leaves out the candidates named in exclude", () => {
    const result = expectOk(fitSeries(smooth, { ...options, exclude: ["prophet_multiplicative", "ses"] }));
    expect(result.scores.map((s) => s.model).sort()).toEqual(["moving_average", "prophet", "seasonal_naive"]);
  });

  it("with hybrid forecasting off, tries and publishes Prophet only", () => {
    const result = expectOk(fitSeries(sparse, { ...options, hybrid: false }));
    expect(result.model).toMatch(/^prophet/);
    expect(result.scores.every((s) => s.model.startsWith("prophet"))).toBe(true);
    expect(result.prophet).toBeUndefined();
  });

  it("can rank by MASE instead (SELECTION_METRIC=mase)", () => {
    const result = expectOk(fitSeries(sparse, { ...options, selectBy: "mase" }));
    const complete = result.scores.filter((s) => s.complete);
    expect(result.scores[0].mase).toBe(Math.min(...complete.map((s) => s.mase!)));
    expect(result.scores[0].folds.map((f) => f !== null)).toEqual([true, true, true]);
  });

  it("without folds, falls back to the class's first candidate", () => {
    const result = expectOk(fitSeries(sparse, { ...options, holdoutDays: 0 }));
    expect(result.model).toBe("croston");
    expect(result.metrics.holdoutDays).toBe(0);
  });

  it("forecasts zero for a series that never sold", () => {
    const none = { id: "none", start: "2024-01-01", units: new Array(60).fill(0), promo: new Array(60).fill(0) };
    const result = expectOk(fitSeries(none, options));
    expect([result.model, result.demandClass]).toEqual(["zero", "none"]);
    expect(result.forecast.point).toEqual(new Array(60).fill(0));
  });

  it("adding a candidate is one registry entry", () => {
    const mean: Candidate = {
      name: "mean",
      family: "test",
      classes: ["intermittent"],
      cost: "cheap",
      fit: (series, { horizon }) => {
        const m = series.units.reduce((a, b) => a + b, 0) / series.units.length;
        return { forecast: { point: new Array(horizon).fill(m), lower: new Array(horizon).fill(0), upper: new Array(horizon).fill(2 * m) }, params: { m } };
      },
    };
    const registry = [...CANDIDATES, mean];
    expect(candidatesFor("intermittent", { hybrid: true, registry }).map((c) => c.name)).toContain("mean");
    const result = expectOk(fitSeries(sparse, options, registry));
    expect(result.scores.map((s) => s.model)).toContain("mean");
  });
});

describe("leak-free folds", () => {
  it("a fold's forecasts and scores do not move when days after its cut-off change", () => {
    const base = expectOk(fitSeries(smooth, options));
    // A spike and a level shift in the newest fold's days only (the last 60): the two older folds must not move.
    const planted = { ...smooth, units: smooth.units.map((u, i) => (i >= 305 ? u * 1.5 + (i === 320 ? 400 : 0) : u)) };
    const changed = expectOk(fitSeries(planted, options));
    for (const s of base.scores) {
      const other = changed.scores.find((c) => c.model === s.model)!;
      expect(other.folds.slice(0, 2), s.model).toEqual(s.folds.slice(0, 2));
    }
    expect(changed.scores.find((c) => c.model === "prophet")!.folds[2]).not.toEqual(base.scores.find((c) => c.model === "prophet")!.folds[2]);
  });
});
