// Writes one variant of a version's forecasts (Prophet's rollback output, or
// the accurate variant) into its own horizon hashes, in bounded pipelined
// chunks. The version's main writer owns the pointer; these hashes are read
// only by a Worker that asks for the variant.
import type { Redis } from "@upstash/redis";
import { HORIZONS, seriesField, type Horizon } from "../../edge/contract/keys.ts";

export interface VariantWriterOptions {
  /** The hash for one horizon of this variant. */
  key: (h: Horizon) => string;
  chunkSize: number;
  /** Set: keys expire after this many seconds unless the version's commit persists them. */
  ttlSeconds?: number;
}

type Pipeline = ReturnType<Redis["pipeline"]>;

/** Queues one HSET (and EXPIRE, when given) per horizon for a batch of series. */
export function queueHorizons(pipeline: Pipeline, key: (h: Horizon) => string, batch: readonly (readonly [string, Record<Horizon, string>])[], ttlSeconds?: number): void {
  for (const h of HORIZONS) {
    pipeline.hset(key(h), Object.fromEntries(batch.map(([field, encoded]) => [field, encoded[h]])));
    if (ttlSeconds !== undefined) pipeline.expire(key(h), ttlSeconds);
  }
}

export class VariantWriter {
  readonly #redis: Redis;
  readonly #options: VariantWriterOptions;
  #pending: [string, Record<Horizon, string>][] = [];
  #written = 0;
  #busyMs = 0;

  constructor(redis: Redis, options: VariantWriterOptions) {
    this.#redis = redis;
    this.#options = options;
  }

  get written(): number {
    return this.#written;
  }

  get busyMs(): number {
    return this.#busyMs;
  }

  async add(city: string, store: string, product: string, encoded: Record<Horizon, string>): Promise<void> {
    this.#pending.push([seriesField(city, store, product), encoded]);
    if (this.#pending.length >= this.#options.chunkSize) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    const started = performance.now();
    const pipeline = this.#redis.pipeline();
    queueHorizons(pipeline, this.#options.key, batch, this.#options.ttlSeconds);
    await pipeline.exec();
    this.#written += batch.length;
    this.#busyMs += performance.now() - started;
  }
}
