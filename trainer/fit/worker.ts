// One fitting thread: loads Prophet's WASM once, then fits one series per
// message. Started by FitPool; speaks the messages in protocol.ts.
import { parentPort, workerData } from "node:worker_threads";
import { fitFailure } from "../models/errors.ts";
import { fitSeries } from "../select/fit-series.ts";
import { loadProphet, prophetUsable } from "../models/prophet.ts";
import type { FitReply, FitRequest, WorkerConfig } from "./protocol.ts";

if (!parentPort) throw new Error("trainer/fit/worker.ts runs inside a FitPool worker thread, not on its own");
const port = parentPort;
const { fit: options, recycleAfter } = workerData as WorkerConfig;
let fitted = 0;

const ready = loadProphet();
// A load failure is reported per series below; left unhandled it would kill the thread and the pool would respawn it forever.
ready.catch(() => {});

// Listening before the WASM is ready means no request can arrive unheard.
port.on("message", async ({ series }: FitRequest) => {
  const started = performance.now();
  let result;
  try {
    await ready;
    result = fitSeries(series, options);
  } catch (error) {
    result = fitFailure(series.id, error, performance.now() - started);
  }
  // After a WASM trap, ask the pool for a fresh thread rather than trust this instance again;
  // and after recycleAfter series, since WASM memory only grows (Stan's keeps ~0.1 MB a fit).
  port.postMessage({ result, retire: !prophetUsable() || ++fitted >= recycleAfter } satisfies FitReply);
});
