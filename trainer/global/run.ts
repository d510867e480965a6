// The global model in a run: trained once from the configuration, then
// handed to every series on its way to the fit threads.
import type { TrainerConfig } from "../config.ts";
import type { Sql } from "../db/connect.ts";
import type { FitOptions, SeriesInput } from "../models/types.ts";
import { trainGlobalModels, type GlobalTraining } from "./train.ts";

/** Horizon buckets: one and two weeks, a month, then the longest day a forecast or fold asks for (a bucket for days 8–14 beat none by the folds' RMSSE). */
export function globalHorizons(fit: Pick<FitOptions, "horizon" | "holdoutDays">): number[] {
  const longest = Math.max(fit.horizon, fit.holdoutDays);
  return [...new Set([7, 14, 30].filter((h) => h < longest).concat(longest))];
}

/** Relative ridge penalty: each coefficient shrunk by a tenth of its own feature's X'X diagonal; on the demo grid at two origins it beat 10⁻³, 10⁻², 0.3 and 1 by the folds' RMSSE. */
const RIDGE = 0.1;

/** `calendar` must be the holiday calendar whose days the fits get (`fit.holidays`), so training and forecasting agree. */
export function trainForRun(sql: Sql, config: TrainerConfig, origin: string, fit: FitOptions, calendar: string): Promise<GlobalTraining> {
  return trainGlobalModels(sql, {
    origin,
    holdoutDays: fit.holdoutDays,
    folds: fit.folds ?? config.BACKTEST_FOLDS,
    trainingDays: config.GLOBAL_TRAINING_DAYS,
    horizons: globalHorizons(fit),
    calendar,
    // Syntetos–Boylan's ADI cut-off as a share of days with a sale: the smooth and erratic classes are "dense".
    denseShare: 1 / config.DEMAND_ADI_CUTOFF,
    lambda: RIDGE,
  });
}

/**
 * Adds `context.global` (the models) and `context.globalLift` (its product's
 * lift by cut-off) to each input; `training` null passes them through, which
 * leaves the global candidate out.
 */
export async function* attachGlobal(
  inputs: AsyncIterable<SeriesInput>,
  training: GlobalTraining | null,
  seriesOf: (id: string) => { productId: number } | undefined,
): AsyncGenerator<SeriesInput> {
  for await (const input of inputs) {
    const productId = training ? seriesOf(input.id)?.productId : undefined;
    yield training && productId !== undefined
      ? { ...input, context: { ...input.context, global: training.models, globalLift: training.lifts.get(productId) ?? {} } }
      : input;
  }
}
