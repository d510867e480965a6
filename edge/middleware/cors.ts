// CORS for browser clients on the origins in CORS_ORIGINS (hono/cors does the
// protocol). With the list empty no CORS headers are sent, so browsers on
// other origins cannot read the API; preflights are answered before any key
// or rate-limit check (request-frame.ts runs this first).
import type { MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";
import { readConfig, type Env } from "../config.ts";

const EXPOSED = ["ETag", "Server-Timing", "X-Forecast-Version", "X-Forecast-Pinned", "X-Forecast-Stale", "X-Request-Id",
  "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy", "Retry-After"];

const handlers = new Map<string, MiddlewareHandler>();

/** The CORS middleware for this environment's origins, or null when CORS is off (or the configuration is broken). */
export function corsFor(env: Env): MiddlewareHandler | null {
  let origins: string[];
  try {
    origins = readConfig(env).production.corsOrigins;
  } catch {
    return null;
  }
  if (origins.length === 0) return null;
  const id = origins.join(",");
  let handler = handlers.get(id);
  if (!handler) {
    if (handlers.size > 16) handlers.clear();
    handler = honoCors({
      origin: origins.includes("*") ? "*" : (origin) => (origins.includes(origin) ? origin : null),
      allowMethods: ["GET", "HEAD", "POST", "OPTIONS"],
      allowHeaders: ["Authorization", "X-API-Key", "If-None-Match", "Accept", "Content-Type", "X-Request-Id"],
      exposeHeaders: EXPOSED,
      maxAge: 600,
    });
    handlers.set(id, handler);
  }
  return handler;
}
