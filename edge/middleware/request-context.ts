// The first middleware of every request: gives it an id (the caller's
// X-Request-Id when it is sane, else a new one) returned as a header, refuses
// URLs over MAX_URL_LENGTH, and on the way out counts the request for
// /metrics and writes one structured JSON log line.
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { readConfig, type EdgeConfig, type Env } from "../config.ts";
import { handleError, UrlTooLongError } from "../errors.ts";
import { flushMetrics, recordRequest } from "../metrics.ts";
import { redisFor } from "../store.ts";

export interface RequestContextVariables {
  requestId: string;
  /** Set by the access middleware when the request carried a valid API key. */
  apiKeyId?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestContext(): MiddlewareHandler<{ Bindings: Env; Variables: RequestContextVariables }> {
  return async function requestContextMiddleware(c, next) {
    const started = performance.now();
    const incoming = c.req.header("X-Request-Id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    // A broken configuration is reported by the routes; here it only means no limits, metrics or logs.
    let config: EdgeConfig | null = null;
    try {
      config = readConfig(c.env);
    } catch {
      config = null;
    }
    const limit = config?.production.maxUrlLength;
    if (limit !== undefined && c.req.url.length > limit) {
      // Refused here, but still counted and logged below like any other answer.
      c.res = handleError(new UrlTooLongError(`the URL is ${c.req.url.length} characters; at most ${limit} (MAX_URL_LENGTH): split the request or use * for whole axes`), c);
    } else {
      await next();
    }
    c.res.headers.set("X-Request-Id", requestId);
    if (!config) return;
    const route = routePath(c, -1);
    const status = c.res.status;
    const production = config.production;
    if (production.metrics) {
      recordRequest(route === "*" || route === "/*" ? "unmatched" : route, status);
      const redis = redisFor(config);
      c.executionCtx.waitUntil(
        flushMetrics(redis, config.keyPrefix, production.metricsFlushMs).catch((err: unknown) => console.warn(JSON.stringify({ level: "warn", msg: "metrics flush failed", error: String(err) }))),
      );
    }
    if (production.requestLog) {
      console.log(JSON.stringify({
        level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
        msg: "request",
        requestId,
        method: c.req.method,
        path: c.req.path,
        route,
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        version: c.res.headers.get("X-Forecast-Version") ?? undefined,
        stale: c.res.headers.get("X-Forecast-Stale") ?? undefined,
        apiKey: c.get("apiKeyId"),
        colo: (c.req.raw as { cf?: { colo?: string } }).cf?.colo,
      }));
    }
  };
}
