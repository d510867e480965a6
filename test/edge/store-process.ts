// Runs the project's Upstash-compatible endpoint for the edge tests in its own
// Node process. The Workers Vitest plugin makes Vite inline every dependency
// (right for code bound for workerd), which breaks CommonJS packages such as
// ioredis inside the global setup, so the store runs here instead. Prints one
// JSON line with its URL; exits when its parent closes stdin or on SIGTERM.
import { startUpstashLocal } from "../../upstash-local/server.ts";

const token = process.env.EDGE_TEST_STORE_TOKEN;
if (!token) throw new Error("EDGE_TEST_STORE_TOKEN must be set");

const store = await startUpstashLocal({ token, port: 0, host: "127.0.0.1", redisUrl: process.env.REDIS_URL || undefined });
process.stdout.write(`${JSON.stringify({ url: store.url, backend: store.backend })}\n`);

const stop = () => void store.close().finally(() => process.exit(0));
process.stdin.on("end", stop);
process.stdin.resume();
process.once("SIGTERM", stop);
