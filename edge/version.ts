// Which version a request reads: the pinned FORECAST_VERSION (rollback) or
// the live pointer. Either answer is kept in isolate memory for POINTER_TTL,
// so a publish becomes visible within that time and most requests skip the
// pointer read. Past POINTER_TTL the remembered answer is still served for
// STALE_WHILE_REVALIDATE seconds while it is re-read in waitUntil, and for
// STALE_IF_ERROR seconds while the store cannot be reached. Response bodies
// are keyed by version and never change, so the pointer is the only thing
// that can be stale. In-flight reads are not shared between requests on purpose:
// workerd ties I/O to the request that started it.
import { VERSION_PATTERN } from "./contract/keys.ts";
import type { EdgeConfig } from "./config.ts";
import { StoreUnavailableError, UnavailableError } from "./errors.ts";
import type { ForecastStore } from "./store.ts";

export interface ResolvedVersion {
  id: string;
  pinned: boolean;
  /** Where the answer came from, for Server-Timing. */
  source: "memory" | "store" | "edge";
  /** Set when the answer is past its freshness window (see STALE_WHILE_REVALIDATE, STALE_IF_ERROR). */
  stale?: "while-revalidate" | "if-error";
}

export interface ResolveOptions {
  /** Skip the isolate's remembered pointer (health checks want the truth). */
  fresh?: boolean;
  /** Where background work goes: the pointer refresh and the Cache API copy of the pointer. */
  waitUntil?: (work: Promise<unknown>) => void;
  /** The request's origin, for the Cache API copy of the last known pointer. */
  origin?: string;
}

const remembered = new Map<string, { version: string; readAt: number; fresh?: ResolvedVersion }>();
/** When each slot's last background refresh started: one at a time, however busy the isolate. */
const refreshing = new Map<string, number>();
const REFRESH_GAP_MS = 1000;
/** After a failed pointer read, requests skip the store this long and answer stale-if-error at once. */
const failingUntil = new Map<string, number>();
const FAILURE_BACKOFF_MS = 1000;
const MAX_REMEMBERED = 64;

/** For tests: forget every remembered pointer, as a new isolate would. */
export function forgetPointers(): void {
  remembered.clear();
  refreshing.clear();
  failingUntil.clear();
}

/** The remembered version while it is within POINTER_TTL, without a promise: the hot path. Null otherwise. */
export function freshVersion(config: EdgeConfig): ResolvedVersion | null {
  const known = remembered.get(`${config.keyPrefix}|${config.pinnedVersion ?? "live"}`);
  if (!known || Date.now() - known.readAt >= config.pointerTtlMs) return null;
  return (known.fresh ??= { id: known.version, pinned: config.pinnedVersion !== null, source: "memory" });
}

export async function resolveVersion(config: EdgeConfig, store: ForecastStore, options: ResolveOptions = {}): Promise<ResolvedVersion> {
  const pinned = config.pinnedVersion;
  // Keyed by prefix, not store URL: a store that moves or fails still has the same versions.
  const slot = `${config.keyPrefix}|${pinned ?? "live"}`;
  const { staleWhileRevalidateSeconds, staleIfErrorSeconds } = config.production;
  const now = Date.now();
  const known = remembered.get(slot);
  const age = known ? now - known.readAt : Infinity;
  const isPinned = pinned !== null;
  if (!options.fresh && known) {
    if (age < config.pointerTtlMs) return { id: known.version, pinned: isPinned, source: "memory" };
    // Past its freshness window but within the revalidate window: answer now, refresh after the response.
    if (options.waitUntil && age < config.pointerTtlMs + staleWhileRevalidateSeconds * 1000) {
      if (now - (refreshing.get(slot) ?? 0) >= REFRESH_GAP_MS) {
        refreshing.set(slot, now);
        options.waitUntil(readVersion(config, store, slot, options).catch(() => undefined));
      }
      return { id: known.version, pinned: isPinned, source: "memory", stale: "while-revalidate" };
    }
  }
  const limit = config.pointerTtlMs + staleIfErrorSeconds * 1000;
  // While the store is known to be failing, do not make every request wait for it to fail again.
  if (!options.fresh && known && age < limit && (failingUntil.get(slot) ?? 0) > now) {
    return { id: known.version, pinned: isPinned, source: "memory", stale: "if-error" };
  }
  try {
    const id = await readVersion(config, store, slot, options);
    failingUntil.delete(slot);
    return { id, pinned: isPinned, source: "store" };
  } catch (err) {
    // The store is unreachable: the last version this isolate (or this data
    // centre) saw keeps answering from the caches, for STALE_IF_ERROR seconds.
    if (!(err instanceof StoreUnavailableError) || options.fresh || staleIfErrorSeconds === 0) throw err;
    failingUntil.set(slot, Date.now() + FAILURE_BACKOFF_MS);
    if (known && age < limit) return { id: known.version, pinned: isPinned, source: "memory", stale: "if-error" };
    const saved = options.origin ? await savedPointer(options.origin, slot) : null;
    if (saved && now - saved.readAt < limit) {
      remembered.set(slot, saved);
      return { id: saved.version, pinned: isPinned, source: "edge", stale: "if-error" };
    }
    throw err;
  }
}

