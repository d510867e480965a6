// The last answers, by URL, with their ETags: a repeated request sends
// If-None-Match and a 304 is answered from here without downloading the body
// again. Bounded, least recently used out first.
export interface CachedAnswer {
  etag: string;
  body: unknown;
}

export class AnswerCache {
  readonly #entries = new Map<string, CachedAnswer>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(url: string): CachedAnswer | undefined {
    const entry = this.#entries.get(url);
    if (entry) {
      this.#entries.delete(url);
      this.#entries.set(url, entry);
    }
    return entry;
  }

  set(url: string, entry: CachedAnswer): void {
    if (this.#capacity <= 0) return;
    this.#entries.delete(url);
    this.#entries.set(url, entry);
    while (this.#entries.size > this.#capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }

  clear(): void {
    this.#entries.clear();
  }
}
