// The outermost step of every request, in one layer: CORS first (cors.ts),
// then the request id, the URL limit and, for every path under /v1 and the
// reference page, the key and the rate limit (access.ts); on the way out the
// limit's headers, Server-Timing, the request id on the answer, the /metrics
// count and one JSON log line (request-log.ts). Each layer of middleware
// costs the hot path promises and closures on every request, so the
// project's own per-request steps share this one.
import type { Context, MiddlewareHandler, Next } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../app-env.ts";
import { readConfig, type EdgeConfig } from "../config.ts";
import { handleError, UrlTooLongError } from "../errors.ts";
import { countRequest } from "../metrics.ts";
import { requestLogLine } from "../request-log.ts";
import { serverTimingHeader } from "../timing.ts";
import { applyGrant, checkAccess, guardedPath, type AccessGrant } from "./access.ts";
import { corsFor } from "./cors.ts";

export interface FrameVariables {
  /** The caller's own X-Request-Id when it is short and plain, else Cloudflare's Ray ID, else a per-isolate tag and a counter. */
  requestId: string;
  /** Server-Timing entries of this request (timing.ts). */
  timings: string[];
}

const MAX_REQUEST_ID = 128;
const PLAIN_ID = /^[\w\-=]+$/;
let isolateTag: string | undefined;
let sequence = 0;

/** Request ids without a UUID per request. */
export function requestIdOf(headers: Headers): string {
  const own = headers.get("X-Request-Id");
  if (own && own.length <= MAX_REQUEST_ID && PLAIN_ID.test(own)) return own;
  const ray = headers.get("CF-Ray");
  if (ray) return ray;
  isolateTag ??= Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${isolateTag}-${(++sequence).toString(36)}`;
}

/** A grid query is the only long URL the API has, and its length bounds the work it asks for. */
function urlTooLong(c: Context<AppEnv>): UrlTooLongError | null {
  const length = c.req.url.length;
  // Short URLs need no configuration; a broken one is reported by the routes.
  if (length <= 256) return null;
  const limit = readConfig(c.env).production.maxUrlLength;
  if (length <= limit) return null;
  return new UrlTooLongError(`the URL is ${length} characters; at most ${limit} (MAX_URL_LENGTH): split the request or use * for whole axes`);
}

async function framed(c: Context<AppEnv>, next: Next): Promise<void> {
  const started = performance.now();
  const requestId = requestIdOf(c.req.raw.headers);
  c.set("requestId", requestId);
  const timings: string[] = [];
  c.set("timings", timings);
  let grant: AccessGrant | undefined;
  try {
    const tooLong = urlTooLong(c);
    if (tooLong) throw tooLong;
    if (guardedPath(c.req.path)) grant = await checkAccess(c);
    await next();
  } catch (err) {
    // A refusal here (414, 401, 429) is answered as the routes' errors are.
    c.res = handleError(err instanceof Error ? err : new Error(String(err)), c);
  }
  if (grant) applyGrant(c, grant);
  const ms = performance.now() - started;
  const headers = c.res.headers;
  headers.set("X-Request-Id", requestId);
  headers.append("Server-Timing", serverTimingHeader(timings, ms));
  // A broken configuration is answered by the routes; here it only means no metrics or logs.
  let config: EdgeConfig;
  try {
    config = readConfig(c.env);
  } catch {
    return;
  }
  const { metrics, requestLog } = config.production;
  if (!metrics && !requestLog) return;
  const route = routePath(c, -1);
  const status = c.res.status;
  if (metrics) countRequest(c, config, route === "*" || route === "/*" || route === "/v1/*" ? "unmatched" : route, status);
  if (requestLog) {
    // Set by the forecast context (not on health, metrics or refused requests).
    const version = c.get("version");
    console.log(requestLogLine({
      requestId, method: c.req.method, path: c.req.path, route, status, ms,
      version: version?.id, stale: version?.stale, apiKey: c.get("apiKeyId"),
      colo: (c.req.raw as { cf?: { colo?: string } }).cf?.colo,
    }));
  }
}

export function requestFrame(): MiddlewareHandler<AppEnv> {
  return function requestFrameMiddleware(c, next) {
    const cors = corsFor(c.env);
    return cors ? cors(c, () => framed(c, next)) : framed(c, next);
  };
}
