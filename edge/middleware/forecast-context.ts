// What every forecast, history and meta route reads, its handler wrapped in
// withForecastContext: the validated configuration, the store client (both
// built once per isolate) and the version to read (pinned or live), recorded
// as the `pointer` stage.
// Everything after it keys caches by this version, so a new publish is never
// hidden by an older cached entry. A bad environment fails here, with every
// problem listed, before any route runs.
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { readConfig, type EdgeConfig } from "../config.ts";
import { storeFor, type ForecastStore } from "../store.ts";
import { stage } from "../timing.ts";
import { freshVersion, resolveVersion, type ResolvedVersion } from "../version.ts";

export interface ForecastContextVariables {
  config: EdgeConfig;
  store: ForecastStore;
  version: ResolvedVersion;
}

/** The request's origin (scheme and host), for Cache API keys. */
export function requestOrigin(c: Context): string {
  const url = c.req.url;
  return url.slice(0, url.indexOf("/", url.indexOf("//") + 2));
}

function settle(c: Context<AppEnv, string>, config: EdgeConfig, store: ForecastStore, version: ResolvedVersion, started: number): void {
  stage(c, "pointer", started, `${version.pinned ? "pinned-" : ""}${version.source}${version.stale ? `-stale-${version.stale}` : ""}`);
  c.set("config", config);
  c.set("store", store);
  c.set("version", version);
}

/**
 * Wraps a read route's handler: the context is set before it runs. Not a
 * middleware layer of its own, so the hot path pays no dispatch, and no
 * promise while the remembered pointer is fresh.
 */
export function withForecastContext<P extends string>(handler: (c: Context<AppEnv, P>) => Response | Promise<Response>): (c: Context<AppEnv, P>) => Response | Promise<Response> {
  return function forecastContextHandler(c) {
    const config = readConfig(c.env);
    const store = storeFor(config);
    const started = performance.now();
    // The remembered pointer within POINTER_TTL: no promise of this step's own.
    const fresh = freshVersion(config);
    if (fresh) {
      settle(c, config, store, fresh, started);
      return handler(c);
    }
    return (async () => {
      const version = await resolveVersion(config, store, { origin: requestOrigin(c), waitUntil: (work) => c.executionCtx.waitUntil(work) });
      settle(c, config, store, version, started);
      return handler(c);
    })();
  };
}
