// One contract, two stores: the real @upstash/redis client against the REST
// endpoint over the in-memory store (always) and over real Redis (when
// REDIS_URL is set). Each test works under its own random key prefix.
import { randomBytes, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "@upstash/redis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { MAX_BODY_BYTES, startUpstashLocal, type UpstashLocal } from "../../upstash-local/server.ts";

const TOKEN = "contract-test-token";
const REDIS_URL = process.env.REDIS_URL;

const stores = [
  { store: "memory", redisUrl: undefined },
  ...(REDIS_URL ? [{ store: "redis", redisUrl: REDIS_URL }] : []),
];

interface RawReply {
  status: number;
  body: any;
}

/** A request as any HTTP client would send it, to check the wire format itself. */
async function post(server: UpstashLocal, path: string, body: string, headers: Record<string, string> = {}): Promise<RawReply> {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${server.token}`, "Content-Type": "application/json", ...headers },
    body,
  });
  expect(response.headers.get("content-type")).toBe("application/json");
  return { status: response.status, body: await response.json() };
}

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

describe.each(stores)("upstash-local over the $store store", ({ store, redisUrl }) => {
  let server: UpstashLocal;
  let redis: Redis;
  let prefix: string;
  const key = (name: string) => `${prefix}${name}`;

  beforeAll(async () => {
    server = await startUpstashLocal({ token: TOKEN, redisUrl });
    redis = new Redis({ url: server.url, token: TOKEN });
  });

  afterAll(async () => {
    await server?.close();
  });

  beforeEach(() => {
    prefix = `test:upstash-local:${randomUUID()}:`;
  });

  afterEach(async () => {
    const keys = await scanAll(redis, `${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  });

  test("reports which store it serves", () => {
    expect(server.backend).toBe(store);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test("set and get round-trip unicode and a 200 KB base64 string", async () => {
    const unicode = "Zürich — 東京 — 🌦️ \u0000 \"quoted\"";
    expect(await redis.set(key("unicode"), unicode)).toBe("OK");
    expect(await redis.get(key("unicode"))).toBe(unicode);

    const large = randomBytes(150 * 1024).toString("base64");
    expect(large.length).toBeGreaterThanOrEqual(200 * 1024);
    expect(await redis.set(key("large"), large)).toBe("OK");
    expect(await redis.get(key("large"))).toBe(large);

    expect(await redis.get(key("missing"))).toBeNull();
  });

  test("runs scripts with EVAL and EVALSHA, atomically, raising command errors and compile errors", async () => {
    const bump = "local n = redis.call('INCRBY', KEYS[1], ARGV[1]); redis.call('EXPIRE', KEYS[1], 60); return {n, redis.call('TTL', KEYS[1])}";
    expect(await redis.eval(bump, [key("n")], ["5"])).toEqual([5, 60]);
    const sha = await redis.scriptLoad(bump);
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await redis.evalsha(sha, [key("n")], ["2"])).toEqual([7, 60]);
    expect(await redis.scriptExists(sha, "0".repeat(40))).toEqual([1, 0]);
    // Twenty scripts at once each see the others' writes whole.
    const runs = await Promise.all(Array.from({ length: 20 }, () => redis.eval("local v = redis.call('GET', KEYS[1]); redis.call('SET', KEYS[1], v + 1); return v + 1", [key("n")], [])));
    expect([...runs].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, i) => 8 + i));
    await redis.set(key("text"), "not a number");
    await expect(redis.eval("return redis.call('INCR', KEYS[1])", [key("text")], [])).rejects.toThrow(/value is not an integer/);
    await expect(redis.eval("return (", [], [])).rejects.toThrow(/Error compiling script/);
    await expect(redis.evalsha("f".repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  test("set honours NX, XX and EX", async () => {
    expect(await redis.set(key("k"), "first", { nx: true })).toBe("OK");
    expect(await redis.set(key("k"), "second", { nx: true })).toBeNull();
    expect(await redis.set(key("absent"), "x", { xx: true })).toBeNull();
    expect(await redis.set(key("k"), "third", { xx: true, ex: 100 })).toBe("OK");
    expect(await redis.get(key("k"))).toBe("third");
    expect(await redis.ttl(key("k"))).toBeGreaterThan(95);
    expect(await redis.exists(key("absent"))).toBe(0);
  });

  test("mget answers null for missing keys", async () => {
    await redis.mset({ [key("a")]: "alpha", [key("c")]: "gamma" });
    expect(await redis.mget(key("a"), key("b"), key("c"))).toEqual(["alpha", null, "gamma"]);
  });

  test("hset, hmget and hgetall", async () => {
    expect(await redis.hset(key("h"), { city: "Oslo", stores: 3 })).toBe(2);
    expect(await redis.hset(key("h"), { stores: 4, products: "x" })).toBe(1);
    expect(await redis.hget(key("h"), "city")).toBe("Oslo");
    expect(await redis.hmget(key("h"), "city", "nope")).toEqual({ city: "Oslo", nope: null });
    expect(await redis.hgetall(key("h"))).toEqual({ city: "Oslo", stores: 4, products: "x" });
    expect(await redis.hlen(key("h"))).toBe(3);
    expect(await redis.hdel(key("h"), "products", "nope")).toBe(1);
    expect(await redis.hgetall(key("missing"))).toBeNull();
  });

  test("expire, ttl and persist", async () => {
    await redis.set(key("k"), "v");
    expect(await redis.ttl(key("k"))).toBe(-1);
    expect(await redis.ttl(key("missing"))).toBe(-2);
    expect(await redis.expire(key("k"), 100)).toBe(1);
    const ttl = await redis.ttl(key("k"));
    expect(ttl).toBeGreaterThanOrEqual(99);
    expect(ttl).toBeLessThanOrEqual(100);
    expect(await redis.pttl(key("k"))).toBeGreaterThan(98_000);
    expect(await redis.persist(key("k"))).toBe(1);
    expect(await redis.persist(key("k"))).toBe(0);
    expect(await redis.ttl(key("k"))).toBe(-1);
    expect(await redis.expire(key("missing"), 100)).toBe(0);

    expect(await redis.pexpire(key("k"), 50)).toBe(1);
    await sleep(120);
    expect(await redis.get(key("k"))).toBeNull();
    expect(await redis.exists(key("k"))).toBe(0);
  });

  test("zadd and zrange with scores, reversed and by score", async () => {
    expect(await redis.zadd(key("z"), { score: 2, member: "b" }, { score: 1.5, member: "a" }, { score: 10, member: "c" }))
      .toBe(3);
    expect(await redis.zrange(key("z"), 0, -1, { withScores: true })).toEqual(["a", 1.5, "b", 2, "c", 10]);
    expect(await redis.zrange(key("z"), 0, 0, { rev: true })).toEqual(["c"]);
    expect(await redis.zrange(key("z"), 1, 5, { byScore: true })).toEqual(["a", "b"]);
    expect(await redis.zrange(key("z"), "(1.5", "+inf", { byScore: true, offset: 0, count: 1 })).toEqual(["b"]);
    expect(await redis.zscore(key("z"), "a")).toBe(1.5);
    expect(await redis.zcard(key("z"))).toBe(3);
    expect(await redis.zrem(key("z"), "b", "nope")).toBe(1);
    expect(await redis.zremrangebyscore(key("z"), "-inf", 2)).toBe(1);
    expect(await redis.zrange(key("z"), 0, -1)).toEqual(["c"]);
  });

  test("incr and incrby count, and refuse a non-integer", async () => {
    expect(await redis.incr(key("n"))).toBe(1);
    expect(await redis.incrby(key("n"), 41)).toBe(42);
    expect(await redis.decr(key("n"))).toBe(41);
    await redis.set(key("word"), "abc");
    await expect(redis.incr(key("word"))).rejects.toThrow("ERR value is not an integer or out of range");
  });

  test("a wrong type is refused with Redis's WRONGTYPE error", async () => {
    await redis.set(key("s"), "v");
    await expect(redis.hget(key("s"), "f")).rejects.toThrow("WRONGTYPE Operation against a key holding the wrong kind of value");
    await redis.hset(key("h"), { f: "v" });
    // MGET is the exception: other types read as nil.
    expect(await redis.mget(key("s"), key("h"))).toEqual(["v", null]);
    expect(await redis.type(key("h"))).toBe("hash");
  });

  test("scan with MATCH and COUNT visits every key once", async () => {
    const names = Array.from({ length: 25 }, (_, i) => key(`scan:${i}`));
    await redis.mset(Object.fromEntries(names.map((name) => [name, "x"])));
    await redis.set(key("other"), "x");
    const seen = await scanAll(redis, `${prefix}scan:*`, 4);
    expect(seen.sort()).toEqual([...names].sort());
  });

  test("a pipeline answers every command, with the failing one's error in place", async () => {
    const pipeline = redis.pipeline();
    pipeline.set(key("k"), "v");
    pipeline.incr(key("k"));
    pipeline.get(key("k"));
    expect(await pipeline.exec({ keepErrors: true })).toEqual([
      { result: "OK", error: undefined },
      { result: undefined, error: "ERR value is not an integer or out of range" },
      { result: "v", error: undefined },
    ]);

    const failing = redis.pipeline();
    failing.get(key("k"));
    failing.hget(key("k"), "f");
    await expect(failing.exec()).rejects.toThrow(/Command 2 \[ hget \] failed: WRONGTYPE/);

    const raw = await post(server, "/pipeline", JSON.stringify([["SET", key("raw"), "1"], ["NOSUCH"], ["INCR", key("raw")]]));
    expect(raw.status).toBe(200);
    expect(raw.body).toEqual([
      { result: "OK" },
      { error: "ERR unknown command 'NOSUCH', with args beginning with: " },
      { result: 2 },
    ]);
  });

  test("multi() runs as one transaction", async () => {
    const transaction = redis.multi();
    transaction.set(key("n"), 1);
    transaction.incr(key("n"));
    transaction.get(key("n"));
    expect(await transaction.exec()).toEqual(["OK", 2, 2]);

    // Concurrent transactions never see each other's writes between INCR and GET.
    const results = await Promise.all(Array.from({ length: 40 }, () => {
      const tx = redis.multi();
      tx.incr(key("counter"));
      tx.get(key("counter"));
      return tx.exec();
    }));
    for (const [incremented, read] of results) expect(read).toBe(incremented);
    expect(new Set(results.map(([incremented]) => incremented)).size).toBe(40);
  });

  test("multi-exec applies nothing when Redis would refuse to queue a command", async () => {
    const refused = await post(server, "/multi-exec", JSON.stringify([["SET", key("k"), "x"], ["NOSUCH", "a"]]));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/^EXECABORT Transaction discarded because of previous errors: ERR unknown command 'NOSUCH'/);
    expect(await redis.exists(key("k"))).toBe(0);

    // A command that fails while running fails alone, as with Redis's EXEC.
    const partial = await post(server, "/multi-exec", JSON.stringify([["SET", key("k"), "x"], ["INCR", key("k")], ["GET", key("k")]]));
    expect(partial.status).toBe(200);
    expect(partial.body).toEqual([
      { result: "OK" },
      { error: "ERR value is not an integer or out of range" },
      { result: "x" },
    ]);
  });

  test("a wrong token is refused", async () => {
    const intruder = new Redis({ url: server.url, token: "not-the-token" });
    await expect(intruder.get(key("k"))).rejects.toThrow(/Unauthorized/);

    const response = await fetch(server.url, { method: "POST", body: JSON.stringify(["GET", key("k")]) });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "Unauthorized" });
  });

  test("Upstash-Encoding: base64 encodes every string except a top-level OK", async () => {
    const encoded = { "Upstash-Encoding": "base64" };
    expect((await post(server, "/", JSON.stringify(["SET", key("k"), "héllo"]), encoded)).body).toEqual({ result: "OK" });
    expect((await post(server, "/", JSON.stringify(["GET", key("k")]), encoded)).body).toEqual({ result: base64("héllo") });
    expect((await post(server, "/", JSON.stringify(["GET", key("k")]))).body).toEqual({ result: "héllo" });
    expect((await post(server, "/", JSON.stringify(["PING"]), encoded)).body).toEqual({ result: base64("PONG") });
    expect((await post(server, "/", JSON.stringify(["MGET", key("k"), key("none")]), encoded)).body)
      .toEqual({ result: [base64("héllo"), null] });
    expect((await post(server, "/", JSON.stringify(["INCR", key("n")]), encoded)).body).toEqual({ result: 1 });
    // A stored value that reads "OK" is indistinguishable from a status reply, as on Upstash.
    await redis.set(key("ok"), "OK");
    expect((await post(server, "/pipeline", JSON.stringify([["GET", key("ok")], ["MGET", key("ok")]]), encoded)).body)
      .toEqual([{ result: "OK" }, { result: [base64("OK")] }]);
    // Errors are never encoded.
    expect((await post(server, "/", JSON.stringify(["INCR", key("k")]), encoded)).body)
      .toEqual({ error: "ERR value is not an integer or out of range" });
  });

  test("a client with responseEncoding: false reads the same values", async () => {
    const plain = new Redis({ url: server.url, token: TOKEN, responseEncoding: false });
    const value = "Zürich 🌦️";
    await plain.set(key("k"), value);
    expect(await plain.get(key("k"))).toBe(value);
    expect(await redis.get(key("k"))).toBe(value);
    await plain.zadd(key("z"), { score: 2.5, member: "m" });
    expect(await plain.zrange(key("z"), 0, -1, { withScores: true })).toEqual(["m", 2.5]);
    const pipeline = plain.pipeline();
    pipeline.get(key("k"));
    pipeline.ping();
    expect(await pipeline.exec()).toEqual([value, "PONG"]);
  });

  test("the URL form of a command works too", async () => {
    const headers = { Authorization: `Bearer ${TOKEN}` };
    const set = await fetch(`${server.url}/set/${encodeURIComponent(key("k"))}/v%2F1?EX=100`, { headers });
    expect(await set.json()).toEqual({ result: "OK" });
    const get = await fetch(`${server.url}/get/${encodeURIComponent(key("k"))}`, { headers });
    expect(await get.json()).toEqual({ result: "v/1" });
    const posted = await fetch(`${server.url}/set/${encodeURIComponent(key("body"))}`, { method: "POST", headers, body: "from body" });
    expect(await posted.json()).toEqual({ result: "OK" });
    expect(await redis.get(key("body"))).toBe("from body");
    expect(await redis.ttl(key("k"))).toBeGreaterThan(95);
  });

  test("a body over Upstash's 10 MB limit gets 413, one just under it is served", async () => {
    const envelope = JSON.stringify(["SET", key("big"), ""]).length;
    const justUnder = JSON.stringify(["SET", key("big"), "x".repeat(MAX_BODY_BYTES - envelope)]);
    expect(justUnder.length).toBe(MAX_BODY_BYTES);
    expect((await post(server, "/", justUnder)).body).toEqual({ result: "OK" });
    expect(await redis.strlen(key("big"))).toBe(MAX_BODY_BYTES - envelope);

    const over = JSON.stringify(["SET", key("over"), "x".repeat(MAX_BODY_BYTES - envelope + 1)]);
    const refused = await post(server, "/", over);
    expect(refused.status).toBe(413);
    expect(refused.body.error).toMatch(/max request size exceeded/);
    expect(await redis.exists(key("over"))).toBe(0);

    // Without a Content-Length the limit is enforced while reading.
    const bytes = new TextEncoder().encode(over);
    const chunked = await fetch(server.url, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: new ReadableStream({
        start(controller) {
          for (let offset = 0; offset < bytes.length; offset += 1 << 20) controller.enqueue(bytes.subarray(offset, offset + (1 << 20)));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await redis.exists(key("over"))).toBe(0);
  });

  test("a body that is not JSON, or not a command, gets 400", async () => {
    const broken = await post(server, "/", `["GET", "${key("k")}"`);
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatch(/not valid JSON/);
    for (const body of ["{}", "[]", "[1]", `["GET", {"k": 1}]`]) {
      const refused = await post(server, "/", body);
      expect(refused.status, body).toBe(400);
      expect(refused.body.error, body).toMatch(/^ERR /);
    }
    const notAList = await post(server, "/pipeline", `["GET", "k"]`);
    expect(notAList.status).toBe(400);
  });

  test("unknown commands and wrong arity are answered with Redis's texts", async () => {
    expect((await post(server, "/", JSON.stringify(["NOSUCH", "a", "b"]))).body)
      .toEqual({ error: "ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' " });
    expect((await post(server, "/", JSON.stringify(["GET"]))).body)
      .toEqual({ error: "ERR wrong number of arguments for 'get' command" });
    // Requests share a connection to Redis, so one may not switch its database.
    const select = await post(server, "/", JSON.stringify(["SELECT", "1"]));
    expect(select.status).toBe(400);
    expect(select.body.error).toMatch(/^ERR /);
  });
});

if (REDIS_URL) {
  // The same raw commands, sent to both stores, must get byte-identical replies.
  describe("the memory store answers exactly like real Redis", () => {
    let memory: UpstashLocal;
    let real: UpstashLocal;
    const prefix = `test:upstash-local:parity:${randomUUID()}:`;

    beforeAll(async () => {
      [memory, real] = await Promise.all([
        startUpstashLocal({ token: TOKEN }),
        startUpstashLocal({ token: TOKEN, redisUrl: REDIS_URL }),
      ]);
    });

    afterAll(async () => {
      const client = new Redis({ url: real.url, token: TOKEN });
      const keys = await scanAll(client, `${prefix}*`);
      if (keys.length > 0) await client.del(...keys);
      await Promise.all([memory?.close(), real?.close()]);
    });

    const scripts: Record<string, string[][]> = {
      strings: [
        ["SET", "s", "v", "NX"], ["SET", "s", "w", "NX"], ["SET", "s", "w", "XX", "GET"], ["GET", "s"],
        ["SET", "s", "1", "EX", "0"], ["SET", "s", "1", "EX", "x"], ["SET", "s", "1", "NX", "XX"],
        ["SET", "s", "1", "KEEPTTL", "EX", "5"], ["SET", "s", "1", "BOGUS"], ["SET", "none", "v", "XX"],
        ["MSET", "m1", "a", "m2"], ["MSET", "m1", "a", "m2", "b"], ["MGET", "m1", "m2", "m3"],
        ["INCR", "n"], ["INCRBY", "n", "-5"], ["DECRBY", "n", "10"], ["INCRBY", "n", "1.5"], ["INCR", "s"],
        ["SET", "big", "9223372036854775806"], ["INCR", "big"], ["INCR", "big"], ["INCRBY", "n", "01"],
        ["GET"], ["GET", "a", "b"], ["PING"], ["PING", "hi"], ["ECHO", "x"], ["Nope", "a"],
      ],
      hashes: [
        ["HSET", "h", "a", "1", "b", "2"], ["HSET", "h", "a"], ["HSET", "h", "a", "3", "c", "x"],
        ["HGET", "h", "a"], ["HGET", "h", "zz"], ["HMGET", "h", "a", "zz", "c"], ["HGETALL", "h"],
        ["HLEN", "h"], ["HEXISTS", "h", "c"], ["HINCRBY", "h", "a", "4"], ["HINCRBY", "h", "c", "1"],
        ["HDEL", "h", "a", "zz"], ["HKEYS", "h"], ["HVALS", "h"], ["HDEL", "h", "b", "c"], ["EXISTS", "h"],
        ["HGETALL", "h"], ["SET", "str", "v"], ["HGET", "str", "a"], ["HSET", "str", "a", "b"], ["HMGET", "nope", "a"],
      ],
      sortedSets: [
        ["ZADD", "z", "1", "a", "0.1", "b", "1e-7", "c", "1e21", "d", "-inf", "e", "2", "f"],
        ["ZRANGE", "z", "0", "-1", "WITHSCORES"], ["ZRANGE", "z", "-2", "100"], ["ZRANGE", "z", "3", "1"],
        ["ZRANGE", "z", "0", "1", "REV", "WITHSCORES"], ["ZRANGE", "z", "(1", "+inf", "BYSCORE"],
        ["ZRANGE", "z", "+inf", "0", "BYSCORE", "REV", "LIMIT", "1", "2", "WITHSCORES"],
        ["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"], ["ZRANGE", "z", "0", "1", "BOGUS"], ["ZRANGE", "z", "a", "1"],
        ["ZRANGE", "z", "x", "1", "BYSCORE"], ["ZREVRANGE", "z", "0", "2", "WITHSCORES"], ["ZREVRANGE", "z", "0", "1", "REV"],
        ["ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES", "LIMIT", "1", "3"], ["ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "-1", "2"],
        ["ZREVRANGEBYSCORE", "z", "2", "(0.1"], ["ZSCORE", "z", "b"], ["ZSCORE", "z", "e"], ["ZSCORE", "z", "zz"],
        ["ZADD", "z", "NX", "XX", "1", "a"], ["ZADD", "z", "GT", "LT", "1", "a"], ["ZADD", "z", "INCR", "1", "a", "2", "b"],
        ["ZADD", "z", "1", "a", "2"], ["ZADD", "z", "x", "a"], ["ZADD", "z", "CH", "5", "a", "0.1", "b", "3", "new"],
        ["ZADD", "z", "GT", "CH", "1", "a", "9", "f"], ["ZADD", "z", "LT", "1", "a"], ["ZADD", "z", "INCR", "2.5", "a"],
        ["ZADD", "z", "NX", "INCR", "1", "a"], ["ZADD", "zx", "XX", "1", "a"], ["EXISTS", "zx"], ["ZADD", "z", "INCR", "+inf", "e"],
        ["ZCARD", "z"], ["ZREM", "z", "a", "zz"], ["ZREMRANGEBYSCORE", "z", "(0.1", "3"], ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        ["ZREM", "z", "b", "c", "d", "e", "f", "new"], ["EXISTS", "z"], ["ZCARD", "z"], ["ZRANGE", "nope", "0", "-1"],
      ],
      keys: [
        ["SET", "k", "v"], ["HSET", "kh", "f", "v"], ["ZADD", "kz", "1", "m"],
        ["TYPE", "k"], ["TYPE", "kh"], ["TYPE", "kz"], ["TYPE", "none"], ["EXISTS", "k", "k", "none", "kh"],
        ["TTL", "k"], ["PTTL", "none"], ["EXPIRE", "k", "100", "XX"], ["EXPIRE", "k", "100", "NX"], ["EXPIRE", "k", "50", "NX"],
        ["EXPIRE", "k", "50", "GT"], ["EXPIRE", "k", "200", "GT"], ["EXPIRE", "k", "300", "LT"], ["EXPIRE", "k", "100", "XX", "LT"],
        ["EXPIRE", "k", "1", "NX", "XX"], ["EXPIRE", "k", "1", "GT", "LT"], ["EXPIRE", "k", "1", "BOGUS"], ["EXPIRE", "k", "x"],
        ["EXPIRE", "kh", "100", "LT"], ["PERSIST", "kh"], ["PERSIST", "k"], ["PERSIST", "k"], ["TTL", "k"],
        ["EXPIRE", "kz", "-1"], ["EXISTS", "kz"], ["PEXPIRE", "none", "10"], ["SCAN", "x"], ["SCAN", "0", "COUNT", "0"],
        ["SCAN", "0", "MATCH"], ["DEL", "k", "kh", "none", "k"], ["EXISTS", "k", "kh"], ["PING", "a", "b"],
      ],
      lists: [
        ["LPUSH", "q", "a"], ["LPUSH", "q", "b", "c"], ["RPUSH", "q", "z"], ["LLEN", "q"], ["LRANGE", "q", "0", "-1"],
        ["LRANGE", "q", "1", "2"], ["LRANGE", "q", "-2", "100"], ["LRANGE", "q", "3", "1"], ["RPOP", "q"], ["LPOP", "q"],
        ["RPOP", "q", "5"], ["EXISTS", "q"], ["RPOP", "q"], ["RPOP", "q", "2"], ["LLEN", "q"], ["LPUSH", "q"],
        ["SET", "str", "v"], ["LPUSH", "str", "a"], ["RPOP", "str"], ["TYPE", "str"], ["LPUSH", "l", "x"], ["TYPE", "l"],
        ["RPUSH", "src", "a", "b", "c"], ["LMOVE", "src", "dst", "RIGHT", "LEFT"], ["LMOVE", "src", "dst", "LEFT", "RIGHT"],
        ["LRANGE", "dst", "0", "-1"], ["LMOVE", "src", "src", "RIGHT", "LEFT"], ["LRANGE", "src", "0", "-1"],
        ["LMOVE", "none", "dst", "LEFT", "LEFT"], ["LMOVE", "src", "dst", "UP", "LEFT"], ["LMOVE", "src", "str", "LEFT", "LEFT"],
        ["LRANGE", "src", "0", "-1"], ["LMOVE", "src", "dst", "left", "left"], ["EXISTS", "src"], ["LMOVE", "str", "dst", "LEFT", "LEFT"],
        ["RPUSH", "r", "x", "y", "x", "z", "x"], ["LREM", "r", "-1", "x"], ["LRANGE", "r", "0", "-1"], ["LREM", "r", "0", "x"],
        ["LREM", "r", "1", "none"], ["LREM", "r", "x", "y"], ["LREM", "none", "0", "a"], ["LREM", "r", "0", "y"], ["LREM", "r", "0", "z"],
        ["EXISTS", "r"], ["LREM", "str", "0", "v"],
      ],
      scripts: [
        ["EVAL", "return 1", "0"], ["EVAL", "return {1, 'two', false, {3}, nil, 5}", "0"], ["EVAL", "return 3.9", "0"],
        ["EVAL", "return redis.call('SET', KEYS[1], ARGV[1])", "1", "s", "v"], ["EVAL", "return redis.call('GET', KEYS[1])", "1", "s"],
        ["EVAL", "return redis.call('GET', KEYS[1])", "1", "missing"], ["EVAL", "return redis.call('GET', KEYS[1]) == false", "1", "missing"],
        ["EVAL", "return redis.status_reply('FINE')", "0"], ["EVAL", "return redis.error_reply('MY error')", "0"],
        ["EVAL", "return redis.pcall('INCR', KEYS[1])", "1", "s"], ["EVAL", "return redis.call('TYPE', KEYS[1])", "1", "s"],
        ["EVAL", "return #KEYS + #ARGV * 10", "2", "a", "b", "c"], ["EVAL", "return unpack({7, 8})", "0"],
        ["EVAL", "redis.call('HSET', KEYS[1], 'f', 'v'); return redis.call('HGETALL', KEYS[1])", "1", "h"],
        ["EVAL", "return redis.call('ZADD', KEYS[1], 1, 'm')", "1", "z"], ["EVAL", "return tonumber(redis.call('ZSCORE', KEYS[1], 'm')) + 1", "1", "z"],
        ["EVAL", "return redis.call('PEXPIRE', KEYS[1], 60000 / 2 * 4)", "1", "z"], ["EVAL", "return redis.call('ZADD', KEYS[1], 0.1, 'n')", "1", "z"],
        ["EVAL", "return redis.call('ZSCORE', KEYS[1], 'n')", "1", "z"], ["EVAL", "return true", "0"], ["EVAL", "return 1", "-1"], ["EVAL", "return 1", "2", "a"], ["EVAL", "return 1", "x"],
        ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"], ["SCRIPT", "LOAD", "return KEYS[1]"],
        ["EVALSHA", "4a2267357833227dd98abdedb8cf24b15a986445", "1", "k"], ["EVALSHA", "4A2267357833227DD98ABDEDB8CF24B15A986445", "1", "k"],
        ["SCRIPT", "EXISTS", "4a2267357833227dd98abdedb8cf24b15a986445", "ffffffffffffffffffffffffffffffffffffffff"],
      ],
      globs: [
        ["MSET", "hello", "1", "hallo", "1", "hxllo", "1", "h*llo", "1", "heello", "1", "h-llo", "1"],
        ["KEYS", "h?llo"], ["KEYS", "h*llo"], ["KEYS", "h[ae]llo"], ["KEYS", "h[^e]llo"], ["KEYS", "h[a-e]llo"],
        ["KEYS", "h[e-a]llo"], ["KEYS", "h\\*llo"], ["KEYS", "h[\\-]llo"], ["KEYS", "h[a-]llo"], ["KEYS", "nothing*"],
      ],
    };

    for (const [name, script] of Object.entries(scripts)) {
      test(`${name} replies match, with and without base64`, async () => {
        const keyed = (encoding: string) =>
          JSON.stringify(script.map(([command, ...args]) => [command, ...args.map((arg, i) =>
            isKeyPosition(command, i, args) ? `${prefix}${encoding}:${arg}` : arg)]));
        const encodings: [string, Record<string, string>][] = [["plain", {}], ["b64", { "Upstash-Encoding": "base64" }]];
        for (const [encoding, headers] of encodings) {
          const body = keyed(encoding);
          const [fromMemory, fromRedis] = await Promise.all([post(memory, "/pipeline", body, headers), post(real, "/pipeline", body, headers)]);
          expect(fromRedis.status).toBe(200);
          // Compared line by line so a mismatch names the command.
          const lines = (reply: RawReply) => reply.body.map((outcome: { result?: unknown }, i: number) =>
            `${script[i].join(" ")} → ${JSON.stringify(unordered(script[i][0], outcome))}`);
          expect(lines(fromMemory)).toEqual(lines(fromRedis));
        }
      });
    }
  });
}

/** KEYS replies in hash-table order on Redis, in creation order in memory: compare them as sets. */
function unordered(command: string, outcome: { result?: unknown }): unknown {
  return command === "KEYS" && Array.isArray(outcome.result) ? { result: [...outcome.result].sort() } : outcome;
}

/** Every argument that names a key in the parity scripts, so each run gets its own keys. */
function isKeyPosition(command: string, argIndex: number, args: string[]): boolean {
  const name = command.toUpperCase();
  if (name === "EVAL" || name === "EVALSHA") return argIndex >= 2 && argIndex < 2 + (Number(args[1]) || 0);
  if (name === "SCRIPT") return false;
  if (name === "LMOVE") return argIndex <= 1;
  if (["MGET", "EXISTS", "DEL", "KEYS"].includes(name)) return true;
  if (name === "MSET") return argIndex % 2 === 0;
  if (["SCAN", "PING", "ECHO", "NOPE"].includes(name)) return false;
  return argIndex === 0;
}

async function scanAll(redis: Redis, match: string, count = 1000): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | number = "0";
  do {
    const [next, page]: [string | number, string[]] = await redis.scan(cursor, { match, count });
    keys.push(...page);
    cursor = next;
  } while (String(cursor) !== "0");
  return keys;
}
