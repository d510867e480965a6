// The Worker's production settings: access, limits, stale serving, prefetch
// and operations. Parsed with the rest of the configuration (config.ts), so
// every bad variable is still reported in one message.
import type { BinaryLayout } from "./binary-format.ts";
import type { Env } from "./config.ts";
import { MAX_GRID_SERIES } from "./grid.ts";

export interface ProductionConfig {
  /** True: every /v1 read needs a valid API key (X-API-Key or Authorization: Bearer). */
  readonly requireApiKey: boolean;
  /** Bearer token for /v1/admin/* and /metrics; empty turns those routes off (403). */
  readonly adminToken: string;
  /** Requests per window per API key (or per client address without one); 0 turns limiting off. */
  readonly rateLimit: number;
  readonly rateLimitWindowSeconds: number;
  /** Origins allowed by CORS; empty sends no CORS headers, ["*"] allows any. */
  readonly corsOrigins: string[];
  readonly maxGridSeries: number;
  readonly maxUrlLength: number;
  /** Seconds past POINTER_TTL a remembered pointer is still served while it is refreshed in waitUntil. */
  readonly staleWhileRevalidateSeconds: number;
  /** Seconds a remembered pointer keeps answering from cache while the store is unreachable. */
  readonly staleIfErrorSeconds: number;
  readonly binaryFormat: boolean;
  /** BINARY_FORMAT=f32 serves the float32 layout of version 1 instead of the scaled integers of version 2. */
  readonly binaryLayout: BinaryLayout;
  /** Off: grid misses build every body, ignoring the ones the trainer published with the version. */
  readonly publishedGrids: boolean;
  /** The Worker's public origin, needed to warm the Cache API from a Cron Trigger (no request there). */
  readonly publicOrigin: string | null;
  /** The Cron Trigger expression that warms the cache; null: warming off. */
  readonly prefetchCron: string | null;
  readonly prefetchTopN: number;
  /** Share of grid and series requests counted as hot; 0 stops sampling. */
  readonly hotSampleRate: number;
  readonly streamWaitMs: number;
  readonly refreshIntervalSeconds: number;
  readonly healthGraceSeconds: number;
  readonly metrics: boolean;
  readonly metricsFlushMs: number;
  readonly requestLog: boolean;
}

export const PRODUCTION_DEFAULTS = {
  REQUIRE_API_KEY: "off",
  RATE_LIMIT: 600,
  RATE_LIMIT_WINDOW: 60,
  MAX_GRID_SERIES,
  MAX_URL_LENGTH: 4096,
  STALE_WHILE_REVALIDATE: 30,
  STALE_IF_ERROR: 86_400,
  BINARY_FORMAT: "on",
  PUBLISHED_GRIDS: "on",
  PREFETCH_CRON: "45 6 * * *",
  PREFETCH_TOP_N: 20,
  HOT_SAMPLE_RATE: 0.1,
  STREAM_WAIT_MS: 20_000,
  REFRESH_INTERVAL: 86_400,
  HEALTH_GRACE: 3600,
  METRICS: "on",
  METRICS_FLUSH_SECONDS: 10,
  REQUEST_LOG: "on",
} as const;

type Text = (name: keyof Env) => string;
type NumberVar = (name: keyof Env, fallback: number, min: number, max: number, integer: boolean) => number;

const CRON_FIELDS = /^(\S+\s+){4}\S+$/;

