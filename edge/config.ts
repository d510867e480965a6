// The Worker's configuration: read from the environment once per env object,
// validated as a whole with zod (its mini build: a twentieth of the bytes in
// the bundle), frozen. Every bad variable is reported in one
// message that says how to fix it, so a deploy is fixed in one round, not five.
// A leaf: it imports the key contract and the error classes, nothing that
// does I/O.
import * as z from "zod/mini";
import type { BinaryLayout } from "./binary-format.ts";
import type { ForecastShape } from "./contract/shape.ts";
import { MAX_GRID_SERIES } from "./contract/grid.ts";
import { PREFIX_PATTERN, VERSION_PATTERN } from "./contract/keys.ts";
import { ConfigError, type ConfigProblem } from "./errors.ts";

/** The Workers rate-limiting binding ([[ratelimits]] in wrangler.toml), as much of it as the Worker calls. */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/** The Worker's bindings: wrangler.toml [vars] plus the secrets and the bindings. */
export interface Env {
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  KEY_PREFIX?: string;
  FORECAST_VERSION?: string;
  EDGE_CACHE?: string;
  CACHE_MAX_AGE?: string;
  POINTER_TTL?: string;
  STORE_TIMEOUT_MS?: string;
  MEMORY_CACHE_MB?: string;
  /** "on": Prophet's forecast for every series (rollback of the hybrid selection). */
  PROPHET_ONLY?: string;
  /** Modes served, default first: "fast,accurate". */
  FORECAST_MODES?: string;
  /** "off" turns the explorer page (/explorer/) off. */
  EXPLORER?: string;
  /** "off" turns the API's description off: /v1/openapi.json and the /docs page. */
  API_DOCS?: string;
  /** The explorer's static assets ([assets] in wrangler.toml). */
  ASSETS?: Fetcher;
  /** The Workers rate-limiting binding ([[ratelimits]] in wrangler.toml). */
  RATE_LIMITER?: RateLimitBinding;
  REQUIRE_API_KEY?: string;
  ADMIN_TOKEN?: string;
  RATE_LIMIT?: string;
  RATE_LIMIT_WINDOW?: string;
  RATE_LIMIT_BACKEND?: string;
  CORS_ORIGINS?: string;
  MAX_GRID_SERIES?: string;
  MAX_URL_LENGTH?: string;
  STALE_WHILE_REVALIDATE?: string;
  STALE_IF_ERROR?: string;
  BINARY_FORMAT?: string;
  FORECAST_SHAPE?: string;
  PUBLISHED_GRIDS?: string;
  PUBLIC_ORIGIN?: string;
  PREFETCH_CRON?: string;
  PREFETCH_TOP_N?: string;
  HOT_SAMPLE_RATE?: string;
  STREAM_WAIT_MS?: string;
  REFRESH_INTERVAL?: string;
  HEALTH_GRACE?: string;
  METRICS?: string;
  METRICS_FLUSH_SECONDS?: string;
  REQUEST_LOG?: string;
}

export const FORECAST_MODES = ["fast", "accurate"] as const;
export type ForecastMode = (typeof FORECAST_MODES)[number];

export interface ModelChoiceConfig {
  /** On: Prophet's forecast for every series, whatever the trainer selected. */
  readonly prophetOnly: boolean;
  /** Modes that may be served; the first is the default. */
  readonly modes: readonly ForecastMode[];
}

export type RateLimitBackend = "binding" | "upstash";

export interface ProductionConfig {
  /** True: every /v1 read needs a valid API key (X-API-Key or Authorization: Bearer). */
  readonly requireApiKey: boolean;
  /** Bearer token for /v1/admin/* and /metrics; empty turns those routes off (403). */
  readonly adminToken: string;
  /** Requests per window per API key (or per client address without one); 0 turns limiting off. */
  readonly rateLimit: number;
  readonly rateLimitWindowSeconds: number;
  /** Where requests are counted: the data centre (the Workers binding) or one global store (Upstash). */
  readonly rateLimitBackend: RateLimitBackend;
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
  /** The JSON shape served (FORECAST_SHAPE): v2, integers in steps without what the URL names; v1, the values with their identity (the rollback). */
  readonly forecastShape: ForecastShape;
  /** Off: grid misses build every body, ignoring the ones the trainer published with the version. */
  readonly publishedGrids: boolean;
  /** The Worker's public origin, needed to warm the Cache API from a Cron Trigger (no request there). */
  readonly publicOrigin: string | null;
  /** The Cron Trigger expression that warms the cache; null: warming off. */
  readonly prefetchCron: string | null;
  readonly prefetchTopN: number;
  /** Share of successful grid and series answers counted as hot; 0 stops sampling. */
  readonly hotSampleRate: number;
  readonly streamWaitMs: number;
  readonly refreshIntervalSeconds: number;
  readonly healthGraceSeconds: number;
  readonly metrics: boolean;
  readonly metricsFlushMs: number;
  readonly requestLog: boolean;
}

