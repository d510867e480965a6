// The Worker's configuration: read from the environment once per env object,
// validated as a whole, frozen. Every bad variable is reported in one message
// that says how to fix it, so a deploy is fixed in one round, not five.
import { PREFIX_PATTERN, VERSION_PATTERN } from "./contract/keys.ts";
import { ConfigError } from "./errors.ts";
import { parseModelChoiceConfig, type ModelChoiceConfig } from "./model-choice.ts";
import { parseProductionConfig, type ProductionConfig } from "./production-config.ts";

/** The Worker's bindings: wrangler.toml [vars] plus the secrets. */
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
  /** The explorer's static assets ([assets] in wrangler.toml). */
  ASSETS?: Fetcher;
  REQUIRE_API_KEY?: string;
  ADMIN_TOKEN?: string;
  RATE_LIMIT?: string;
  RATE_LIMIT_WINDOW?: string;
  CORS_ORIGINS?: string;
  MAX_GRID_SERIES?: string;
  MAX_URL_LENGTH?: string;
  STALE_WHILE_REVALIDATE?: string;
  STALE_IF_ERROR?: string;
  BINARY_FORMAT?: string;
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
  /** The production settings (access, limits, caching, prefetch, operations): see production-config.ts. */
  readonly production: ProductionConfig;
  /** PROPHET_ONLY and FORECAST_MODES: which variant of a version is served (model-choice.ts). */
  readonly modelChoice: ModelChoiceConfig;
}

export const DEFAULTS = {
  KEY_PREFIX: "fc",
  EDGE_CACHE: "on",
  CACHE_MAX_AGE: 300,
  POINTER_TTL: 5,
  STORE_TIMEOUT_MS: 2000,
  MEMORY_CACHE_MB: 16,
  EXPLORER: "on",
} as const;

const ONE_YEAR_SECONDS = 31_536_000;

// The env object is stable for an isolate's lifetime, so parsing is keyed by it;
// tests that pass a fresh env per request get a fresh parse.
const parsed = new WeakMap<object, EdgeConfig>();

export function readConfig(env: Env): EdgeConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const config = parseConfig(env);
  parsed.set(env, config);
  return config;
}

function parseConfig(env: Env): EdgeConfig {
  const problems: string[] = [];
  const text = (name: keyof Env): string => String(env[name] ?? "").trim();

  const upstashUrl = text("UPSTASH_REDIS_REST_URL").replace(/\/+$/, "");
  if (!upstashUrl) {
    problems.push("UPSTASH_REDIS_REST_URL is not set: add it to [vars] in wrangler.toml or `wrangler secret put UPSTASH_REDIS_REST_URL` (locally: .dev.vars)");
  } else if (!/^https?:\/\/[^\s/]+/.test(upstashUrl)) {
    problems.push(`UPSTASH_REDIS_REST_URL must be an http(s) URL such as https://eu1-example.upstash.io, got ${JSON.stringify(upstashUrl.slice(0, 80))}`);
  }

  const upstashToken = text("UPSTASH_REDIS_REST_TOKEN");
  if (!upstashToken) {
    problems.push("UPSTASH_REDIS_REST_TOKEN is not set: run `wrangler secret put UPSTASH_REDIS_REST_TOKEN` (locally: .dev.vars)");
  }

  const keyPrefix = text("KEY_PREFIX") || DEFAULTS.KEY_PREFIX;
  if (!PREFIX_PATTERN.test(keyPrefix)) {
    problems.push(`KEY_PREFIX must match ${PREFIX_PATTERN} (the trainer's prefix, default "${DEFAULTS.KEY_PREFIX}"), got ${JSON.stringify(keyPrefix.slice(0, 80))}`);
  }

  const pinned = text("FORECAST_VERSION");
  if (pinned && !VERSION_PATTERN.test(pinned)) {
    problems.push(`FORECAST_VERSION must be empty (follow the live pointer) or a version id like 20260101T000000Z-ab12, got ${JSON.stringify(pinned.slice(0, 80))}`);
  }

  const explorerSwitch = (text("EXPLORER") || DEFAULTS.EXPLORER).toLowerCase();
  if (explorerSwitch !== "on" && explorerSwitch !== "off") {
    problems.push(`EXPLORER must be "on" or "off", got ${JSON.stringify(explorerSwitch.slice(0, 20))}`);
  }

  const cacheSwitch = (text("EDGE_CACHE") || DEFAULTS.EDGE_CACHE).toLowerCase();
  if (cacheSwitch !== "on" && cacheSwitch !== "off") {
    problems.push(`EDGE_CACHE must be "on" or "off", got ${JSON.stringify(cacheSwitch.slice(0, 20))}`);
  }

  const number = (name: keyof Env, fallback: number, min: number, max: number, integer: boolean): number => {
    const raw = text(name);
    if (raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      problems.push(`${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max} (default ${fallback}), got ${JSON.stringify(raw.slice(0, 20))}`);
      return fallback;
    }
    return value;
  };
  const cacheMaxAgeSeconds = number("CACHE_MAX_AGE", DEFAULTS.CACHE_MAX_AGE, 0, ONE_YEAR_SECONDS, true);
  const pointerTtlSeconds = number("POINTER_TTL", DEFAULTS.POINTER_TTL, 0, 3600, false);
  const storeTimeoutMs = number("STORE_TIMEOUT_MS", DEFAULTS.STORE_TIMEOUT_MS, 1, 60_000, true);
  // An isolate has 128 MB in all; the cache must leave most of it to requests.
  const memoryCacheMb = number("MEMORY_CACHE_MB", DEFAULTS.MEMORY_CACHE_MB, 0, 64, false);

  const production = parseProductionConfig(text, number, problems);
  const modelChoice = parseModelChoiceConfig(text, problems);

  if (problems.length > 0) throw new ConfigError(problems);

  return Object.freeze({
    upstashUrl,
    upstashToken,
    keyPrefix,
    pinnedVersion: pinned || null,
    edgeCache: cacheSwitch === "on",
    cacheMaxAgeSeconds,
    memoryCacheBytes: Math.round(memoryCacheMb * 1024 * 1024),
    pointerTtlMs: pointerTtlSeconds * 1000,
    storeTimeoutMs,
    explorer: explorerSwitch === "on",
    production,
    modelChoice,
  });
}
