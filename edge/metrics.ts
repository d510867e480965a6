// Counters for GET /metrics, aggregated across isolates. Each isolate counts
// in memory and adds its counts to one Redis hash (and the hot-request sorted
// sets) in waitUntil at most every METRICS_FLUSH_SECONDS, so a busy Worker
// costs the store one pipelined write per isolate per interval, not one per
// request. An isolate that is evicted loses at most one interval of counts.
import type { Redis } from "@upstash/redis/cloudflare";
import { edgeKeys } from "./contract/edge-keys.ts";

/** Upper bounds (ms) of the store latency histogram. */
export const STORE_LATENCY_BUCKETS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500] as const;

interface Pending {
  /** Hash field (a Prometheus series: name plus labels) → increment. */
  counters: Map<string, number>;
  /** Sorted-set key → member → increment. */
  hot: Map<string, Map<string, number>>;
}

const isolate: Pending = { counters: new Map(), hot: new Map() };
let lastFlush = 0;

function add(map: Map<string, number>, key: string, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

const label = (value: string) => value.replace(/["\\\n]/g, "_");

export function recordRequest(route: string, status: number): void {
  add(isolate.counters, `forecast_requests_total{route="${label(route)}",status="${status}"}`, 1);
}

export function recordCache(result: "hit" | "miss" | "off" | "stale", tier?: string): void {
  add(isolate.counters, `forecast_edge_cache_total{result="${result}",tier="${tier ?? "none"}"}`, 1);
}

export function recordStoreCall(ms: number, ok: boolean): void {
  if (!ok) add(isolate.counters, "forecast_store_errors_total", 1);
  for (const le of STORE_LATENCY_BUCKETS) if (ms <= le) add(isolate.counters, `forecast_store_latency_ms_bucket{le="${le}"}`, 1);
  add(isolate.counters, 'forecast_store_latency_ms_bucket{le="+Inf"}', 1);
  add(isolate.counters, "forecast_store_latency_ms_count", 1);
  add(isolate.counters, "forecast_store_latency_ms_sum", Math.round(ms));
}

export function recordRateLimited(): void {
  add(isolate.counters, "forecast_rate_limited_total", 1);
}

/** Counts one hot request with weight 1/rate when it falls in the sample. */
export function sampleHot(key: string, member: string, rate: number, random: () => number = Math.random): void {
  if (rate <= 0 || random() >= rate) return;
  let members = isolate.hot.get(key);
  if (!members) isolate.hot.set(key, (members = new Map()));
  add(members, member, 1 / rate);
}

/**
 * Adds this isolate's counts to the store when the flush interval has passed
 * (or always with force). Counts taken out of memory are gone even if the
 * write fails: a metric may undercount, it never double counts.
 */
export async function flushMetrics(redis: Redis, prefix: string, intervalMs: number, force = false): Promise<void> {
  const now = Date.now();
  if (!force && now - lastFlush < intervalMs) return;
  if (isolate.counters.size === 0 && isolate.hot.size === 0) return;
  lastFlush = now;
  const counters = [...isolate.counters];
  const hot = [...isolate.hot];
  isolate.counters.clear();
  isolate.hot.clear();
  const k = edgeKeys(prefix);
  const pipeline = redis.pipeline();
  for (const [field, by] of counters) pipeline.hincrby(k.metrics, field, by);
  for (const [key, members] of hot) {
    // ZADD INCR rather than ZINCRBY: the same increment, and every Upstash-compatible store has ZADD.
    for (const [member, by] of members) pipeline.zadd(key, { incr: true }, { score: by, member });
  }
  await pipeline.exec();
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
  isolate.counters.clear();
  isolate.hot.clear();
  lastFlush = 0;
}
