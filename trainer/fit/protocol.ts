// Messages between FitPool and its worker threads. One series in flight per
// thread, so a reply needs no id: it belongs to the series last sent.
import type { FitOptions, FitResult, ModelSeries } from "../models/types.ts";

export interface WorkerConfig {
  fit: FitOptions;
  /** Series a thread fits before it asks to be replaced (see FitPoolOptions.recycleAfter). */
  recycleAfter: number;
}

/** Posted with its Float64Array buffers transferred, not copied. */
export interface FitRequest {
  series: ModelSeries;
}

export interface FitReply {
  result: FitResult;
  /** The thread can no longer be trusted to fit (its WASM trapped): replace it. */
  retire: boolean;
}
