// Retrain requests: the Worker's admin route enqueues them, the trainer's
// scheduler consumes them. Both sides use these keys and shapes.
import { CODE_PATTERN } from "./keys.ts";

export type RetrainState = "queued" | "running" | "done" | "failed";

export interface RetrainRequest {
  id: string;
  /** "all", or the series to refit as city/store/product fields. */
  series: "all" | string[];
  requestedAt: string;
  state: RetrainState;
  /** Set by the trainer as it works on the request. */
  startedAt?: string;
  finishedAt?: string;
  version?: string;
  error?: string;
}

export const RETRAIN_ID_PATTERN = /^rt-[a-z0-9]{12}$/;

/** A new request id matching RETRAIN_ID_PATTERN (Web Crypto: the Worker and the trainer both make them). */
export function newRetrainId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `rt-${Array.from(bytes, (b) => alphabet[b % 36]).join("")}`;
}

export const MAX_RETRAIN_SERIES = 10_000;

export function retrainKeys(prefix: string) {
  return {
    /** List of request ids, LPUSH by the Worker; the trainer LMOVEs them (oldest first) to `processing`. */
    queue: `${prefix}:retrain:queue`,
    /** List of request ids a scheduler has taken and not yet finished; put back in the queue if it dies. */
    processing: `${prefix}:retrain:processing`,
    /** String: the request as JSON, kept 7 days for status reads. */
    request: (id: string) => `${prefix}:retrain:req:${id}`,
  };
}

export function isSeriesField(field: string): boolean {
  const parts = field.split("/");
  return parts.length === 3 && parts.every((p) => CODE_PATTERN.test(p));
}
