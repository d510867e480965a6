// The run's accuracy in aggregate, tallied as series results arrive: what
// the manifest and the run row carry, and which series are outliers. Every
// figure is the series' published accuracy, measured on days its selection
// did not use (see FitOutcome.metrics).
import { eq, sql as raw } from "drizzle-orm";
import type { RunAccuracy } from "../../edge/contract/payload.ts";
import type { Database } from "../db/connect.ts";
import { trainingRun } from "../db/schema.ts";
import type { Metrics } from "../models/types.ts";

const LISTED_OUTLIERS = 50;

export class AccuracyTally {
  readonly #threshold: number;
  readonly #mase: number[] = [];
  readonly #sums = { rmsse: [0, 0], smape: [0, 0], wape: [0, 0], coverage: [0, 0] };
  readonly #classes: Record<string, number> = {};
  #outliers: RunAccuracy["outliers"] = [];
  #outlierCount = 0;
  #alternatives = 0;
  #fitted = 0;
  #skipped = 0;
  #refitted = 0;

  constructor(outlierMase: number) {
    this.#threshold = outlierMase;
  }

  /** Adds one series; returns whether it is an outlier. */
  add(series: string, entry: { model: string; metrics: Partial<Metrics>; demandClass: string | null; prophetAlternative: boolean; skipped: boolean; refitted?: boolean }): boolean {
    const { metrics } = entry;
    if (entry.demandClass) this.#classes[entry.demandClass] = (this.#classes[entry.demandClass] ?? 0) + 1;
    if (entry.prophetAlternative) this.#alternatives++;
    if (entry.skipped) this.#skipped++;
    else this.#fitted++;
    if (entry.refitted) this.#refitted++;
    for (const key of ["rmsse", "smape", "wape", "coverage"] as const) {
      const value = metrics[key];
      if (typeof value === "number") {
        this.#sums[key][0] += value;
        this.#sums[key][1]++;
      }
    }
    const mase = metrics.mase;
    if (typeof mase !== "number") return false;
    this.#mase.push(mase);
    if (mase <= this.#threshold) return false;
    this.#outlierCount++;
    this.#outliers.push({ series, model: entry.model, mase: Math.round(mase * 1000) / 1000 });
    if (this.#outliers.length > 2 * LISTED_OUTLIERS) this.#outliers = worst(this.#outliers);
    return true;
  }

  summary(): RunAccuracy {
    const mean = ([sum, n]: number[]) => (n ? round(sum / n) : null);
    const sorted = [...this.#mase].sort((a, b) => a - b);
    const middle = sorted.length / 2;
    const median = sorted.length ? (sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2) : null;
    return {
      scored: sorted.length,
      mase: sorted.length ? round(sorted.reduce((a, b) => a + b, 0) / sorted.length) : null,
      medianMase: median === null ? null : round(median),
      rmsse: mean(this.#sums.rmsse),
      smape: mean(this.#sums.smape),
      wape: mean(this.#sums.wape),
      coverage: mean(this.#sums.coverage),
      demandClasses: { ...this.#classes },
      prophetAlternatives: this.#alternatives,
      fitted: this.#fitted,
      skipped: this.#skipped,
      refitted: this.#refitted,
      outlierThreshold: this.#threshold,
      outlierCount: this.#outlierCount,
      outliers: worst(this.#outliers),
    };
  }
}

function worst(outliers: RunAccuracy["outliers"]): RunAccuracy["outliers"] {
  return [...outliers].sort((a, b) => b.mase - a.mase).slice(0, LISTED_OUTLIERS);
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** The run's accuracy into its row, beside what finishRun wrote. */
export async function recordAccuracy(db: Database, runId: number, accuracy: RunAccuracy): Promise<void> {
  await db.update(trainingRun).set({ accuracy: raw`coalesce(${trainingRun.accuracy}, '{}'::jsonb) || ${JSON.stringify(accuracy)}::jsonb` }).where(eq(trainingRun.id, runId));
}
