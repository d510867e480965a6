// The project's Upstash-compatible endpoint for a test: over the real Redis at
// REDIS_URL (CI and this machine), else over the in-process store. Each call
// gets its own key prefix, removed again on close.
import { randomBytes } from "node:crypto";
import { Redis } from "@upstash/redis";
import { startUpstashLocal } from "../../upstash-local/server.ts";

export interface TestStore {
  url: string;
  token: string;
  prefix: string;
  /** A client as the trainer configures it (raw strings, no base64 wrapping). */
  redis: Redis;
  close(): Promise<void>;
}

export async function isolatedStore(): Promise<TestStore> {
  const token = randomBytes(12).toString("hex");
  const server = await startUpstashLocal({ token, redisUrl: process.env.REDIS_URL });
  const prefix = `t${randomBytes(5).toString("hex")}`;
  const redis = new Redis({ url: server.url, token, automaticDeserialization: false, responseEncoding: false, enableTelemetry: false });
  return {
    url: server.url, token, prefix, redis,
    async close() {
      const leftovers = await redis.keys(`${prefix}:*`);
      if (leftovers.length) await redis.del(...leftovers);
      await server.close();
    },
  };
}
