// Consumes the retrain requests the Worker enqueues (edge/contract/retrain.ts):
// RPOP takes the oldest first; each request's JSON follows it through
// running → done | failed. A cycle refits every series, so one cycle answers
// every request taken before it, whether it named all series or some.
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
      const id = await this.#redis.rpop<string>(this.#keys.queue);
      if (id === null) break;
      const text = await this.#redis.get<string>(this.#keys.request(id));
      if (text === null) continue;
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
    }
  }

  /** Puts requests back at the consuming end, so the next scheduler takes them first, oldest first. */
  async requeue(requests: RetrainRequest[]): Promise<void> {
    for (const request of [...requests].reverse()) {
      const { startedAt: _, ...queued } = request;
      await this.#save({ ...queued, state: "queued" });
      await this.#redis.rpush(this.#keys.queue, request.id);
    }
  }

  async #save(request: RetrainRequest): Promise<void> {
    await this.#redis.set(this.#keys.request(request.id), JSON.stringify(request), { ex: REQUEST_TTL_SECONDS });
  }
}
