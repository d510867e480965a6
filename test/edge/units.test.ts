// The pure pieces, checked on their own edge cases.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { acceptsGzip, etagMatches, identityEtag } from "../../edge/forecast-response.ts";
import { canonicalGridQuery, planGrid } from "../../edge/contract/grid.ts";
import type { LoadedManifest } from "../../edge/manifest.ts";
import { MemoryCache } from "../../edge/memory-cache.ts";
import { valid } from "../../edge/openapi/validate.ts";
import { gridQuery, parseCodeList, parseHorizon, seriesParams } from "../../edge/params.ts";
import { requestLogLine } from "../../edge/request-log.ts";

describe("MemoryCache", () => {
  it("evicts the least recently used entries past its byte budget", () => {
    const cache = new MemoryCache<string>({ maxEntries: 10, maxBytes: 100 });
    cache.set("a", "A", 40);
    cache.set("b", "B", 40);
    cache.get("a");
    cache.set("c", "C", 40);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual(["A", undefined, "C"]);
    cache.resize(0);
    expect(cache.size).toBe(0);
    cache.set("d", "D", 1);
    expect(cache.get("d")).toBeUndefined();
  });
});

describe("content negotiation", () => {
  it("reads Accept-Encoding with q-values", () => {
    expect(acceptsGzip("gzip, deflate, br")).toBe(true);
    expect(acceptsGzip("br;q=1.0, gzip;q=0")).toBe(false);
    expect(acceptsGzip("*")).toBe(true);
    expect(acceptsGzip("identity")).toBe(false);
    expect(acceptsGzip(null)).toBe(false);
  });

  it("compares If-None-Match weakly and per representation", () => {
    expect(etagMatches('"x", W/"v:h7:a/b/c"', '"v:h7:a/b/c"', false)).toBe(true);
    // `*` matches a representation that exists, and nothing else.
    expect(etagMatches("*", '"anything"', true)).toBe(true);
    expect(etagMatches("*", '"anything"', false)).toBe(false);
    expect(etagMatches('"v:h7:a/b/c"', identityEtag('"v:h7:a/b/c"'), true)).toBe(false);
  });
});

describe("input", () => {
  it("accepts the horizons only as plain integers", () => {
    expect(parseHorizon(undefined)).toBe(30);
    expect(parseHorizon("60")).toBe(60);
    expect(() => parseHorizon("60.0")).toThrow(/7, 30, 60/);
  });

  it("dedupes code lists and names the bad parameter", () => {
    expect(parseCodeList("store", "s1,s2,s1")).toEqual(["s1", "s2"]);
    expect(() => parseCodeList("store", "s1,,s2")).toThrow(/^store /);
  });
});

describe("grid plan", () => {
  const loaded = {
    manifest: { dimensions: { cities: [{ code: "b" }, { code: "a" }], stores: [{ code: "s2", city: "a" }, { code: "s1", city: "b" }], products: [{ code: "p" }] } },
    storeCity: new Map([["s2", "a"], ["s1", "b"]]),
  } as unknown as LoadedManifest;

  it("drops unknown stores when city is *, keeps them (as missing) for named cities", () => {
    expect(planGrid(loaded, { city: "*", store: ["s1", "zz"], product: "*" }).locations).toEqual([["b", "s1"]]);
    expect(planGrid(loaded, { city: ["a"], store: ["zz", "s2"], product: "*" }).locations).toEqual([["a", "s2"], ["a", "zz"]]);
  });

  it("canonicalises queries so equal grids share a cache entry", () => {
    expect(canonicalGridQuery({ city: ["b", "a"], store: "*", product: ["p"] })).toBe(canonicalGridQuery({ city: ["a", "b"], store: "*", product: ["p"] }));
  });
});

describe("the request log line", () => {
  it("is one JSON object with the fields in their order, callers' text escaped, absent fields left out", () => {
    const hostile = 'x"y\\z\n\u0001';
    const line = requestLogLine({ requestId: hostile, method: "GET", path: `/v1/${hostile}`, route: "/v1/*", status: 404, ms: 1.26, colo: hostile });
    expect(JSON.parse(line)).toEqual({ level: "warn", msg: "request", requestId: hostile, method: "GET", path: `/v1/${hostile}`, route: "/v1/*", status: 404, ms: 1.3, colo: hostile });
    const full = { requestId: "r1", method: "GET", path: "/v1/forecast/c1/s1/p1", route: "/v1/forecast/:city/:store/:product", status: 200, ms: 0, version: "20261101T000000Z-abcd", stale: "if-error", apiKey: "ab12cd34" };
    // The same text JSON.stringify wrote for the same entry, so log queries keep working.
    expect(requestLogLine(full)).toBe(JSON.stringify({ level: "info", msg: "request", ...full }));
    expect(JSON.parse(requestLogLine({ ...full, status: 503 })).level).toBe("error");
  });
});

describe("parameter validation", () => {
  const app = new Hono()
    .get("/series/:city/:store/:product", (c) => c.json(valid(c, "param", seriesParams)))
    .get("/grid", (c) => c.json(valid(c, "query", gridQuery)))
    .onError((err, c) => c.json({ code: (err as { code?: string }).code }, 400));
  const get = async (path: string) => (await app.request(path)).json();

  it("answers a repeated input as parsed the first time, and still refuses a bad one after good ones", async () => {
    expect(await get("/series/c1/s1/p1")).toEqual({ city: "c1", store: "s1", product: "p1" });
    expect(await get("/series/c1/s1/p1")).toEqual({ city: "c1", store: "s1", product: "p1" });
    expect(await get("/series/c1/s1/P1")).toEqual({ code: "bad_identifier" });
    expect(await get("/grid?city=c1,c2&store=*&product=p1&h=7")).toEqual({ city: ["c1", "c2"], store: "*", product: ["p1"], h: 7 });
    expect(await get("/grid?city=c1,c2&store=*&product=p1&h=7")).toEqual({ city: ["c1", "c2"], store: "*", product: ["p1"], h: 7 });
    expect(await get("/grid?city=c1,c2&store=*&product=p1&h=8")).toEqual({ code: "bad_horizon" });
    // Inputs that would read the same if the values were simply joined with "|" stay apart.
    // (mode is checked later, by variant.ts, so "x|" passes the schema.)
    expect(await get("/grid?city=c1&store=*&product=p1&h=7&format=&mode=x%7C")).toEqual({ city: ["c1"], store: "*", product: ["p1"], h: 7, format: "", mode: "x|" });
    expect(await get("/grid?city=c1%7C*&store=p1&product=7&h=&format=x&mode=")).toEqual({ code: "bad_identifier" });
  });
});
