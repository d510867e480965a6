// The read side of the Upstash store: the live pointer, a version's manifest
// and its series hashes, through @upstash/redis over REST. Every failure to
// reach or use the store becomes a StoreUnavailableError (503).
import { Redis } from "@upstash/redis/cloudflare";
import { keys, type Horizon, type Keys } from "./contract/keys.ts";
import type { EdgeConfig } from "./config.ts";
import { StoreUnavailableError } from "./errors.ts";
import { recordStoreCall } from "./metrics.ts";

export interface ForecastStore {
  /** The live version id, or null before the first publish. */
  live(): Promise<string | null>;
  /** Whether a version is still retained (its manifest exists). */
  exists(version: string): Promise<boolean>;
  /** The manifest JSON text of a version, or null when it is not retained. */
  manifest(version: string): Promise<string | null>;
  /** One series' stored value: base64(gzip(JSON SeriesPayload)). */
  series(version: string, h: Horizon, field: string): Promise<string | null>;
  /** Many series of one horizon in one round trip, in the order asked. */
  seriesMany(version: string, h: Horizon, fields: string[]): Promise<(string | null)[]>;
  /** One series' stored history: base64(gzip(JSON SeriesHistory)). */
  history(version: string, field: string): Promise<string | null>;
  /** Many series' histories in one round trip, in the order asked. */
  historyMany(version: string, fields: string[]): Promise<(string | null)[]>;
  /** Whether the version's accurate variant is complete. */
  accurateReady(version: string): Promise<boolean>;
  /**
   * Series of one horizon from a variant's hash (variant.ts): the accurate
   * one, or Prophet's, which falls back to the main hash for the series whose
   * selected model was Prophet (they are stored once).
   */
  variantMany(tag: "accurate" | "prophet", version: string, h: Horizon, fields: string[]): Promise<(string | null)[]>;
}

// One client per isolate and configuration: the client holds no I/O objects,
// so it is safe to share across requests and saves rebuilding it per request.
// Looked up by the configuration object first (stable for an isolate's
// lifetime), by its settings only when a new configuration appears.
const clients = new Map<string, { store: ForecastStore; redis: Redis }>();
const byConfig = new WeakMap<EdgeConfig, { store: ForecastStore; redis: Redis }>();

function clientFor(config: EdgeConfig): { store: ForecastStore; redis: Redis } {
  let client = byConfig.get(config);
  if (client) return client;
  const id = `${config.upstashUrl}|${config.upstashToken}|${config.keyPrefix}|${config.storeTimeoutMs}`;
  client = clients.get(id);
  if (!client) {
    if (clients.size > 16) clients.clear();
    const redis = redisClient(config);
    client = { redis, store: upstashStore(config, redis) };
    clients.set(id, client);
  }
  byConfig.set(config, client);
  return client;
}

export function storeFor(config: EdgeConfig): ForecastStore {
  return clientFor(config).store;
}

/** The raw client, for the operational keys (API keys, counters, admin, rate limits). */
export function redisFor(config: EdgeConfig): Redis {
  return clientFor(config).redis;
}

/** Runs one store command, recording its latency and turning any failure into a StoreUnavailableError. */
export async function storeCall<T>(config: EdgeConfig, what: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await run();
    recordStoreCall(performance.now() - started, true);
    return result;
  } catch (err) {
    recordStoreCall(performance.now() - started, false);
    throw storeError(err, what, config.storeTimeoutMs);
  }
}

function redisClient(config: EdgeConfig): Redis {
  return new Redis({
    url: config.upstashUrl,
    token: config.upstashToken,
    // Values are base64 text already: asking Upstash to base64 them again
    // would add a third of the bytes and a decode per value for nothing.
    responseEncoding: false,
    automaticDeserialization: false,
    enableTelemetry: false,
    readYourWrites: false,
    // Reads here are sequential, so batching would only add a deferral and the
    // /pipeline envelope to every command.
    enableAutoPipelining: false,
    // One quick retry for a dropped connection; the timeout covers both tries.
    retry: { retries: 1, backoff: () => 20 },
    signal: () => AbortSignal.timeout(config.storeTimeoutMs),
  });
}

function upstashStore(config: EdgeConfig, redis: Redis): ForecastStore {
  const k: Keys = keys(config.keyPrefix);
  const call = <T>(what: string, run: () => Promise<T>): Promise<T> => storeCall(config, what, run);
  // With automaticDeserialization off the client hands back Redis' own reply: an array.
  const hmget = async (what: string, key: string, fields: string[]) =>
    fields.length === 0 ? [] : ((await call(what, () => redis.hmget(key, ...fields))) as unknown as (string | null)[]);

  return {
    live: () => call("GET live pointer", () => redis.get<string>(k.live)),
    exists: async (version) => (await call("EXISTS manifest", () => redis.exists(k.manifest(version)))) === 1,
    manifest: (version) => call("GET manifest", () => redis.get<string>(k.manifest(version))),
    series: (version, h, field) => call("HGET series", () => redis.hget<string>(k.horizon(version, h), field)),
    seriesMany: (version, h, fields) => hmget("HMGET grid", k.horizon(version, h), fields),
    history: (version, field) => call("HGET history", () => redis.hget<string>(k.history(version), field)),
    historyMany: (version, fields) => hmget("HMGET history grid", k.history(version), fields),
    accurateReady: async (version) => (await call("EXISTS accurate ready", () => redis.exists(k.accurateReady(version)))) === 1,
    variantMany: async (tag, version, h, fields) => {
      if (tag === "accurate") return hmget("HMGET accurate", k.accurateHorizon(version, h), fields);
      const prophet = await hmget("HMGET prophet", k.prophetHorizon(version, h), fields);
      const missing = fields.filter((_, i) => prophet[i] === null);
      if (missing.length === 0) return prophet;
      const rest = await hmget("HMGET forecasts", k.horizon(version, h), missing);
      let next = 0;
      return prophet.map((value) => value ?? rest[next++] ?? null);
    },
  };
}

// Callers may be anonymous: the answer says what failed and what to do, never
// the store's host or the upstream text, which travel in the cause to the log.
function storeError(err: unknown, what: string, timeoutMs: number): StoreUnavailableError {
  const cause = err instanceof Error ? err : new Error(String(err));
  if (cause.name === "TimeoutError" || cause.name === "AbortError") {
    return new StoreUnavailableError(`the forecast store did not answer ${what} within ${timeoutMs} ms (STORE_TIMEOUT_MS); retry shortly`, { cause });
  }
  if (/unauthori[sz]ed|WRONGPASS|NOAUTH/i.test(cause.message)) {
    return new StoreUnavailableError("the forecast store rejected the Worker's credentials: the operator must check UPSTASH_REDIS_REST_TOKEN", { cause });
  }
  return new StoreUnavailableError(`the forecast store could not serve ${what}; retry shortly (the cause is in the Worker log)`, { cause });
}

export { hashEntries } from "./contract/replies.ts";
