// A small least-recently-used map bounded by entry count and bytes. An isolate
// serves many requests, so the hottest forecasts are answered from its memory
// before even the Cache API; entries are keyed by version and never go stale.

export interface MemoryCacheOptions {
  maxEntries: number;
  maxBytes: number;
}

export class MemoryCache<V> {
  readonly #entries = new Map<string, { value: V; bytes: number }>();
  readonly #options: MemoryCacheOptions;
  #bytes = 0;

  constructor(options: MemoryCacheOptions) {
    this.#options = { ...options };
  }

  /** Changes the byte budget (configuration can differ between deploys), evicting as needed. */
  resize(maxBytes: number): void {
    if (maxBytes === this.#options.maxBytes) return;
    this.#options.maxBytes = maxBytes;
    this.#evict();
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    // Map keeps insertion order: re-inserting marks the entry most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, bytes: number): void {
    if (bytes > this.#options.maxBytes) return;
    this.delete(key);
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
    this.#evict();
  }

  #evict(): void {
    while (this.#entries.size > this.#options.maxEntries || this.#bytes > this.#options.maxBytes) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  get size(): number {
    return this.#entries.size;
  }
}
