import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeStored, fromBase64 } from "../../edge/contract/codec.ts";
import { keys, seriesField } from "../../edge/contract/keys.ts";
import type { SeriesHistory } from "../../edge/contract/payload.ts";
import { edgeHarness, readJson, serverTiming, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion } from "./publish.ts";

// c1 has stores s1, s2; c2 has s3, s4; products p1, p2.
const small = catalogue(2, 2, 2);

function historyOf(version: string, city: string, store: string, product: string): SeriesHistory {
  const units = Array.from({ length: 90 }, (_, i) => (i % 7) + product.length + Number(store.slice(1)));
  return {
    city, store, product, version, start: "2026-08-03", units, model: "prophet",
    backtest: { mase: 0.75, smape: 20.5, wape: 0.2, coverage: 0.8, holdoutDays: 30 },
  };
}

/** Publishes a version and its history hash, as the trainer does with PUBLISHED_HISTORY_DAYS > 0. */
async function publishWithHistory(edge: EdgeHarness, skip: string[] = []): Promise<string> {
  const { version } = await publishVersion(edge.redis, small, { prefix: edge.prefix });
  const fields: Record<string, string> = {};
  for (const [city, stores] of Object.entries(small.cities)) {
    for (const store of stores) {
      for (const product of small.products) {
        const field = seriesField(city, store, product);
        if (!skip.includes(field)) fields[field] = await encodeStored(historyOf(version, city, store, product));
      }
    }
  }
  await edge.redis.hset(keys(edge.prefix).history(version), fields);
  return version;
}

describe("GET /v1/history/:city/:store/:product", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  it("passes the published history through byte for byte, with the version's headers", async () => {
    const version = await publishWithHistory(edge);
    const stored = await edge.redis.hget<string>(keys(edge.prefix).history(version), "c2/s3/p1");
    const res = await edge.get("/v1/history/c2/s3/p1");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Encoding")).toBe("gzip");
    expect(res.headers.get("X-Forecast-Version")).toBe(version);
    expect(res.headers.get("ETag")).toBe(`"${version}:history:c2/s3/p1"`);
    expect(new Uint8Array(await res.clone().arrayBuffer())).toEqual(fromBase64(stored!));
    expect(await readJson(res)).toEqual(historyOf(version, "c2", "s3", "p1"));
    expect(serverTiming(res)).toMatchObject({ pointer: "store", cache: "miss" });

    const again = await edge.get("/v1/history/c2/s3/p1");
    expect(serverTiming(again)).toMatchObject({ cache: "hit", tier: "memory" });
    const unchanged = await edge.get("/v1/history/c2/s3/p1", { headers: { "If-None-Match": res.headers.get("ETag")! } });
    expect(unchanged.status).toBe(304);
  });

  it("answers 404 series_not_found, naming the trainer's switch, when no history was published", async () => {
    await publishVersion(edge.redis, small, { prefix: edge.prefix });
    const res = await edge.get("/v1/history/c1/s1/p1");
    expect(res.status).toBe(404);
    const body = await readJson(res);
    expect(body.error.code).toBe("series_not_found");
    expect(body.error.message).toMatch(/PUBLISHED_HISTORY_DAYS/);
  });

  it("rejects a malformed code before it reaches a key", async () => {
    await publishWithHistory(edge);
    const res = await edge.get("/v1/history/c1/S1!/p1");
    expect(res.status).toBe(400);
    expect((await readJson(res)).error.code).toBe("bad_identifier");
  });
});

describe("GET /v1/history (many series)", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  it("returns every named series in manifest order and lists the missing ones", async () => {
    const version = await publishWithHistory(edge, ["c1/s2/p2"]);
    const res = await edge.get("/v1/history?city=c1&store=*&product=p2,p1");
    expect(res.status).toBe(200);
    const body = await readJson(res);
    expect(body).toMatchObject({ version, origin: "2026-10-31", missing: ["c1/s2/p2"] });
    expect(body.series.map((s: SeriesHistory) => `${s.city}/${s.store}/${s.product}`)).toEqual(["c1/s1/p1", "c1/s1/p2", "c1/s2/p1"]);
    expect(body.series[0]).toEqual(historyOf(version, "c1", "s1", "p1"));
  });

  it("refuses more series than MAX_GRID_SERIES", async () => {
    await publishWithHistory(edge);
    const res = await edge.get("/v1/history?city=*&store=*&product=*", { env: { MAX_GRID_SERIES: "3" } });
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body.error.code).toBe("grid_too_large");
    expect(body.error.message).toMatch(/names 8 series; at most 3/);
  });

  it("requires every axis", async () => {
    await publishWithHistory(edge);
    const res = await edge.get("/v1/history?city=*&store=*");
    expect(res.status).toBe(400);
    expect((await readJson(res)).error.message).toMatch(/product is required/);
  });
});

describe("the explorer page", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  it("is served from the static assets, and / leads to it", async () => {
    const root = await edge.get("/");
    expect(root.status).toBe(302);
    expect(root.headers.get("Location")).toBe("/explorer/");
    const page = await edge.get("/explorer/");
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain("<title>Forecast explorer</title>");
    expect(html).toContain('src="app.js"');
    const script = await edge.get("/explorer/app.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("Content-Type")).toMatch(/javascript/);
    expect(serverTiming(script)).toHaveProperty("total");
    const bare = await edge.get("/explorer?poll=5");
    expect(bare.status).toBe(301);
    expect(bare.headers.get("Location")).toBe("/explorer/?poll=5");
  });

  it("answers an unknown file in the API's error shape", async () => {
    const res = await edge.get("/explorer/no-such-file.js");
    expect(res.status).toBe(404);
    const body = await readJson(res);
    expect(body.error.code).toBe("not_found");
    expect(body.error.message).toMatch(/no file \/explorer\/no-such-file\.js/);
  });

  it("answers 404 in the API's error shape when EXPLORER=off", async () => {
    const page = await edge.get("/explorer/", { env: { EXPLORER: "off" } });
    expect(page.status).toBe(404);
    const body = await readJson(page);
    expect(body.error.code).toBe("not_found");
    expect(body.error.message).toMatch(/EXPLORER=off/);
    expect((await edge.get("/", { env: { EXPLORER: "off" } })).status).toBe(404);
  });

  it("reports a bad EXPLORER value as a configuration error", async () => {
    const res = await edge.get("/explorer/", { env: { EXPLORER: "maybe" } });
    expect(res.status).toBe(503);
    const body = await readJson(res);
    expect(body.error.code).toBe("config_invalid");
    expect(body.error.message).toMatch(/EXPLORER must be "on" or "off"/);
  });
});
