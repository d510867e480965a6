import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { edgeHarness, readJson, serverTiming, testBindings, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion, stepPayload } from "./publish.ts";

// The reference shape: 5 cities × 5 stores each × 5 products = 125 series.
const reference = catalogue(5, 5, 5);

describe("GET /v1/forecast (grid)", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await edge.cleanup();
  });

  it("serves the 5×5×5 grid for * in one store round trip", async () => {
    const { version } = await publishVersion(edge.redis, reference, { prefix: edge.prefix });
    // Warm the isolate's pointer and manifest, as any earlier request would.
    expect((await edge.get("/v1/meta")).status).toBe(200);

    const fetches = vi.spyOn(globalThis, "fetch");
    // The read path alone: no rate-limit script and no metrics flush beside it.
    const res = await edge.get("/v1/forecast?city=*&store=*&product=*&h=7", { env: { RATE_LIMIT: "0", METRICS: "off" } });
    const storeCalls = fetches.mock.calls.filter(([input]) => String(input instanceof Request ? input.url : input).startsWith(testBindings.UPSTASH_REDIS_REST_URL!));
    expect(storeCalls).toHaveLength(1);
    const command = JSON.parse(String(storeCalls[0]![1]?.body)) as string[];
    expect(command.slice(0, 3)).toEqual(["hmget", `${edge.prefix}:v:${version}:h7`, "c1/s1/p1"]);
    expect(command).toHaveLength(2 + 125);

    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Encoding")).toBe("gzip");
    const grid = await readJson(res);
    expect(grid).toMatchObject({ version, origin: "2026-10-31", h: 7, level: 0.8, missing: [] });
    expect(grid.series).toHaveLength(125);
    // Shape 2 entries: the series' identity, then its payload as stored.
    expect(grid.series).toContainEqual({ city: "c3", store: "s12", product: "p4", ...stepPayload(version, "2026-10-31", 7, "c3", "s12", "p4") });
  });

  it("pairs each listed store with its own city only, in manifest order", async () => {
    await publishVersion(edge.redis, reference, { prefix: edge.prefix });
    // s1 and s2 are in c1, s6 in c2: c1/s6 and c2/s1 are not series at all.
    const grid = await readJson(await edge.get("/v1/forecast?city=c2,c1&store=s6,s1,s2&product=p5,p1&h=30"));
    const fields = grid.series.map((s: { city: string; store: string; product: string }) => `${s.city}/${s.store}/${s.product}`);
    expect(fields).toEqual(["c1/s1/p1", "c1/s1/p5", "c1/s2/p1", "c1/s2/p5", "c2/s6/p1", "c2/s6/p5"]);
    expect(grid.missing).toEqual([]);
  });

  it("lists failed series and unknown stores under missing", async () => {
    await publishVersion(edge.redis, reference, { prefix: edge.prefix, skip: ["c1/s1/p2"] });
    const grid = await readJson(await edge.get("/v1/forecast?city=c1&store=s1,s99&product=p1,p2&h=60"));
    expect(grid.series.map((s: { product: string }) => s.product)).toEqual(["p1"]);
    expect(grid.missing).toEqual(["c1/s1/p2", "c1/s99/p1", "c1/s99/p2"]);
  });

  it("answers a repeated grid from cache and with 304 for its ETag", async () => {
    await publishVersion(edge.redis, reference, { prefix: edge.prefix });
    const first = await edge.get("/v1/forecast?city=c2&store=*&product=p1,p2");
    expect(serverTiming(first)).toMatchObject({ cache: "miss", store: "" });
    // The same grid asked in another order is the same cache entry.
    const second = await edge.get("/v1/forecast?city=c2&store=*&product=p2,p1");
    expect(serverTiming(second)).toMatchObject({ cache: "hit" });
    expect(second.headers.get("ETag")).toBe(first.headers.get("ETag"));
    const unchanged = await edge.get("/v1/forecast?city=c2&store=*&product=p1,p2", { headers: { "If-None-Match": first.headers.get("ETag")! } });
    expect(unchanged.status).toBe(304);
  });

  it("refuses a grid over 1,000 series with grid_too_large", async () => {
    await publishVersion(edge.redis, reference, { prefix: edge.prefix });
    const stores = Array.from({ length: 40 }, (_, i) => `x${i}`).join(",");
    const products = Array.from({ length: 30 }, (_, i) => `q${i}`).join(",");
    const res = await edge.get(`/v1/forecast?city=c1&store=${stores}&product=${products}`);
    expect(res.status).toBe(400);
    const { error } = await readJson(res);
    expect(error.code).toBe("grid_too_large");
    expect(error.message).toContain("1000");
  });

  it("requires every axis and checks each code", async () => {
    await publishVersion(edge.redis, reference, { prefix: edge.prefix });
    const missingAxis = await readJson(await edge.get("/v1/forecast?city=*&store=*"));
    expect(missingAxis.error).toMatchObject({ code: "bad_identifier" });
    expect(missingAxis.error.message).toContain("product");
    const badCode = await readJson(await edge.get("/v1/forecast?city=c1,C2&store=*&product=*"));
    expect(badCode.error).toMatchObject({ code: "bad_identifier" });
    expect(badCode.error.message).toMatch(/^city /);
  });
});
