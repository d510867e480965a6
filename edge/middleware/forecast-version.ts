// Resolves the version a forecast request reads (pinned or live) and records
// the `pointer` stage. Everything after it keys caches by this version, so a
// new publish is never hidden by an older cached entry.
import type { MiddlewareHandler } from "hono";
import type { ServerTimingVariables } from "./server-timing.ts";
import type { EdgeContextVariables } from "./edge-context.ts";
import { resolveVersion, type ResolvedVersion } from "../version.ts";

export interface ForecastVersionVariables {
  version: ResolvedVersion;
}

export interface ForecastVersionOptions {
  /** Skip the isolate's remembered pointer (health checks want the truth). */
  fresh?: boolean;
}

type Needs = { Variables: EdgeContextVariables & ServerTimingVariables & ForecastVersionVariables };

export function forecastVersion(options: ForecastVersionOptions = {}): MiddlewareHandler<Needs> {
  const { fresh = false } = options;
  return async function forecastVersionMiddleware(c, next) {
    const version = await c.var.timing.measure(
      "pointer",
      () => resolveVersion(c.var.config, c.var.store, { fresh, origin: new URL(c.req.url).origin, waitUntil: (work) => c.executionCtx.waitUntil(work) }),
      (v) => `${v.pinned ? "pinned-" : ""}${v.source}${v.stale ? `-stale-${v.stale}` : ""}`,
    );
    c.set("version", version);
    await next();
  };
}
