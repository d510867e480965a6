// Writes one version's series into its horizon hashes in bounded pipelined
// chunks, then makes it live in one fenced pointer move (commit-script.ts).
// Until that last step nothing a reader can find points at the new keys, and
// they carry a staging TTL, so a run that dies half way, or one that finds a
// newer run already live, leaves no trace once the TTL runs out.
import type { Redis } from "@upstash/redis";
import { HORIZONS, keys, seriesField, type Horizon, type Keys } from "../../edge/contract/keys.ts";
import { commitPointer } from "./commit-script.ts";
import { queueHorizons } from "./variant-writer.ts";
import type { Manifest } from "../../edge/contract/payload.ts";

export interface VersionWriterOptions {
  prefix: string;
  version: string;
  /** Series per pipelined request; bounds request size (Upstash caps at 10 MB). */
  chunkSize: number;
  /** How long old versions stay readable after being replaced (rollback window). */
  retentionSeconds: number;
  /** Lifetime of a version's keys until it is committed. */
  stagingSeconds?: number;
  /** Refuse the pointer move when the live run is as new or newer (PUBLISH_FENCE); on by default. */
  fence?: boolean;
}

export class PublishError extends Error {
  override name = "PublishError";
}

/** A newer run was already live at the commit: nothing was published, and this run's keys expire. */
export class SupersededError extends PublishError {
  override name = "SupersededError";
}

interface Pending {
  field: string;
  encoded: Record<Horizon, string>;
  /** The series' encoded SeriesHistory, when history is published. */
  history?: string;
}

export class VersionWriter {
  readonly #redis: Redis;
  readonly #options: VersionWriterOptions;
  readonly #keys: Keys;
  #pending: Pending[] = [];
  #written = 0;
  #historyWritten = 0;
  #busyMs = 0;

  constructor(redis: Redis, options: VersionWriterOptions) {
    this.#redis = redis;
    this.#options = options;
    this.#keys = keys(options.prefix);
  }

  get written(): number {
    return this.#written;
  }

  /** Milliseconds spent waiting on the store, for the run's stage timings. */
  get busyMs(): number {
    return this.#busyMs;
  }

  async add(city: string, store: string, product: string, encoded: Record<Horizon, string>, history?: string): Promise<void> {
    this.#pending.push({ field: seriesField(city, store, product), encoded, history });
    if (this.#pending.length >= this.#options.chunkSize) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    const started = performance.now();
    const staging = this.#options.stagingSeconds ?? 86_400;
    const pipeline = this.#redis.pipeline();
    queueHorizons(pipeline, (h) => this.#keys.horizon(this.#options.version, h), batch.map((p) => [p.field, p.encoded] as const), staging);
    const histories = batch.filter((p) => p.history !== undefined);
    if (histories.length > 0) {
      const key = this.#keys.history(this.#options.version);
      pipeline.hset(key, Object.fromEntries(histories.map((p) => [p.field, p.history!])));
      pipeline.expire(key, staging);
    }
    await pipeline.exec();
    this.#written += batch.length;
    this.#historyWritten += histories.length;
    this.#busyMs += performance.now() - started;
  }

  /**
   * Checks every horizon hash holds every series, then writes the manifest
   * and moves the live pointer in one fenced step. Returns the version replaced.
   */
  async commit(manifest: Manifest): Promise<{ previous: string | null }> {
    await this.flush();
    const started = performance.now();
    const { version, retentionSeconds } = this.#options;
    const k = this.#keys;
    const counts = await Promise.all(HORIZONS.map((h) => this.#redis.hlen(k.horizon(version, h))));
    const short = HORIZONS.filter((_, i) => counts[i] !== this.#written);
    if (short.length) {
      throw new PublishError(`version ${version} is incomplete: horizons ${short.join(", ")} hold ${counts.join("/")} of ${this.#written} series; the live pointer was not moved`);
    }
    const histories = this.#historyWritten > 0 ? await this.#redis.hlen(k.history(version)) : 0;
    if (histories !== this.#historyWritten) {
      throw new PublishError(`version ${version} is incomplete: its history holds ${histories} of ${this.#historyWritten} series; the live pointer was not moved`);
    }
    const outcome = await commitPointer(this.#redis, {
      prefix: this.#options.prefix, version, manifest: JSON.stringify(manifest), trainedAt: Date.parse(manifest.trainedAt),
      retentionSeconds, origin: manifest.origin, runId: manifest.runId, fence: this.#options.fence ?? true,
      keys: { live: k.live, versions: k.versions, versionKeys: k.versionKeys },
    });
    if (!outcome.moved) {
      const [origin, runId] = outcome.superseded.split("|");
      throw new SupersededError(`run ${manifest.runId} (${version}, data to ${manifest.origin}) was superseded: run ${runId} with data to ${origin} is already live; the live pointer was not moved`);
    }
    const { previous } = outcome;
    this.#busyMs += performance.now() - started;
    return { previous };
  }
}
