// Prometheus metrics for the scheduled trainer, served as text on a port.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { CycleSummary } from "../run/cycle.ts";

export type CycleOutcome = "published" | "failed" | "abandoned" | "skipped_locked";

export class TrainerMetrics {
  readonly registry = new Registry();
  readonly #stageSeconds = new Gauge({
    name: "trainer_cycle_stage_seconds", help: "Duration of each stage of the last cycle that reached it",
    labelNames: ["stage"], registers: [this.registry],
  });
  readonly #cycles = new Counter({
    name: "trainer_cycles_total", help: "Cycles by outcome", labelNames: ["outcome"], registers: [this.registry],
  });
  readonly #series = new Counter({
    name: "trainer_series_total", help: "Series handled by published cycles: fitted, failed (published with the fallback model) or skipped (not refitted)",
    labelNames: ["result"], registers: [this.registry],
  });
  readonly #lastSuccess = new Gauge({
    name: "trainer_last_success_timestamp_seconds", help: "When the last cycle published (unix seconds); 0 until one has", registers: [this.registry],
  });
  readonly #lastFailure = new Gauge({
    name: "trainer_last_failure_timestamp_seconds", help: "When the last cycle failed (unix seconds); 0 until one has", registers: [this.registry],
  });
  readonly #liveAge = new Gauge({
    name: "trainer_live_version_age_seconds", help: "Age of the live version as last checked; -1 when there is none", registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "trainer_" });
    this.#lastSuccess.set(0);
    this.#lastFailure.set(0);
    for (const outcome of ["published", "failed", "abandoned", "skipped_locked"] satisfies CycleOutcome[]) this.#cycles.inc({ outcome }, 0);
    for (const result of ["fitted", "failed", "skipped"]) this.#series.inc({ result }, 0);
  }

  stage(stage: string, ms: number): void {
    this.#stageSeconds.set({ stage }, ms / 1000);
  }

  published(summary: CycleSummary & { skipped?: number }): void {
    this.#cycles.inc({ outcome: "published" });
    const skipped = summary.skipped ?? 0;
    this.#series.inc({ result: "fitted" }, summary.series - summary.failed - skipped);
    this.#series.inc({ result: "failed" }, summary.failed);
    this.#series.inc({ result: "skipped" }, skipped);
    this.#lastSuccess.set(Date.now() / 1000);
  }

  ended(outcome: Exclude<CycleOutcome, "published">): void {
    this.#cycles.inc({ outcome });
    if (outcome === "failed") this.#lastFailure.set(Date.now() / 1000);
  }

  liveAge(seconds: number | null): void {
    this.#liveAge.set(seconds ?? -1);
  }
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Serves GET /metrics (Prometheus text format) on every interface unless `host` says otherwise; port 0 picks a free one. */
export async function serveMetrics(metrics: TrainerMetrics, options: { port: number; host?: string }): Promise<MetricsServer> {
  const server: Server = createServer(async function metricsEndpoint(req, res) {
    if (req.method !== "GET" || (req.url !== "/metrics" && req.url !== "/")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: metrics are at /metrics\n");
      return;
    }
    try {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body);
    } catch {
      res.writeHead(500, { "content-type": "text/plain" }).end("metrics collection failed\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
