// What a cycle shows while it runs: a progress bar (series fitted, rate, ETA)
// on a terminal, JSON log lines (a tenth of the grid at a time) otherwise.
import cliProgress from "cli-progress";
import type { Logger } from "../log.ts";

export interface CycleProgress {
  onProgress(done: number, total: number): void;
  onStage(stage: string, ms: number): void;
  /** Removes the bar; call when the cycle ends, however it ends. */
  stop(): void;
}

/**
 * `bar` forces the choice (PROGRESS=on|off); by default the bar is drawn
 * only when stderr is a terminal, so cron mail and log shippers get JSON.
 */
export function cycleProgress(log: Logger, options: { bar?: boolean; stream?: NodeJS.WriteStream } = {}): CycleProgress {
  const stream = options.stream ?? process.stderr;
  if (options.bar ?? stream.isTTY === true) return terminalProgress(stream, stream.isTTY !== true);
  let lastLogged = 0;
  const started = performance.now();
  return {
    onProgress(done, total) {
      if (done === total || done - lastLogged >= Math.max(1, Math.ceil(total / 10))) {
        lastLogged = done;
        const seconds = (performance.now() - started) / 1000;
        const rate = seconds > 0 ? done / seconds : 0;
        log.info({ done, total, perSecond: Number(rate.toFixed(2)), etaSeconds: rate > 0 ? Math.round((total - done) / rate) : null }, "series fitted");
      }
    },
    onStage() {},
    stop() {},
  };
}

function terminalProgress(stream: NodeJS.WriteStream, forced: boolean): CycleProgress {
  const bar = new cliProgress.SingleBar({
    stream,
    // PROGRESS=on without a terminal: a line every few seconds instead of redraws.
    noTTYOutput: forced,
    format: "fitting {bar} {value}/{total} series | {rate}/s | ETA {eta_formatted}",
    etaBuffer: 50,
    hideCursor: true,
    clearOnComplete: false,
  }, cliProgress.Presets.shades_classic);
  let started: number | null = null;
  return {
    onProgress(done, total) {
      const now = performance.now();
      if (started === null) {
        started = now;
        bar.start(total, 0, { rate: "–" });
      }
      const seconds = (now - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(1) : "–" });
    },
    onStage(stage, ms) {
      if (started === null) stream.write(`${stage} ${Math.round(ms)} ms\n`);
    },
    stop() {
      if (started !== null) bar.stop();
      started = null;
    },
  };
}
