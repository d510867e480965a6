// What only the in-memory store does: refuse functions with a clear way out,
// stop a runaway script, and forget expired keys everywhere (reads, iteration, counts).
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startUpstashLocal, type UpstashLocal } from "../../upstash-local/server.ts";

let server: UpstashLocal;
let redis: Redis;

beforeAll(async () => {
  server = await startUpstashLocal({ token: "memory-test-token" });
  redis = new Redis({ url: server.url, token: server.token });
});

afterAll(async () => {
  await server?.close();
});

test("functions are refused with a message that says how to run them; a runaway script is stopped", async () => {
  await expect(redis.exec(["FCALL", "f", "0"])).rejects.toThrow(
    "ERR FCALL is not supported by the in-memory store (EVAL and EVALSHA are); start upstash-local with --redis-url to use functions",
  );
  // Redis would keep running it; the in-process store would hang for good, so it stops it after 5 s.
  await expect(redis.eval("while true do end", [], [])).rejects.toThrow(/script ran longer than 5 s/);
  expect(await redis.eval("return 1", [], [])).toBe(1);
}, 20_000);

test("expired keys vanish from reads, KEYS, SCAN and DBSIZE", async () => {
  await redis.flushdb();
  await redis.set("stays", "1");
  // Expiries wide enough that a busy machine still reads all three first.
  await redis.set("goes", "1", { px: 500 });
  await redis.hset("goes:hash", { f: "v" });
  await redis.pexpire("goes:hash", 500);
  expect(await redis.dbsize()).toBe(3);
  await sleep(700);
  expect(await redis.dbsize()).toBe(1);
  expect(await redis.keys("*")).toEqual(["stays"]);
  expect(await redis.scan(0)).toEqual(["0", ["stays"]]);
  expect(await redis.hgetall("goes:hash")).toBeNull();
  // A key written again after expiring starts without the old expiry.
  await redis.set("goes", "back");
  expect(await redis.ttl("goes")).toBe(-1);
});

test("flushdb empties the store and close() stops serving", async () => {
  const other = await startUpstashLocal({ token: "t" });
  const client = new Redis({ url: other.url, token: "t", retry: false });
  await client.mset({ a: "1", b: "2" });
  expect(await client.flushdb()).toBe("OK");
  expect(await client.dbsize()).toBe(0);
  await other.close();
  await other.close(); // idempotent
  await expect(client.ping()).rejects.toThrow();
});
