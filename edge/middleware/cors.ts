// CORS for browser clients on the origins in CORS_ORIGINS (hono/cors does the
// protocol). With the list empty no CORS headers are sent, so browsers on
// other origins cannot read the API; preflights are answered before any key
// or rate-limit check.
import type { MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";
import { readConfig, type Env } from "../config.ts";

const EXPOSED = ["ETag", "Server-Timing", "X-Forecast-Version", "X-Forecast-Pinned", "X-Forecast-Stale", "X-Request-Id",
  "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy", "Retry-After"];

export function cors(): MiddlewareHandler<{ Bindings: Env }> {
  const handlers = new Map<string, MiddlewareHandler>();
  return async function corsMiddleware(c, next) {
    let origins: string[];
    try {
      origins = readConfig(c.env).production.corsOrigins;
    } catch {
      origins = [];
    }
    if (origins.length === 0) return next();
    const id = origins.join(",");
    let handler = handlers.get(id);
    if (!handler) {
      handler = honoCors({
        origin: origins.includes("*") ? "*" : (origin) => (origins.includes(origin) ? origin : null),
        allowMethods: ["GET", "HEAD", "POST", "OPTIONS"],
        allowHeaders: ["Authorization", "X-API-Key", "If-None-Match", "Accept", "Content-Type", "X-Request-Id"],
        exposeHeaders: EXPOSED,
        maxAge: 600,
      });
      handlers.set(id, handler);
    }
    return handler(c, next);
  };
}
