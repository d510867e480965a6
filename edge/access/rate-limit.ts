// Rate limits, decided before any work is done for the request. Two backends:
//   binding  the Workers rate-limiting binding ([[ratelimits]] in wrangler.toml),
//            counted in the data centre: no store round trip (the default);
//   upstash  @upstash/ratelimit's sliding window in the store: one count for
//            the whole world, at one store round trip per request.
// A limiter that cannot answer lets the request through (a broken limiter must
// not take the API down); after a failure the store limiter is skipped for a
// moment, so a hanging store does not delay every request by its timeout.
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import { edgeKeys } from "../contract/edge-keys.ts";
import type { EdgeConfig, Env } from "../config.ts";
import { RateLimitedError } from "../errors.ts";
import { recordRateLimited, recordStoreCall } from "../metrics.ts";

export interface RateLimitDecision {
  /** Headers for the answer; only what is known (the binding does not say what remains). */
  headers: Readonly<Record<string, string>>;
  /** The store limiter's bookkeeping, finished after the response in waitUntil. */
  pending?: Promise<unknown>;
}

const limiters = new Map<string, Ratelimit>();
// Identifiers known to be blocked until a time: saves a store call per request while a client hammers.
const blocked = new Map<string, number>();
/** After the store limiter fails or times out, requests pass without asking it for this long. */
const FAILURE_BACKOFF_MS = 5_000;
/** The store limiter's own deadline: it decides before the request does any work, so it must be quick. */
const STORE_LIMIT_TIMEOUT_MS = 250;
let storeFailingUntil = 0;

function storeLimiter(config: EdgeConfig, redis: Redis): Ratelimit {
  const { rateLimit, rateLimitWindowSeconds } = config.production;
  const id = `${config.upstashUrl}|${config.keyPrefix}|${rateLimit}|${rateLimitWindowSeconds}`;
  let limiter = limiters.get(id);
  if (!limiter) {
    if (limiters.size > 16) limiters.clear();
    limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(rateLimit, `${rateLimitWindowSeconds} s`),
      prefix: edgeKeys(config.keyPrefix).rateLimit,
      ephemeralCache: blocked,
      timeout: Math.min(config.storeTimeoutMs, STORE_LIMIT_TIMEOUT_MS),
      analytics: false,
    });
    limiters.set(id, limiter);
  }
  return limiter;
}

function refused(config: EdgeConfig, identifier: string, retryAfter: number, headers: Readonly<Record<string, string>>): RateLimitedError {
  const { rateLimit, rateLimitWindowSeconds } = config.production;
  recordRateLimited();
  return new RateLimitedError(
    `over the rate limit of ${rateLimit} requests per ${rateLimitWindowSeconds} s (RATE_LIMIT, RATE_LIMIT_WINDOW) for this ${identifier.startsWith("key:") ? "API key" : "client address"}; retry in ${retryAfter} s`,
    { ...headers, "Retry-After": String(retryAfter) },
  );
}

// Built once per configuration: every answer carries it.
const policies = new WeakMap<EdgeConfig, Readonly<Record<string, string>>>();

function policyOf(config: EdgeConfig): Readonly<Record<string, string>> {
  let policy = policies.get(config);
  if (!policy) {
    const { rateLimit, rateLimitWindowSeconds } = config.production;
    policies.set(config, (policy = Object.freeze({ "RateLimit-Policy": `${rateLimit};w=${rateLimitWindowSeconds}` })));
  }
  return policy;
}

/**
 * Counts one request against the identifier (`key:<id>` or `ip:<address>`).
 * Null when limiting is off; throws RateLimitedError (429) past the limit.
 */
export function decideRateLimit(config: EdgeConfig, env: Env, redis: () => Redis, identifier: string): Promise<RateLimitDecision | null> {
  const { rateLimit } = config.production;
  if (rateLimit === 0) return Promise.resolve(null);
  // The binding's answer is the whole decision: one promise, no async frame of this function's own.
  if (config.production.rateLimitBackend === "binding") return bindingDecision(config, env, identifier);
  return storeDecision(config, redis, identifier);
}

function letThrough(err: unknown): null {
  console.warn(JSON.stringify({ level: "warn", msg: "rate limiter unavailable; request let through", error: String(err).slice(0, 200) }));
  return null;
}

function bindingDecision(config: EdgeConfig, env: Env, identifier: string): Promise<RateLimitDecision | null> {
  const policy = policyOf(config);
  let asked: Promise<{ success: boolean }>;
  try {
    asked = env.RATE_LIMITER!.limit({ key: `${config.keyPrefix}|${identifier}` });
  } catch (err) {
    return Promise.resolve(letThrough(err));
  }
  return asked.then(({ success }) => {
    // The binding's windows are fixed: a window is the longest wait.
    if (!success) throw refused(config, identifier, config.production.rateLimitWindowSeconds, policy);
    return { headers: policy };
  }, letThrough);
}

async function storeDecision(config: EdgeConfig, redis: () => Redis, identifier: string): Promise<RateLimitDecision | null> {
  const policy = policyOf(config);
  if (Date.now() < storeFailingUntil) return null;
  const started = performance.now();
  let result: Awaited<ReturnType<Ratelimit["limit"]>>;
  try {
    result = await storeLimiter(config, redis()).limit(identifier);
  } catch (err) {
    recordStoreCall(performance.now() - started, false);
    storeFailingUntil = Date.now() + FAILURE_BACKOFF_MS;
    return letThrough(err);
  }
  if (result.reason === "timeout") {
    // The limiter gave up waiting and let the request through: it knows nothing to tell the client.
    recordStoreCall(performance.now() - started, false);
    storeFailingUntil = Date.now() + FAILURE_BACKOFF_MS;
    return { headers: policy, pending: result.pending };
  }
  if (result.reason !== "cacheBlock") recordStoreCall(performance.now() - started, true);
  const resetSeconds = Math.max(0, Math.ceil((result.reset - Date.now()) / 1000));
  const headers = {
    "RateLimit-Limit": String(result.limit),
    "RateLimit-Remaining": String(Math.max(0, result.remaining)),
    "RateLimit-Reset": String(resetSeconds),
    ...policy,
  };
  if (!result.success) throw refused(config, identifier, Math.max(1, resetSeconds), headers);
  return { headers, pending: result.pending };
}

/** For tests: forget that the store limiter failed. */
export function resetRateLimiters(): void {
  storeFailingUntil = 0;
  blocked.clear();
}
