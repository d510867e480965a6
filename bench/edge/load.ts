// Loopback load with autocannon (a well-kept HTTP/1.1 load generator): N
// keep-alive connections for a fixed time, paths rotated per request so a
// scenario spreads over its keys. One raw request per scenario (no automatic
// gunzip) gives the bytes that travel on the wire and the Server-Timing seen.
import autocannon from "autocannon";
import { request } from "undici";

export interface LoadOptions {
  origin: string;
  /** Called per request; rotate paths to spread keys. */
  path: (i: number) => string;
  headers?: Record<string, string>;
  concurrency: number;
  durationSeconds: number;
}

export interface LoadResult {
  requests: number;
  /** Answers other than 2xx/304, and socket errors or timeouts. */
  errors: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  bodyBytes: number;
  /** Server-Timing of the sampled answer, to show which path was measured. */
  serverTiming: string;
}

export async function sampleAnswer(origin: string, path: string, headers: Record<string, string>): Promise<{ status: number; bytes: number; serverTiming: string }> {
  const res = await request(`${origin}${path}`, { headers });
  const bytes = (await res.body.arrayBuffer()).byteLength;
  return { status: res.statusCode, bytes, serverTiming: String(res.headers["server-timing"] ?? "") };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const headers = options.headers ?? {};
  let i = 0;
  const result = await autocannon({
    url: options.origin,
    connections: options.concurrency,
    duration: options.durationSeconds,
    headers,
    requests: [{ method: "GET", setupRequest: (req: autocannon.Request) => ({ ...req, path: options.path(i++) }) }],
  });
  const sample = await sampleAnswer(options.origin, options.path(0), headers);
  const total = result.requests.total;
  return {
    requests: total,
    errors: result.non2xx + result.errors + result.timeouts,
    requestsPerSecond: total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    bodyBytes: sample.bytes,
    serverTiming: sample.serverTiming,
  };
}
