// Two cache tiers in front of the store for finished response bodies (gzip
// bytes): the isolate's memory, then the data centre's Cache API. Keys carry the key prefix and the resolved version, so entries never
// need invalidating: a publish simply changes the keys that get asked for.
import type { EdgeConfig } from "./config.ts";
import { MemoryCache } from "./memory-cache.ts";

export interface ForecastBody {
  /** The gzip bytes exactly as they go on the wire. */
  gzip: Uint8Array<ArrayBuffer>;
  /** Strong ETag of the gzip representation, quotes included. */
  etag: string;
}

/** A body held in isolate memory, with the headers of its last answer kept for the next (forecast-response.ts). */
export interface RememberedBody {
  gzip: Uint8Array<ArrayBuffer>;
  prepared?: unknown;
}

type Gzip = Uint8Array<ArrayBuffer>;

export type CacheTier = "memory" | "edge";

// One tier per isolate; its byte budget follows MEMORY_CACHE_MB (16 MiB holds
// thousands of series or hundreds of grids).
export const memoryTier = new MemoryCache<RememberedBody>({ maxEntries: 4096, maxBytes: 16 * 1024 * 1024 });

export function cacheKey(config: EdgeConfig, version: string, path: string): string {
  return `${config.keyPrefix}/${version}/${path}`;
}

/** The memory tier alone, without a promise or an object per request: the hot path. */
export function remembered(config: EdgeConfig, key: string): RememberedBody | undefined {
  if (!config.edgeCache) return undefined;
  memoryTier.resize(config.memoryCacheBytes);
  return memoryTier.get(key);
}

export class ForecastCache {
  readonly #config: EdgeConfig;
  readonly #origin: string;
  readonly #waitUntil: (work: Promise<unknown>) => void;

  /** origin: the request's own origin, so Cache API keys stay inside the Worker's zone. */
  constructor(config: EdgeConfig, origin: string, waitUntil: (work: Promise<unknown>) => void) {
    this.#config = config;
    this.#origin = origin;
    this.#waitUntil = waitUntil;
    memoryTier.resize(config.memoryCacheBytes);
  }

  get enabled(): boolean {
    return this.#config.edgeCache;
  }

  /** The cache key of one response body: prefix, version, then what was asked. */
  key(version: string, path: string): string {
    return cacheKey(this.#config, version, path);
  }

  /** The Cache API's key: a URL inside the Worker's own zone. */
  #url(key: string): string {
    return `${this.#origin}/__forecast-cache/${key}`;
  }

  /** The Cache API tier (the memory tier is read first, by remembered()). */
  async get(key: string): Promise<{ body: RememberedBody; tier: CacheTier } | null> {
    if (!this.enabled) return null;
    const cached = await caches.default.match(this.#url(key));
    if (!cached) return null;
    const body = { gzip: new Uint8Array(await cached.arrayBuffer()) };
    memoryTier.set(key, body, body.gzip.byteLength);
    return { body, tier: "edge" };
  }

  /** Memory now; the Cache API after the response, in waitUntil. */
  put(key: string, body: ForecastBody): RememberedBody {
    const remembered: RememberedBody = { gzip: body.gzip };
    if (!this.enabled) return remembered;
    memoryTier.set(key, remembered, body.gzip.byteLength);
    const maxAge = this.#config.cacheMaxAgeSeconds;
    if (maxAge === 0) return remembered;
    // Stored without Content-Encoding: the entry is our gzip bytes as data, so
    // no runtime ever decodes or re-encodes them on the way in or out.
    const entry = new Response(body.gzip, {
      headers: { "Content-Type": "application/octet-stream", "Cache-Control": `public, max-age=${maxAge}`, ETag: body.etag },
    });
    this.#waitUntil(
      caches.default.put(this.#url(key), entry).catch((err: unknown) => {
        // A failed cache write costs one store read later; it must not fail the request.
        console.warn("Cache API put failed", err);
      }),
    );
    return remembered;
  }
}
