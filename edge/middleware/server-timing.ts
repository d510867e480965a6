// Gives each request a StageTimer and writes its stages into Server-Timing on
// the way out, error responses included.
import type { MiddlewareHandler } from "hono";
import { StageTimer } from "../timing.ts";

export interface ServerTimingVariables {
  timing: StageTimer;
}

export interface ServerTimingOptions {
  /** Append a `total` metric covering the whole request. */
  total?: boolean;
}

export function serverTiming(options: ServerTimingOptions = {}): MiddlewareHandler<{ Variables: ServerTimingVariables }> {
  const { total = true } = options;
  return async function serverTimingMiddleware(c, next) {
    const timing = new StageTimer();
    const started = performance.now();
    c.set("timing", timing);
    await next();
    if (total) timing.add("total", performance.now() - started);
    const header = timing.header();
    if (header) c.res.headers.set("Server-Timing", header);
  };
}