export interface EdgeConfig {
  readonly upstashUrl: string;
  readonly upstashToken: string;
  readonly keyPrefix: string;
  /** Set: serve this version only (rollback). Null: follow the live pointer. */
  readonly pinnedVersion: string | null;
  /** False bypasses both the in-isolate memory cache and the Cache API. */
  readonly edgeCache: boolean;
  readonly cacheMaxAgeSeconds: number;
  /** Budget of the in-isolate memory tier; 0 leaves only the Cache API. */
  readonly memoryCacheBytes: number;
  readonly pointerTtlMs: number;
  readonly storeTimeoutMs: number;
  /** False: /explorer/ answers 404 and / no longer redirects to it. */
  readonly explorer: boolean;
  /** False: /v1/openapi.json and /docs answer 404. */
  readonly apiDocs: boolean;
  /** Access, limits, caching, prefetch, operations. */
  readonly production: ProductionConfig;
  /** PROPHET_ONLY and FORECAST_MODES: which variant of a version is served (variant.ts). */
  readonly modelChoice: ModelChoiceConfig;
}


const ONE_YEAR_SECONDS = 31_536_000;
const ON = ["on", "true", "1"];
const OFF = ["off", "false", "0"];
const ORIGIN = /^https?:\/\/[^\s/]+$/;
const CRON_FIELDS = /^(\S+\s+){4}\S+$/;
/** Plain http is for a store on this machine only: anywhere else the token would travel in cleartext. */
const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

const shown = (input: unknown) => JSON.stringify(String(input ?? "").slice(0, 40));

type Problem = (message: string, input?: unknown) => void;

/** One variable: its trimmed text (undefined when unset) in, its value out; problems join the one report. */
function variable<T>(parse: (raw: string | undefined, problem: Problem) => T) {
  return z.transform((input: unknown, ctx) =>
    parse(typeof input === "string" ? input.trim() : undefined, (message, got) => void ctx.issues.push({ code: "custom", message, input: got })),
  );
}

/** The one on/off parser: on/true/1 and off/false/0, any case, blank for the default. */
function onOff(fallback: "on" | "off", meaning = "") {
  return variable((raw, problem) => {
    const value = (raw || fallback).toLowerCase();
    if (ON.includes(value)) return true;
    if (OFF.includes(value)) return false;
    problem(`must be "on" or "off"${meaning} (default "${fallback}")`, raw);
    return fallback === "on";
  });
}

function number(fallback: number, min: number, max: number, integer = true) {
  return variable((raw, problem) => {
    if (!raw) return fallback;
    const value = Number(raw);
    if (Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value))) return value;
    problem(`must be ${integer ? "an integer" : "a number"} from ${min} to ${max} (default ${fallback})`, raw);
    return fallback;
  });
}

function matching(pattern: RegExp, message: string, fallback = "") {
  return variable((raw, problem) => {
    const value = raw || fallback;
    if (value === "" || pattern.test(value)) return value;
    problem(message, raw);
    return fallback;
  });
}

const upstashUrl = variable((raw, problem) => {
  const url = (raw ?? "").replace(/\/+$/, "");
  if (!url) {
    problem("is not set: add it to [vars] in wrangler.toml or `wrangler secret put UPSTASH_REDIS_REST_URL` (locally: .dev.vars)");
  } else if (!/^https:\/\/[^\s/]+/.test(url) && !/^http:\/\/[^\s/]+/.test(url)) {
    problem("must be an https URL such as https://eu1-example.upstash.io", url);
  } else if (url.startsWith("http://") && !LOOPBACK_HOST.test(url.slice(7).split("/")[0]!)) {
    problem("must use https: plain http is accepted for a store on 127.0.0.1 or localhost only, since the token would cross the network in cleartext", url);
  }
  return url;
});

const forecastModes = variable((raw, problem) => {
  const fallback = "fast,accurate";
  const listed = (raw || fallback).split(",").map((m) => m.trim().toLowerCase()).filter(Boolean);
  const modes = [...new Set(listed)].filter((m): m is ForecastMode => (FORECAST_MODES as readonly string[]).includes(m));
  if (modes.length === 0 || modes.length !== new Set(listed).size) {
    problem(`must list fast and/or accurate, comma-separated, the default first (default "${fallback}")`, raw);
    return [...FORECAST_MODES];
  }
  return modes;
});

