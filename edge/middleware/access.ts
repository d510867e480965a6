// Guards the read API: the API key when REQUIRE_API_KEY is on, then the rate
// limit per key (or per client address without one), with the RateLimit
// headers on every answer. The limiter's store round trip runs beside the
// request instead of before it, so a cache hit does not wait for it twice;
// a request found over the limit gets its 429 instead of the answer.
import type { MiddlewareHandler } from "hono";
import { checkApiKey, presentedKey } from "../access/api-keys.ts";
import { applyRateLimit, type RateLimitOutcome } from "../access/rate-limit.ts";
import { readConfig, type Env } from "../config.ts";
import { handleError } from "../errors.ts";
import { redisFor } from "../store.ts";
import type { RequestContextVariables } from "./request-context.ts";

type Settled = { outcome: RateLimitOutcome | null } | { error: Error };

export function access(): MiddlewareHandler<{ Bindings: Env; Variables: RequestContextVariables }> {
  return async function accessMiddleware(c, next) {
    const config = readConfig(c.env);
    const redis = redisFor(config);
    const key = presentedKey(c.req.raw.headers);
    let identifier = `ip:${c.req.header("CF-Connecting-IP") ?? "unknown"}`;
    // A key that is presented is checked even when keys are optional, so a revoked key never passes silently.
    if (config.production.requireApiKey || key !== null) {
      const record = await checkApiKey(config, redis, key);
      c.set("apiKeyId", record.id);
      identifier = `key:${record.id}`;
    }
    const limiting: Promise<Settled> = applyRateLimit(config, redis, identifier).then(
      (outcome) => ({ outcome }),
      (error: Error) => ({ error }),
    );
    await next();
    const settled = await limiting;
    if ("error" in settled) {
      // Clearing first keeps Hono from copying the refused answer's headers onto the error.
      c.res = undefined;
      c.res = handleError(settled.error, c);
      return;
    }
    if (!settled.outcome) return;
    c.executionCtx.waitUntil(settled.outcome.pending.catch(() => undefined));
    for (const [name, value] of Object.entries(settled.outcome.headers)) c.res.headers.set(name, value);
  };
}
