// Which version a request reads: the pinned FORECAST_VERSION (rollback) or
// the live pointer. Either answer is kept in isolate memory for POINTER_TTL,
// so a publish becomes visible within that time and most requests skip the
// pointer read. In-flight reads are not shared between requests on purpose:
// workerd ties I/O to the request that started it.
import { VERSION_PATTERN } from "./contract/keys.ts";
import type { EdgeConfig } from "./config.ts";
import { UnavailableError } from "./errors.ts";
import type { ForecastStore } from "./store.ts";

export interface ResolvedVersion {
  id: string;
  pinned: boolean;
  /** Where the answer came from, for Server-Timing. */
  source: "memory" | "store";
}

const remembered = new Map<string, { version: string; expiresAt: number }>();
const MAX_REMEMBERED = 64;

export async function resolveVersion(config: EdgeConfig, store: ForecastStore, options: { fresh?: boolean } = {}): Promise<ResolvedVersion> {
  const pinned = config.pinnedVersion;
  const slot = `${config.upstashUrl}|${config.keyPrefix}|${pinned ?? "live"}`;
  const now = Date.now();
  const known = options.fresh ? undefined : remembered.get(slot);
  if (known && known.expiresAt > now) return { id: known.version, pinned: pinned !== null, source: "memory" };

  const version = pinned ? await checkPinned(store, pinned) : await readPointer(store, config.keyPrefix);
  if (config.pointerTtlMs > 0) {
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(slot, { version, expiresAt: now + config.pointerTtlMs });
  }
  return { id: version, pinned: pinned !== null, source: "store" };
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