export function parseProductionConfig(text: Text, number: NumberVar, problems: string[]): ProductionConfig {
  const onOff = (name: keyof Env, fallback: string): boolean => {
    const value = (text(name) || fallback).toLowerCase();
    if (["on", "true", "1"].includes(value)) return true;
    if (["off", "false", "0"].includes(value)) return false;
    problems.push(`${name} must be "on" or "off" (default "${fallback}"), got ${JSON.stringify(value.slice(0, 20))}`);
    return fallback === "on";
  };
  const d = PRODUCTION_DEFAULTS;

  const adminToken = text("ADMIN_TOKEN");
  if (adminToken && adminToken.length < 16) {
    problems.push("ADMIN_TOKEN must be at least 16 characters (use `openssl rand -hex 32 | wrangler secret put ADMIN_TOKEN`), or empty to turn the admin routes off");
  }

  const corsOrigins = text("CORS_ORIGINS").split(",").map((o) => o.trim().replace(/\/+$/, "")).filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin !== "*" && !/^https?:\/\/[^\s/]+$/.test(origin)) {
      problems.push(`CORS_ORIGINS must be a comma-separated list of origins such as https://app.example.com, or *, got ${JSON.stringify(origin.slice(0, 80))}`);
    }
  }

  const publicOrigin = text("PUBLIC_ORIGIN").replace(/\/+$/, "");
  if (publicOrigin && !/^https?:\/\/[^\s/]+$/.test(publicOrigin)) {
    problems.push(`PUBLIC_ORIGIN must be the Worker's origin such as https://forecast.example.com (no path), got ${JSON.stringify(publicOrigin.slice(0, 80))}`);
  }

  const cron = (text("PREFETCH_CRON") || d.PREFETCH_CRON).replace(/\s+/g, " ");
  if (cron !== "off" && !CRON_FIELDS.test(cron)) {
    problems.push(`PREFETCH_CRON must be "off" or a five-field cron expression listed under [triggers] crons in wrangler.toml, got ${JSON.stringify(cron.slice(0, 40))}`);
  }

  const float32 = text("BINARY_FORMAT").toLowerCase() === "f32";

  return Object.freeze({
    requireApiKey: onOff("REQUIRE_API_KEY", d.REQUIRE_API_KEY),
    adminToken,
    rateLimit: number("RATE_LIMIT", d.RATE_LIMIT, 0, 1_000_000, true),
    rateLimitWindowSeconds: number("RATE_LIMIT_WINDOW", d.RATE_LIMIT_WINDOW, 1, 86_400, true),
    corsOrigins,
    maxGridSeries: number("MAX_GRID_SERIES", d.MAX_GRID_SERIES, 1, 10_000, true),
    maxUrlLength: number("MAX_URL_LENGTH", d.MAX_URL_LENGTH, 256, 16_384, true),
    staleWhileRevalidateSeconds: number("STALE_WHILE_REVALIDATE", d.STALE_WHILE_REVALIDATE, 0, 86_400, false),
    staleIfErrorSeconds: number("STALE_IF_ERROR", d.STALE_IF_ERROR, 0, 30 * 86_400, false),
    binaryFormat: float32 || onOff("BINARY_FORMAT", d.BINARY_FORMAT),
    binaryLayout: float32 ? "v1" : "v2",
    publishedGrids: onOff("PUBLISHED_GRIDS", d.PUBLISHED_GRIDS),
    publicOrigin: publicOrigin || null,
    prefetchCron: cron === "off" ? null : cron,
    prefetchTopN: number("PREFETCH_TOP_N", d.PREFETCH_TOP_N, 0, 1000, true),
    hotSampleRate: number("HOT_SAMPLE_RATE", d.HOT_SAMPLE_RATE, 0, 1, false),
    streamWaitMs: number("STREAM_WAIT_MS", d.STREAM_WAIT_MS, 0, 120_000, true),
    refreshIntervalSeconds: number("REFRESH_INTERVAL", d.REFRESH_INTERVAL, 60, 30 * 86_400, true),
    healthGraceSeconds: number("HEALTH_GRACE", d.HEALTH_GRACE, 0, 7 * 86_400, true),
    metrics: onOff("METRICS", d.METRICS),
    metricsFlushMs: number("METRICS_FLUSH_SECONDS", d.METRICS_FLUSH_SECONDS, 0, 3600, false) * 1000,
    requestLog: onOff("REQUEST_LOG", d.REQUEST_LOG),
  });
}
