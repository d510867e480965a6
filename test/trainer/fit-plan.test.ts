// The reselection cadence: with RESELECT_SPREAD each series reselects on a
// day slot of its own, so after a cold start a catalogue's selections spread
// over the days of RESELECT_DAYS instead of all landing on one day.
import { describe, expect, it } from "vitest";
import { addDays } from "../../trainer/days.ts";
import type { PreviousResult, SeriesRecord } from "../../trainer/run/fetch.ts";
import { planFit, type PlanRules } from "../../trainer/run/fit-plan.ts";

const COLD = "2026-03-01";
const SERIES = 700;

type Planned = Parameters<typeof planFit>[0];

/** A series last selected on `on`, its data changed since (no skip). */
function record(i: number, on: string): Planned {
  const previous: PreviousResult = {
    runId: 1, model: "pooled", params: { $selection: { on, bands: {} } }, metrics: {}, dataHash: "old", history: null,
    settingsHash: "s", fittedAt: new Date(0), demandClass: "smooth", scores: [], runnerUp: null,
    forecast: { point: [1], lower: [0], upper: [2] }, prophetForecast: null, prophetModel: null, errorCode: null,
  };
  return { city: "c", store: `store-${i % 35}`, product: `product-${Math.floor(i / 35)}`, dataHash: "new", previous, planned: [] } satisfies Pick<SeriesRecord, keyof Planned>;
}

const rules = (origin: string, spread: boolean): PlanRules => ({
  settings: "s", maxAgeHours: 24, reselectDays: 7, spread, origin, horizon: 60, rollbackDays: 0,
});

describe("the reselection cadence", () => {
  it("spreads a cold start's reselections over the next seven days, each series once, about a seventh a day", () => {
    const lastSelected = Array.from({ length: SERIES }, () => COLD);
    const perDay: number[] = [];
    for (let day = 1; day <= 7; day++) {
      const origin = addDays(COLD, day);
      let selected = 0;
      for (let i = 0; i < SERIES; i++) {
        if (planFit(record(i, lastSelected[i]!), rules(origin, true)).kind === "select") {
          selected++;
          lastSelected[i] = origin;
        }
      }
      perDay.push(selected);
    }
    // Every series reselected within the cadence, none twice: day 7 takes only those whose slot it is.
    expect(perDay.reduce((a, b) => a + b, 0)).toBe(SERIES);
    for (const n of perDay) expect(n).toBeGreaterThan(SERIES / 7 / 2);
    for (const n of perDay) expect(n).toBeLessThan((SERIES / 7) * 1.5);
    // From then on, each series reselects exactly every seven days, on its slot.
    for (let i = 0; i < SERIES; i++) {
      const days = [1, 2, 3, 4, 5, 6, 7].filter((d) => planFit(record(i, lastSelected[i]!), rules(addDays(lastSelected[i]!, d), true)).kind === "select");
      expect(days).toEqual([7]);
    }
  });

  it("with RESELECT_SPREAD off refits every series until RESELECT_DAYS have passed, then reselects them all", () => {
    for (let day = 1; day <= 7; day++) {
      const kinds = new Set(Array.from({ length: SERIES }, (_, i) => planFit(record(i, COLD), rules(addDays(COLD, day), false)).kind));
      expect([...kinds]).toEqual([day < 7 ? "refit" : "select"]);
    }
  });
});
