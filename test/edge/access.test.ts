import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { API_KEY_CACHE_MS } from "../../edge/access/key-check.ts";
import { issueApiKey, revokeApiKey } from "../../edge/contract/api-keys.ts";
import { edgeHarness, readJson, testBindings, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion } from "./publish.ts";

const small = catalogue(1, 1, 2);
const ADMIN = "admin-token-for-tests-0123456789";

describe("access: API keys, admin token, rate limits, CORS", () => {
  let edge: EdgeHarness;
  beforeEach(async () => {
    edge = edgeHarness();
    await publishVersion(edge.redis, small, { prefix: edge.prefix });
  });
  afterEach(() => edge.cleanup());

  const errorCode = async (res: Response) => (await readJson(res)).error.code as string;

  it("REQUIRE_API_KEY=on: 401 without a key or with an unknown one, 200 with an issued key, 401 once revoked", async () => {
    const env = { REQUIRE_API_KEY: "on" };
    const issued = await issueApiKey(edge.redis, edge.prefix, "dashboard");
    expect(issued.key).toMatch(/^fk_[a-z0-9]{8}_[A-Za-z0-9]{32}$/);
    // The store holds the key's hash only.
    const stored = await edge.redis.keys(`${edge.prefix}:apikey*`);
    for (const name of stored) expect(name).not.toContain(issued.key);

    const none = await edge.get("/v1/forecast/c1/s1/p1", { env });
    expect(none.status).toBe(401);
    expect(none.headers.get("WWW-Authenticate")).toContain("Bearer");
    expect(await errorCode(none)).toBe("api_key_required");

    expect(await errorCode(await edge.get("/v1/forecast/c1/s1/p1", { env, headers: { "X-API-Key": "not-a-key" } }))).toBe("api_key_invalid");
    const unknown = `fk_abcdefgh_${"A".repeat(32)}`;
    expect(await errorCode(await edge.get("/v1/forecast/c1/s1/p1", { env, headers: { "X-API-Key": unknown } }))).toBe("api_key_invalid");
    // A known id with the wrong secret is refused too.
    const forged = `fk_${issued.id}_${"B".repeat(32)}`;
    expect(await errorCode(await edge.get("/v1/forecast/c1/s1/p1", { env, headers: { "X-API-Key": forged } }))).toBe("api_key_invalid");

    expect((await edge.get("/v1/forecast/c1/s1/p1", { env, headers: { "X-API-Key": issued.key } })).status).toBe(200);
    expect((await edge.get("/v1/meta", { env, headers: { Authorization: `Bearer ${issued.key}` } })).status).toBe(200);

    // A key revoked before this isolate's index knew it is refused; one it knows is refused within API_KEY_CACHE_MS.
    const other = await issueApiKey(edge.redis, edge.prefix, "batch");
    expect(await revokeApiKey(edge.redis, edge.prefix, other.id)).toBe(true);
    expect(await errorCode(await edge.get("/v1/forecast/c1/s1/p1", { env, headers: { "X-API-Key": other.key } }))).toBe("api_key_invalid");
    expect(await revokeApiKey(edge.redis, edge.prefix, other.id)).toBe(false);
  });

  it("keys are optional by default, but a presented key must be valid", async () => {
    expect((await edge.get("/v1/forecast/c1/s1/p1")).status).toBe(200);
    expect(await errorCode(await edge.get("/v1/forecast/c1/s1/p1", { headers: { "X-API-Key": "fk_bad" } }))).toBe("api_key_invalid");
  });

  it("admin routes: 403 admin_disabled without ADMIN_TOKEN, 401 without a token, 403 with a wrong one", async () => {
    expect(await errorCode(await edge.get("/v1/admin/versions"))).toBe("admin_disabled");
    const env = { ADMIN_TOKEN: ADMIN };
    const missing = await edge.get("/v1/admin/versions", { env });
    expect(missing.status).toBe(401);
    expect(await errorCode(missing)).toBe("admin_token_required");
    const wrong = await edge.get("/v1/admin/versions", { env, headers: { Authorization: `Bearer ${ADMIN}x` } });
    expect(wrong.status).toBe(403);
    expect(await errorCode(wrong)).toBe("admin_token_invalid");
    expect((await edge.get("/v1/admin/versions", { env, headers: { Authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    expect((await edge.get("/metrics", { env, headers: { Authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
    expect((await edge.get("/metrics", { env })).status).toBe(401);
  });

  it("rate limit (the Workers binding, the default): the policy on each answer, then 429 with Retry-After past the limit", async () => {
    // The test binding allows 3 a minute; RATE_LIMIT and RATE_LIMIT_WINDOW label it, as wrangler.toml's must.
    const env = { RATE_LIMITER: testBindings.TEST_RATE_LIMITER, RATE_LIMIT: "3", RATE_LIMIT_WINDOW: "60" };
    const headers = { "CF-Connecting-IP": "203.0.113.7" };
    const first = await edge.get("/v1/forecast/c1/s1/p1", { env, headers });
    expect(first.status).toBe(200);
    expect(first.headers.get("RateLimit-Policy")).toBe("3;w=60");
    // The binding does not say how many remain, so the answer does not pretend to know.
    expect(first.headers.get("RateLimit-Remaining")).toBeNull();
    await edge.get("/v1/forecast/c1/s1/p1", { env, headers });
    await edge.get("/v1/forecast/c1/s1/p2", { env, headers });
    const limited = await edge.get("/v1/forecast/c1/s1/p1", { env, headers });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Content-Encoding")).toBeNull();
    expect(limited.headers.get("Retry-After")).toBe("60");
    const { error } = await readJson(limited);
    expect(error.code).toBe("rate_limited");
    expect(error.message).toContain("3 requests per 60 s");
    // Another client address has its own window.
    expect((await edge.get("/v1/forecast/c1/s1/p1", { env, headers: { "CF-Connecting-IP": "203.0.113.8" } })).status).toBe(200);
  });

  it("rate limit (RATE_LIMIT_BACKEND=upstash): RateLimit headers from the store's sliding window, then 429", async () => {
    const env = { RATE_LIMIT_BACKEND: "upstash", RATE_LIMIT: "3", RATE_LIMIT_WINDOW: "60" };
    const headers = { "CF-Connecting-IP": "203.0.113.9" };
    const first = await edge.get("/v1/forecast/c1/s1/p1", { env, headers });
    expect(first.status).toBe(200);
    expect(first.headers.get("RateLimit-Limit")).toBe("3");
    expect(first.headers.get("RateLimit-Remaining")).toBe("2");
    expect(first.headers.get("RateLimit-Policy")).toBe("3;w=60");
    await edge.get("/v1/forecast/c1/s1/p1", { env, headers });
    await edge.get("/v1/forecast/c1/s1/p2", { env, headers });
    const limited = await edge.get("/v1/forecast/c1/s1/p1", { env, headers });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get("RateLimit-Remaining")).toBe("0");
    expect((await readJson(limited)).error.code).toBe("rate_limited");
  });

  it("a revoked key the isolate has already checked is refused once API_KEY_CACHE_MS has passed, and not before", async () => {
    const env = { REQUIRE_API_KEY: "on" };
    const issued = await issueApiKey(edge.redis, edge.prefix, "remembered");
    const read = () => edge.get("/v1/forecast/c1/s1/p1", { env, headers: { "X-API-Key": issued.key } });
    expect((await read()).status).toBe(200);
    expect(await revokeApiKey(edge.redis, edge.prefix, issued.id)).toBe(true);
    // The isolate remembers the answer it checked (no store read per request), so the revocation is not seen yet.
    expect((await read()).status).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + API_KEY_CACHE_MS + 1_000 });
    try {
      const refused = await read();
      expect(refused.status).toBe(401);
      expect(await errorCode(refused)).toBe("api_key_invalid");
    } finally {
      vi.useRealTimers();
    }
  });

  it("CORS answers allowed origins only, preflights included", async () => {
    const env = { CORS_ORIGINS: "https://app.example.com" };
    const allowed = await edge.get("/v1/forecast/c1/s1/p1", { env, headers: { Origin: "https://app.example.com" } });
    expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("Access-Control-Expose-Headers")).toContain("X-Forecast-Version");
    const other = await edge.get("/v1/forecast/c1/s1/p1", { env, headers: { Origin: "https://evil.example" } });
    expect(other.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const preflight = await edge.request("/v1/forecast/c1/s1/p1", {
      method: "OPTIONS",
      env: { ...env, REQUIRE_API_KEY: "on" },
      headers: { Origin: "https://app.example.com", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-api-key" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("x-api-key");
    expect((await edge.get("/v1/forecast/c1/s1/p1", { headers: { Origin: "https://app.example.com" } })).headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});