const corsOrigins = variable((raw, problem) => {
  const origins = (raw ?? "").split(",").map((o) => o.trim().replace(/\/+$/, "")).filter(Boolean);
  for (const origin of origins) {
    if (origin !== "*" && !ORIGIN.test(origin)) {
      problem("must be a comma-separated list of origins such as https://app.example.com, or *", origin);
    }
  }
  return origins;
});

const schema = z.object({
  UPSTASH_REDIS_REST_URL: upstashUrl,
  UPSTASH_REDIS_REST_TOKEN: variable((raw, problem) => {
    if (!raw) problem("is not set: run `wrangler secret put UPSTASH_REDIS_REST_TOKEN` (locally: .dev.vars)");
    return raw ?? "";
  }),
  KEY_PREFIX: matching(PREFIX_PATTERN, `must match ${PREFIX_PATTERN} (the trainer's prefix, default "fc")`, "fc"),
  FORECAST_VERSION: matching(VERSION_PATTERN, "must be empty (follow the live pointer) or a version id like 20260101T000000Z-ab12"),
  EXPLORER: onOff("on"),
  API_DOCS: onOff("on"),
  EDGE_CACHE: onOff("on"),
  CACHE_MAX_AGE: number(300, 0, ONE_YEAR_SECONDS),
  POINTER_TTL: number(5, 0, 3600, false),
  STORE_TIMEOUT_MS: number(2000, 1, 60_000),
  // An isolate has 128 MB in all; the cache must leave most of it to requests.
  MEMORY_CACHE_MB: number(16, 0, 64, false),
  PROPHET_ONLY: onOff("off", " (serve Prophet's forecast for every series)"),
  FORECAST_MODES: forecastModes,
  REQUIRE_API_KEY: onOff("off"),
  ADMIN_TOKEN: variable((raw, problem) => {
    if (raw && raw.length < 16) {
      problem("must be at least 16 characters (use `openssl rand -hex 32 | wrangler secret put ADMIN_TOKEN`), or empty to turn the admin routes off");
    }
    return raw ?? "";
  }),
  RATE_LIMIT: number(600, 0, 1_000_000),
  RATE_LIMIT_WINDOW: number(60, 1, 86_400),
  RATE_LIMIT_BACKEND: matching(/^(binding|upstash)$/, 'must be "binding" (counted in each data centre, no store call) or "upstash" (one global count in the store)', "binding"),
  CORS_ORIGINS: corsOrigins,
  MAX_GRID_SERIES: number(MAX_GRID_SERIES, 1, 10_000),
  MAX_URL_LENGTH: number(4096, 256, 16_384),
  STALE_WHILE_REVALIDATE: number(30, 0, 86_400, false),
  STALE_IF_ERROR: number(86_400, 0, 30 * 86_400, false),
  // "f32" is on, with the float32 layout of version 1 (the rollback of the scaled integers).
  BINARY_FORMAT: variable((raw, problem) => {
    const value = (raw || "on").toLowerCase();
    if (value === "f32") return { on: true, layout: "v1" as BinaryLayout };
    if (ON.includes(value) || OFF.includes(value)) return { on: ON.includes(value), layout: "v2" as BinaryLayout };
    problem('must be "on", "off" or "f32" (on with the float32 layout of version 1; default "on")', raw);
    return { on: true, layout: "v2" as BinaryLayout };
  }),
  FORECAST_SHAPE: matching(/^(v1|v2)$/, 'must be "v2" (integers in steps, the default) or "v1" (the values with their identity, as served before)', "v2"),
  PUBLISHED_GRIDS: onOff("on"),
  PUBLIC_ORIGIN: variable((raw, problem) => {
    const origin = (raw ?? "").replace(/\/+$/, "");
    if (origin && !ORIGIN.test(origin)) problem("must be the Worker's origin such as https://forecast.example.com (no path)", origin);
    return origin || null;
  }),
  PREFETCH_CRON: variable((raw, problem) => {
    const cron = (raw || "45 6 * * *").replace(/\s+/g, " ");
    if (cron === "off") return null;
    if (!CRON_FIELDS.test(cron)) problem('must be "off" or a five-field cron expression listed under [triggers] crons in wrangler.toml', raw);
    return cron;
  }),
  PREFETCH_TOP_N: number(20, 0, 1000),
  HOT_SAMPLE_RATE: number(0.1, 0, 1, false),
  STREAM_WAIT_MS: number(0, 0, 120_000),
  REFRESH_INTERVAL: number(86_400, 60, 30 * 86_400),
  HEALTH_GRACE: number(3600, 0, 7 * 86_400),
  METRICS: onOff("on"),
  METRICS_FLUSH_SECONDS: number(10, 0, 3600, false),
  REQUEST_LOG: onOff("on"),
});

