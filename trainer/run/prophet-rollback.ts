// The Prophet rollback: for every series the selection gave to another
// family, Prophet's forecast is staged beside it under the version, so the
// Worker's PROPHET_ONLY switch can serve Prophet without a retrain.
import type { Redis } from "@upstash/redis";
import { keys } from "../../edge/contract/keys.ts";
import type { ForecastShape } from "../../edge/contract/shape.ts";
import type { FitOutcome } from "../models/types.ts";
import { encodeHorizons } from "../publish/payloads.ts";
import { VariantWriter } from "../publish/variant-writer.ts";
import type { SeriesRecord } from "./fetch.ts";

export class ProphetRollback {
  readonly #writer: VariantWriter;
  readonly #version: string;
  readonly #level: number;
  readonly #roundingShare: number;
  readonly #shape: ForecastShape;

  constructor(redis: Redis, options: { prefix: string; version: string; chunkSize: number; level: number; roundingShare: number; shape: ForecastShape }) {
    const k = keys(options.prefix);
    this.#version = options.version;
    this.#level = options.level;
    this.#roundingShare = options.roundingShare;
    this.#shape = options.shape;
    // Staged like the main hashes: the version's commit persists them (they are among its keys).
    this.#writer = new VariantWriter(redis, { key: (h) => k.prophetHorizon(options.version, h), chunkSize: options.chunkSize, ttlSeconds: 86_400 });
  }

  /** Milliseconds spent writing the rollback hashes. */
  get busyMs(): number {
    return this.#writer.busyMs;
  }

  async add(record: SeriesRecord, prophet: NonNullable<FitOutcome["prophet"]>, origin: string): Promise<void> {
    await this.#writer.add(record.city, record.store, record.product, await encodeHorizons(
      { city: record.city, store: record.store, product: record.product, model: prophet.model, mase: prophet.metrics.mase, ...prophet.forecast, promoDays: record.planned },
      { version: this.#version, origin, level: this.#level, roundingShare: this.#roundingShare, shape: this.#shape },
    ));
  }

  flush(): Promise<void> {
    return this.#writer.flush();
  }
}
