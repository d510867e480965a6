// Per-key sliding-window rate limits with @upstash/ratelimit on the same
// store. The limiter runs a Lua script; if the store cannot run it (down, or
// a REST endpoint without scripting) the request passes: a broken limiter
// must not take the API down with it, and the failure is counted in /metrics.
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import { edgeKeys } from "../contract/edge-keys.ts";
import type { EdgeConfig } from "../config.ts";
import { RateLimitedError } from "../errors.ts";
import { recordRateLimited, recordStoreCall } from "../metrics.ts";

export interface RateLimitOutcome {
  headers: Record<string, string>;
  /** Analytics and multi-region sync the limiter finishes after the response. */
  pending: Promise<unknown>;
}

const limiters = new Map<string, Ratelimit>();
// Identifiers known to be blocked until a time: saves a store call per request while a client hammers.
const blocked = new Map<string, number>();

function limiterFor(config: EdgeConfig, redis: Redis): Ratelimit {
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
      timeout: config.storeTimeoutMs,
      analytics: false,
    });
    limiters.set(id, limiter);
  }
  return limiter;
}

/** Counts one request against the identifier; throws RateLimitedError (429) past the limit. */
export async function applyRateLimit(config: EdgeConfig, redis: Redis, identifier: string): Promise<RateLimitOutcome | null> {
  const { rateLimit, rateLimitWindowSeconds } = config.production;
  if (rateLimit === 0) return null;
  const started = performance.now();
  let result: Awaited<ReturnType<Ratelimit["limit"]>>;
  try {
    result = await limiterFor(config, redis).limit(identifier);
  } catch (err) {
    recordStoreCall(performance.now() - started, false);
    console.warn(JSON.stringify({ level: "warn", msg: "rate limiter unavailable; request let through", error: String(err).slice(0, 200) }));
    return null;
  }
  if (result.reason !== "cacheBlock") recordStoreCall(performance.now() - started, result.reason !== "timeout");
  const resetSeconds = Math.max(0, Math.ceil((result.reset - Date.now()) / 1000));
  const headers = {
    "RateLimit-Limit": String(result.limit),
    "RateLimit-Remaining": String(Math.max(0, result.remaining)),
    "RateLimit-Reset": String(resetSeconds),
    "RateLimit-Policy": `${rateLimit};w=${rateLimitWindowSeconds}`,
  };
  if (!result.success) {
    recordRateLimited();
    throw new RateLimitedError(
      `over the rate limit of ${rateLimit} requests per ${rateLimitWindowSeconds} s (RATE_LIMIT, RATE_LIMIT_WINDOW) for this ${identifier.startsWith("key:") ? "API key" : "client address"}; retry in ${Math.max(1, resetSeconds)} s`,
      { ...headers, "Retry-After": String(Math.max(1, resetSeconds)) },
    );
  }
  return { headers, pending: result.pending };
}
