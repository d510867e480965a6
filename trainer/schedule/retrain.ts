// Consumes the retrain requests the Worker enqueues (edge/contract/retrain.ts):
// LMOVE takes the oldest first into a processing list in one step, so a
// scheduler that dies with requests in hand leaves them there, and the next
// one puts them back (recover) instead of losing them. Each request's JSON
// follows it through running → done | failed. A cycle refits every series,
// so one cycle answers every request taken before it, whether it named all
// series or some.
import type { Redis } from "@upstash/redis";
import { newRetrainId, retrainKeys, type RetrainRequest } from "../../edge/contract/retrain.ts";

/** How long a finished request stays readable, as the Worker sets it when enqueuing. */
const REQUEST_TTL_SECONDS = 7 * 86_400;

export class RetrainQueue {
  readonly #redis: Redis;
  readonly #keys: ReturnType<typeof retrainKeys>;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#keys = retrainKeys(prefix);
  }

  /** Queues a request as the Worker's admin route does (a plan change queues the series it changed). */
  async enqueue(series: RetrainRequest["series"]): Promise<RetrainRequest> {
    const request: RetrainRequest = { id: newRetrainId(), series, requestedAt: new Date().toISOString(), state: "queued" };
    const tx = this.#redis.multi();
    tx.set(this.#keys.request(request.id), JSON.stringify(request), { ex: REQUEST_TTL_SECONDS });
    tx.lpush(this.#keys.queue, request.id);
    await tx.exec();
    return request;
  }

  /** Takes up to `max` queued requests and marks them running. Ids whose JSON has expired are dropped. */
  async take(max = 100): Promise<RetrainRequest[]> {
    const taken: RetrainRequest[] = [];
    while (taken.length < max) {
      const id = await this.#redis.lmove<string>(this.#keys.queue, this.#keys.processing, "right", "left");
      if (id === null) break;
      const text = await this.#redis.get<string>(this.#keys.request(id));
      if (text === null) {
        await this.#redis.lrem(this.#keys.processing, 1, id);
        continue;
      }
      const request = { ...(JSON.parse(text) as RetrainRequest), state: "running" as const, startedAt: new Date().toISOString() };
      await this.#save(request);
      taken.push(request);
    }
    return taken;
  }

  async finish(requests: RetrainRequest[], outcome: { version: string } | { error: string }): Promise<void> {
    const finishedAt = new Date().toISOString();
    for (const request of requests) {
      await this.#save("version" in outcome
        ? { ...request, state: "done", finishedAt, version: outcome.version }
        : { ...request, state: "failed", finishedAt, error: outcome.error });
      await this.#redis.lrem(this.#keys.processing, 1, request.id);
    }
  }

  /** Puts requests back at the consuming end, so the next scheduler takes them first, oldest first. */
  async requeue(requests: RetrainRequest[]): Promise<void> {
    for (const request of [...requests].reverse()) {
      const { startedAt: _, ...queued } = request;
      await this.#save({ ...queued, state: "queued" });
      // Queued again before it leaves `processing`: a crash in between repeats the request rather than losing it.
      await this.#redis.rpush(this.#keys.queue, request.id);
      await this.#redis.lrem(this.#keys.processing, 1, request.id);
    }
  }

  /**
   * Puts back every request a stopped scheduler had taken, oldest at the
   * consuming end. Only the holder of the schedule lock calls this, so no
   * live scheduler can be working on them. Returns how many it put back.
   */
  async recover(): Promise<number> {
    let recovered = 0;
    for (;;) {
      const id = await this.#redis.lmove<string>(this.#keys.processing, this.#keys.queue, "left", "right");
      if (id === null) return recovered;
      recovered++;
      const text = await this.#redis.get<string>(this.#keys.request(id));
      if (text !== null) {
        const { startedAt: _, ...queued } = JSON.parse(text) as RetrainRequest;
        await this.#save({ ...queued, state: "queued" });
      }
    }
  }

  async #save(request: RetrainRequest): Promise<void> {
    await this.#redis.set(this.#keys.request(request.id), JSON.stringify(request), { ex: REQUEST_TTL_SECONDS });
  }
}
