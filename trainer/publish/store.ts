// The trainer's Upstash client. Values are stored as the strings we give
// (automaticDeserialization off), and replies are not base64-wrapped: the
// payloads are already base64 text, so a second encoding would only add bytes.
import { Redis } from "@upstash/redis";
import type { StoreConfig } from "../config.ts";

export function connectStore(store: StoreConfig): Redis {
  return new Redis({
    url: store.url,
    token: store.token,
    automaticDeserialization: false,
    responseEncoding: false,
    enableTelemetry: false,
    retry: { retries: 3, backoff: (n) => Math.min(2000, 100 * 2 ** n) },
  });
}