async function readVersion(config: EdgeConfig, store: ForecastStore, slot: string, options: ResolveOptions): Promise<string> {
  const pinned = config.pinnedVersion;
  const version = pinned ? await checkPinned(store, pinned) : await readPointer(store, config.keyPrefix);
  const entry = { version, readAt: Date.now() };
  if (remembered.size >= MAX_REMEMBERED) remembered.clear();
  remembered.set(slot, entry);
  if (options.origin && options.waitUntil && config.edgeCache && config.production.staleIfErrorSeconds > 0) {
    options.waitUntil(savePointer(options.origin, slot, entry).catch(() => undefined));
  }
  return version;
}

// The last pointer read is also kept in the data centre's Cache API, so an
// isolate started while the store is down still knows which version to serve.
function pointerCacheKey(origin: string, slot: string): string {
  return `${origin}/__forecast-pointer/${encodeURIComponent(slot)}`;
}

async function savePointer(origin: string, slot: string, entry: { version: string; readAt: number }): Promise<void> {
  const body = new Response(JSON.stringify(entry), { headers: { "Content-Type": "application/json", "Cache-Control": "public, max-age=2592000" } });
  await caches.default.put(pointerCacheKey(origin, slot), body);
}

async function savedPointer(origin: string, slot: string): Promise<{ version: string; readAt: number } | null> {
  try {
    const hit = await caches.default.match(pointerCacheKey(origin, slot));
    if (!hit) return null;
    const entry = (await hit.json()) as { version?: unknown; readAt?: unknown };
    if (typeof entry.version !== "string" || !VERSION_PATTERN.test(entry.version) || typeof entry.readAt !== "number") return null;
    return { version: entry.version, readAt: entry.readAt };
  } catch {
    return null;
  }
}

async function checkPinned(store: ForecastStore, version: string): Promise<string> {
  if (!(await store.exists(version))) {
    throw new UnavailableError(
      "version_unavailable",
      `FORECAST_VERSION=${version} points at a version that is not retained in the store (expired or never published): set FORECAST_VERSION to a retained version, or unset it to follow the live pointer`,
    );
  }
  return version;
}

async function readPointer(store: ForecastStore, prefix: string): Promise<string> {
  const version = await store.live();
  if (version === null) {
    throw new UnavailableError(
      "no_live_version",
      `no forecast version has been published under KEY_PREFIX "${prefix}" yet: run the trainer's publish, or check that KEY_PREFIX matches the trainer's`,
    );
  }
  // The pointer ends up inside Redis keys and cache URLs: never trust its shape.
  if (!VERSION_PATTERN.test(version)) {
    throw new UnavailableError("version_unavailable", `the live pointer of KEY_PREFIX "${prefix}" holds an invalid version id; republish with the trainer`);
  }
  return version;
}
