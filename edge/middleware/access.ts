// Guards every path under /v1 (routes nobody listed and paths no route
// matches included) and the API reference page: the request frame
// (request-frame.ts) runs this for every request whose path is guarded, so
// a route added later is covered without being named here. In order, before
// any work:
//   1. the key a request presents is looked up in the isolate's key index (no
//      store read for a key id the index lacks);
//   2. the request is counted against its key, or against its client address
//      (CF-Connecting-IP) when it has no valid key, so random keys are limited
//      by address before they are refused; past the limit: 429;
//   3. a wrong key: 401; no key while REQUIRE_API_KEY is on: 401, except
//      under /v1/admin/, where the admin token is the credential.
// Answers to keyed requests are marked private and vary on the key headers,
// so no shared cache hands them to a caller without one.
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { invalidKey, lookUpKey, missingKey, presentedKey } from "../access/key-check.ts";
import { decideRateLimit, type RateLimitDecision } from "../access/rate-limit.ts";
import { readConfig } from "../config.ts";
import { DOCS_PATH } from "../openapi/reference.ts";
import { redisFor } from "../store.ts";

export interface AccessVariables {
  /** Who the request is counted as: `key:<id>` or `ip:<address>`. */
  client: string;
  /** Set when the request carried a valid API key. */
  apiKeyId?: string;
}

export const ADMIN_PATHS = "/v1/admin/";

/** What a request that passed carries to its answer. */
export interface AccessGrant {
  decision: RateLimitDecision | null;
  /** Keyed answers are private and vary on the key headers. */
  keyed: boolean;
}

/** Whether the key and the limit apply: everything under /v1, and the API reference page. */
export function guardedPath(path: string): boolean {
  return path.startsWith("/v1/") || path === "/v1" || path === DOCS_PATH || path.startsWith(`${DOCS_PATH}/`);
}

/** Decides the key and the limit; throws the 401 or 429. */
export async function checkAccess(c: Context<AppEnv>): Promise<AccessGrant> {
  const config = readConfig(c.env);
  const headers = c.req.raw.headers;
  const key = presentedKey(headers);
  const record = key === null ? null : await lookUpKey(config, redisFor(config), key);
  const client = record ? `key:${record.id}` : `ip:${headers.get("CF-Connecting-IP") ?? "unknown"}`;
  const decision = await decideRateLimit(config, c.env, () => redisFor(config), client);
  if (key !== null && record === null) throw invalidKey(key);
  const { requireApiKey } = config.production;
  if (key === null && requireApiKey && !c.req.path.startsWith(ADMIN_PATHS)) throw missingKey();
  c.set("client", client);
  if (record) c.set("apiKeyId", record.id);
  return { decision, keyed: requireApiKey || record !== null };
}

/** The limit's headers, and the key's privacy, on the answer of a request that passed. */
export function applyGrant(c: Context<AppEnv>, { decision, keyed }: AccessGrant): void {
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
}
