// A bounded, self-stopping loopback load generator: N concurrent keep-alive
// connections (undici Pool) each sending one request at a time, for a fixed
// time or request budget, whichever ends first. Bodies are read raw (no
// automatic gunzip), so byte counts are what travelled on the wire.
import { Pool } from "undici";

export interface LoadOptions {
  origin: string;
  /** Called per request; rotate paths to spread keys. */
  path: (i: number) => string;
  headers?: Record<string, string>;
  concurrency: number;
  durationMs: number;
  maxRequests: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  statuses: Record<number, number>;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanBodyBytes: number;
  /** Server-Timing of the last successful response, to show which path was measured. */
  serverTiming: string;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.origin, { connections: options.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies = new Float64Array(options.maxRequests);
  const statuses: Record<number, number> = {};
  let issued = 0;
  let done = 0;
  let errors = 0;
  let bodyBytes = 0;
  let serverTiming = "";
  const started = performance.now();
  const deadline = started + options.durationMs;

  async function worker(): Promise<void> {
    while (performance.now() < deadline && issued < options.maxRequests) {
      const i = issued++;
      const sent = performance.now();
      try {
        const res = await pool.request({ path: options.path(i), method: "GET", headers: options.headers });
        let bytes = 0;
        for await (const chunk of res.body) bytes += (chunk as Buffer).length;
        latencies[done++] = performance.now() - sent;
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 200) {
          bodyBytes += bytes;
          serverTiming = String(res.headers["server-timing"] ?? "");
        } else {
          errors++;
        }
      } catch {
        errors++;
      }
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  const sorted = latencies.slice(0, done).sort();
  const ok = statuses[200] ?? 0;
  return {
    requests: done,
    errors,
    statuses,
    seconds,
    requestsPerSecond: done / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanBodyBytes: ok > 0 ? bodyBytes / ok : 0,
    serverTiming,
  };
}