// The env object is stable for an isolate's lifetime, so parsing is keyed by it;
// tests that pass a fresh env per request get a fresh parse.
const parsed = new WeakMap<object, EdgeConfig>();

export function readConfig(env: Env): EdgeConfig {
  let config = parsed.get(env);
  if (!config) {
    config = parseConfig(env);
    parsed.set(env, config);
  }
  return config;
}

// The binding's own limit lives in wrangler.toml and cannot be read at run
// time; RATE_LIMIT and RATE_LIMIT_WINDOW label the answers and must match it.
function bindingProblems(env: Env): ConfigProblem[] {
  const limit = Number(env.RATE_LIMIT?.trim() || 600);
  if (limit === 0 || (env.RATE_LIMIT_BACKEND?.trim() || "binding") !== "binding") return [];
  const problems: ConfigProblem[] = [];
  if (typeof env.RATE_LIMITER?.limit !== "function") {
    problems.push({ variable: "RATE_LIMITER", rule: 'is not bound: add the [[ratelimits]] binding named RATE_LIMITER to wrangler.toml, or set RATE_LIMIT_BACKEND=upstash, or RATE_LIMIT=0 to turn limiting off' });
  }
  const window = env.RATE_LIMIT_WINDOW?.trim() || "60";
  if (window !== "10" && window !== "60") {
    problems.push({ variable: "RATE_LIMIT_WINDOW", rule: "must be 10 or 60 with the Workers rate-limiting binding (its period in wrangler.toml), or set RATE_LIMIT_BACKEND=upstash", got: shown(window) });
  }
  return problems;
}

function parseConfig(env: Env): EdgeConfig {
  const result = schema.safeParse(env, { reportInput: true });
  const problems: ConfigProblem[] = (result.error?.issues ?? []).map((issue) => ({
    variable: String(issue.path[0]),
    rule: issue.message,
    got: "input" in issue && issue.input !== undefined ? shown(issue.input) : undefined,
  }));
  problems.push(...bindingProblems(env));
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const v = result.data;
  const production: ProductionConfig = Object.freeze({
    requireApiKey: v.REQUIRE_API_KEY,
    adminToken: v.ADMIN_TOKEN,
    rateLimit: v.RATE_LIMIT,
    rateLimitWindowSeconds: v.RATE_LIMIT_WINDOW,
    rateLimitBackend: v.RATE_LIMIT_BACKEND as RateLimitBackend,
    corsOrigins: v.CORS_ORIGINS,
    maxGridSeries: v.MAX_GRID_SERIES,
    maxUrlLength: v.MAX_URL_LENGTH,
    staleWhileRevalidateSeconds: v.STALE_WHILE_REVALIDATE,
    staleIfErrorSeconds: v.STALE_IF_ERROR,
    binaryFormat: v.BINARY_FORMAT.on,
    binaryLayout: v.BINARY_FORMAT.layout,
    forecastShape: v.FORECAST_SHAPE as ForecastShape,
    publishedGrids: v.PUBLISHED_GRIDS,
    publicOrigin: v.PUBLIC_ORIGIN,
    prefetchCron: v.PREFETCH_CRON,
    prefetchTopN: v.PREFETCH_TOP_N,
    hotSampleRate: v.HOT_SAMPLE_RATE,
    streamWaitMs: v.STREAM_WAIT_MS,
    refreshIntervalSeconds: v.REFRESH_INTERVAL,
    healthGraceSeconds: v.HEALTH_GRACE,
    metrics: v.METRICS,
    metricsFlushMs: v.METRICS_FLUSH_SECONDS * 1000,
    requestLog: v.REQUEST_LOG,
  });
  return Object.freeze({
    upstashUrl: v.UPSTASH_REDIS_REST_URL,
    upstashToken: v.UPSTASH_REDIS_REST_TOKEN,
    keyPrefix: v.KEY_PREFIX,
    pinnedVersion: v.FORECAST_VERSION || null,
    edgeCache: v.EDGE_CACHE,
    cacheMaxAgeSeconds: v.CACHE_MAX_AGE,
    memoryCacheBytes: Math.round(v.MEMORY_CACHE_MB * 1024 * 1024),
    pointerTtlMs: v.POINTER_TTL * 1000,
    storeTimeoutMs: v.STORE_TIMEOUT_MS,
    explorer: v.EXPLORER,
    apiDocs: v.API_DOCS,
    production,
    modelChoice: Object.freeze({ prophetOnly: v.PROPHET_ONLY, modes: v.FORECAST_MODES }),
  });
}
