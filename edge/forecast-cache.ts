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

type Gzip = Uint8Array<ArrayBuffer>;

export type CacheTier = "memory" | "edge";

// One tier per isolate; its byte budget follows MEMORY_CACHE_MB (16 MiB holds
// thousands of series or hundreds of grids).
export const memoryTier = new MemoryCache<Gzip>({ maxEntries: 4096, maxBytes: 16 * 1024 * 1024 });

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
    return `${this.#config.keyPrefix}/${version}/${path}`;
  }

  /** The Cache API's key: a URL inside the Worker's own zone. */
  #url(key: string): string {
    return `${this.#origin}/__forecast-cache/${key}`;
  }

  /** The memory tier alone, without a promise: the hot path. */
  remembered(key: string): { gzip: Gzip; tier: CacheTier } | null {
    if (!this.enabled) return null;
    const gzip = memoryTier.get(key);
    return gzip ? { gzip, tier: "memory" } : null;
  }

  async get(key: string): Promise<{ gzip: Gzip; tier: CacheTier } | null> {
    if (!this.enabled) return null;
    const remembered = this.remembered(key);
    if (remembered) return remembered;
    const cached = await caches.default.match(this.#url(key));
    if (!cached) return null;
    const gzip = new Uint8Array(await cached.arrayBuffer());
    memoryTier.set(key, gzip, gzip.byteLength);
    return { gzip, tier: "edge" };
  }

  /** Memory now; the Cache API after the response, in waitUntil. */
  put(key: string, body: ForecastBody): void {
    if (!this.enabled) return;
    memoryTier.set(key, body.gzip, body.gzip.byteLength);
    const maxAge = this.#config.cacheMaxAgeSeconds;
    if (maxAge === 0) return;
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
  }
}
