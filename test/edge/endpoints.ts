// What the edge tests' global setup (Node) hands to the tests (workerd).
import type {} from "vitest";
export interface EdgeTestEndpoints {
  /** The project's Upstash-compatible endpoint. */
  storeUrl: string;
  storeToken: string;
  /** "redis" over the real Redis at REDIS_URL, else "memory" (the in-process store; it runs scripts too). */
  storeBackend: string;
  /** A loopback port nothing listens on: connection refused. */
  closedStoreUrl: string;
  /** A loopback server that accepts and never answers: a timeout. */
  silentStoreUrl: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    edgeEndpoints: EdgeTestEndpoints;
  }
}
