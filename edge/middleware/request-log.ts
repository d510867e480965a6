// The outermost step of every request after CORS: on the way out it puts the
// request id (Hono's requestId middleware chose it) on the answer, counts the
// answer for /metrics and writes one structured JSON log line.
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../app-env.ts";
import { readConfig, type EdgeConfig } from "../config.ts";
import { countRequest } from "../metrics.ts";

let isolateTag: string | undefined;
let sequence = 0;

/** Request ids: Cloudflare's Ray ID when there is one, else a per-isolate tag and a counter (no UUID per request). */
export function newRequestId(request: { header(name: string): string | undefined }): string {
  const ray = request.header("CF-Ray");
  if (ray) return ray;
  isolateTag ??= Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${isolateTag}-${(++sequence).toString(36)}`;
}

export function requestLog(): MiddlewareHandler<AppEnv> {
  return async function requestLogMiddleware(c, next) {
    const started = performance.now();
    await next();
    const requestId = c.get("requestId");
    c.res.headers.set("X-Request-Id", requestId);
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
      const headers = c.res.headers;
      console.log(JSON.stringify({
        level: status >= 500 ? "error" : status >= 400 ? "warn" : "info",
        msg: "request",
        requestId,
        method: c.req.method,
        path: c.req.path,
        route,
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        version: headers.get("X-Forecast-Version") ?? undefined,
        stale: headers.get("X-Forecast-Stale") ?? undefined,
        apiKey: c.get("apiKeyId"),
        colo: (c.req.raw as { cf?: { colo?: string } }).cf?.colo,
      }));
    }
  };
}
