// Guards everything under /v1 (the API sub-app mounts it for every route, so
// a new route is covered without being listed). In order, before any work:
//   1. the key a request presents is looked up in the isolate's key index (no
//      store read for a key id the index lacks);
//   2. the request is counted against its key, or against its client address
//      (CF-Connecting-IP) when it has no valid key, so random keys are limited
//      by address before they are refused; past the limit: 429;
//   3. a wrong key: 401; no key while REQUIRE_API_KEY is on: 401, except
//      under /v1/admin/, where the admin token is the credential.
// Answers to keyed requests are marked private and vary on the key headers,
// so no shared cache hands them to a caller without one.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { invalidKey, lookUpKey, missingKey, presentedKey } from "../access/key-check.ts";
import { decideRateLimit } from "../access/rate-limit.ts";
import { readConfig } from "../config.ts";
import { redisFor } from "../store.ts";

export interface AccessVariables {
  /** Who the request is counted as: `key:<id>` or `ip:<address>`. */
  client: string;
  /** Set when the request carried a valid API key. */
  apiKeyId?: string;
}

export const ADMIN_PATHS = "/v1/admin/";

export function access(): MiddlewareHandler<AppEnv> {
  return async function accessMiddleware(c, next) {
    const config = readConfig(c.env);
    const key = presentedKey(c.req.raw.headers);
    const record = key === null ? null : await lookUpKey(config, redisFor(config), key);
    const client = record ? `key:${record.id}` : `ip:${c.req.header("CF-Connecting-IP") ?? "unknown"}`;
    const decision = await decideRateLimit(config, c.env, () => redisFor(config), client);
    if (key !== null && record === null) throw invalidKey(key);
    const keyed = config.production.requireApiKey || record !== null;
    if (key === null && config.production.requireApiKey && !c.req.path.startsWith(ADMIN_PATHS)) throw missingKey();
    c.set("client", client);
    if (record) c.set("apiKeyId", record.id);
    await next();
    const headers = c.res.headers;
    if (decision) {
      for (const name in decision.headers) headers.set(name, decision.headers[name]!);
      if (decision.pending) c.executionCtx.waitUntil(decision.pending.catch(() => undefined));
    }
    if (keyed) {
      const cacheControl = headers.get("Cache-Control");
      if (cacheControl?.startsWith("public")) headers.set("Cache-Control", `private${cacheControl.slice(6)}`);
      headers.append("Vary", "Authorization, X-API-Key");
    }
  };
}
