// Counters for GET /metrics, aggregated across isolates. Each isolate counts
// in memory and adds its counts to one Redis hash (and its hot-request
// samples, hot-sample.ts) in waitUntil at most every METRICS_FLUSH_SECONDS,
// so a busy Worker costs the store one pipelined write per isolate per
// interval, not one per request. An isolate that is evicted loses at most one
// interval of counts.
import type { Context } from "hono";
import type { Redis } from "@upstash/redis/cloudflare";
import type { EdgeConfig } from "./config.ts";
import { edgeKeys } from "./contract/edge-keys.ts";
import { drainHotSamples, hasHotSamples, HOT_SET_MAX, resetHotSamples } from "./hot-sample.ts";
import { redisFor } from "./store.ts";

/** Upper bounds (ms) of the store latency histogram. */
export const STORE_LATENCY_BUCKETS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500] as const;

/** Hash field (a Prometheus series: name plus labels) → increment. */
const counters = new Map<string, number>();
let lastFlush = 0;

function add(map: Map<string, number>, key: string, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

const label = (value: string) => value.replace(/["\\\n]/g, "_");

const requestFields = new Map<string, string>();

export function recordRequest(route: string, status: number): void {
  const id = `${route} ${status}`;
  let field = requestFields.get(id);
  if (field === undefined) {
    field = `forecast_requests_total{route="${label(route)}",status="${status}"}`;
    if (requestFields.size < 1000) requestFields.set(id, field);
  }
  add(counters, field, 1);
}

/** Counts an answer and, when a flush is due, adds this isolate's counts to the store after the response. */
export function countRequest(c: Context, config: EdgeConfig, route: string, status: number): void {
  recordRequest(route, status);
  const intervalMs = config.production.metricsFlushMs;
  if (Date.now() - lastFlush < intervalMs) return;
  c.executionCtx.waitUntil(
    flushMetrics(redisFor(config), config.keyPrefix, intervalMs).catch((err: unknown) => console.warn(JSON.stringify({ level: "warn", msg: "metrics flush failed", error: String(err) }))),
  );
}

export function recordCache(result: "hit" | "miss" | "off" | "stale", tier?: string): void {
  add(counters, `forecast_edge_cache_total{result="${result}",tier="${tier ?? "none"}"}`, 1);
}

export function recordStoreCall(ms: number, ok: boolean): void {
  if (!ok) add(counters, "forecast_store_errors_total", 1);
  for (const le of STORE_LATENCY_BUCKETS) if (ms <= le) add(counters, `forecast_store_latency_ms_bucket{le="${le}"}`, 1);
  add(counters, 'forecast_store_latency_ms_bucket{le="+Inf"}', 1);
  add(counters, "forecast_store_latency_ms_count", 1);
  add(counters, "forecast_store_latency_ms_sum", Math.round(ms));
}

export function recordRateLimited(): void {
  add(counters, "forecast_rate_limited_total", 1);
}

/**
 * Adds this isolate's counts to the store when the flush interval has passed
 * (or always with force). Counts taken out of memory are gone even if the
 * write fails: a metric may undercount, it never double counts.
 */
export async function flushMetrics(redis: Redis, prefix: string, intervalMs: number, force = false): Promise<void> {
  const now = Date.now();
  if (!force && now - lastFlush < intervalMs) return;
  if (counters.size === 0 && !hasHotSamples()) return;
  lastFlush = now;
  const taken = [...counters];
  counters.clear();
  const k = edgeKeys(prefix);
  const pipeline = redis.pipeline();
  for (const [field, by] of taken) pipeline.hincrby(k.metrics, field, by);
  const hotKeys = drainHotSamples(pipeline, taken.length);
  const replies = await pipeline.exec<unknown[]>();
  // A hot set past its cap drops its coldest members at once.
  for (const { key, at } of hotKeys) {
    const size = Number(replies[at]);
    if (size > HOT_SET_MAX) await trimHotSet(redis, key, size);
  }
}

/** Keeps the HOT_SET_MAX hottest members: ZRANGE and ZREM, which every Upstash-compatible store has. */
async function trimHotSet(redis: Redis, key: string, size: number): Promise<void> {
  const coldest = (await redis.zrange(key, 0, size - HOT_SET_MAX - 1)) as unknown[];
  if (coldest.length > 0) await redis.zrem(key, ...coldest.map(String));
}

const HELP: Record<string, [type: string, help: string]> = {
  forecast_requests_total: ["counter", "Requests by route and status, all isolates."],
  forecast_edge_cache_total: ["counter", "Forecast reads by edge cache result (hit, miss, stale, off) and tier (memory, edge)."],
  forecast_store_errors_total: ["counter", "Store commands that failed or timed out."],
  forecast_store_latency_ms: ["histogram", "Store command latency in milliseconds."],
  forecast_rate_limited_total: ["counter", "Requests answered 429 by the rate limiter."],
};

/** Prometheus text exposition of the stored counters. */
export function renderMetrics(stored: Record<string, string | number> | null): string {
  const byMetric = new Map<string, string[]>();
  for (const [field, value] of Object.entries(stored ?? {})) {
    const name = field.replace(/\{.*$/, "");
    const family = name.replace(/_(bucket|count|sum)$/, "");
    const metric = HELP[name] ? name : HELP[family] ? family : null;
    if (!metric) continue;
    if (!byMetric.has(metric)) byMetric.set(metric, []);
    byMetric.get(metric)!.push(`${field} ${Number(value)}`);
  }
  const lines: string[] = [];
  for (const [metric, [type, help]] of Object.entries(HELP)) {
    const samples = byMetric.get(metric) ?? (type === "counter" && !metric.includes("{") ? [`${metric} 0`] : []);
    if (samples.length === 0) continue;
    lines.push(`# HELP ${metric} ${help}`, `# TYPE ${metric} ${type}`, ...samples.sort());
  }
  return `${lines.join("\n")}\n`;
}

/** For tests: forget this isolate's unflushed counts. */
export function resetIsolateMetrics(): void {
  counters.clear();
  resetHotSamples();
  lastFlush = 0;
}
