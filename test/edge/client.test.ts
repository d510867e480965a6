// The typed client (client/) against the real Worker inside workerd: its
// requests go through the Worker's fetch handler (a fetch that gunzips as
// browsers and Node do), so every answer is the one a deployment gives.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeBinary } from "../../edge/binary-format.ts";
import type { Env } from "../../edge/index.ts";
import { ForecastApiError, ForecastClient } from "../../client/index.ts";
import { edgeHarness, testBindings, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion, seriesPayload, stepPayload } from "./publish.ts";

interface Exchange {
  status: number;
  ifNoneMatch: string | null;
  bytes: number;
}

/** A fetch into the Worker, recording what crossed the wire. */
function workerFetch(edge: EdgeHarness, exchanges: Exchange[], env: Partial<Env> = {}) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const response = await edge.request(`${url.pathname}${url.search}`, { headers: Object.fromEntries(request.headers), env });
    const raw = new Uint8Array(await response.arrayBuffer());
    exchanges.push({ status: response.status, ifNoneMatch: request.headers.get("If-None-Match"), bytes: raw.byteLength });
    const headers = new Headers(response.headers);
    let body: BodyInit | null = response.status === 304 ? null : raw;
    if (headers.get("Content-Encoding") === "gzip") {
      headers.delete("Content-Encoding");
      body = new Blob([raw]).stream().pipeThrough(new DecompressionStream("gzip"));
    }
    return new Response(body, { status: response.status, headers });
  };
}

describe("the typed client", () => {
  let edge: EdgeHarness;
  let exchanges: Exchange[];
  const cat = catalogue(2, 2, 2);
  beforeEach(() => {
    edge = edgeHarness();
    exchanges = [];
  });
  afterEach(() => edge.cleanup());

  it("reads a series, then a 304 answered from its cache without the body again", async () => {
    const { version } = await publishVersion(edge.redis, cat, { prefix: edge.prefix });
    const client = new ForecastClient({ baseUrl: "http://edge.test", fetch: workerFetch(edge, exchanges) });
    const series = await client.forecast({ city: "c1", store: "s1", product: "p2" }, { h: 7 });
    expect(series).toEqual(seriesPayload(version, "2026-10-31", 7, "c1", "s1", "p2"));

    // The answer on the wire is shape 2; the client decodes it into the values.
    const again = await client.read(`/v1/forecast/c1/s1/p2?h=7`, "json");
    expect(again).toMatchObject({ notModified: true, version, body: stepPayload(version, "2026-10-31", 7, "c1", "s1", "p2") });
    expect(exchanges.map(({ status, ifNoneMatch, bytes }) => ({ status, conditional: ifNoneMatch !== null, empty: bytes === 0 }))).toEqual([
      { status: 200, conditional: false, empty: false },
      { status: 304, conditional: true, empty: true },
    ]);
    // Decoded from the cached body after a 304, with the version from its headers.
    expect(await client.forecast({ city: "c1", store: "s1", product: "p2" }, { h: 7 })).toEqual(series);
  });

  it("reads a grid as JSON, and in both binary layouts into typed arrays that match the JSON", async () => {
    const { version } = await publishVersion(edge.redis, cat, { prefix: edge.prefix });
    const selection = { city: ["c1"], store: "*", product: ["p1", "p2"] } as const;
    const json = await new ForecastClient({ baseUrl: "http://edge.test", fetch: workerFetch(edge, exchanges) })
      .grid({ ...selection, city: [...selection.city], product: [...selection.product] }, { h: 30 });
    expect(json).toMatchObject({ version, h: 30, missing: [] });
    expect(json.series.map((s) => `${s.city}/${s.store}/${s.product}`)).toEqual(["c1/s1/p1", "c1/s1/p2", "c1/s2/p1", "c1/s2/p2"]);

    const layouts = [[{ BINARY_FORMAT: "on" }, 3, Float64Array], [{ FORECAST_SHAPE: "v1" }, 2, Float64Array], [{ BINARY_FORMAT: "f32" }, 1, Float32Array]] as const;
    for (const [env, layout, ArrayType] of layouts) {
      const client = new ForecastClient({ baseUrl: "http://edge.test", fetch: workerFetch(edge, exchanges, env) });
      const binary = await client.gridBinary({ city: ["c1"], store: "*", product: ["p1", "p2"] }, { h: 30 });
      expect(binary).toMatchObject({ layout, version, h: 30, level: 0.8, missing: [] });
      binary.series.forEach((decoded, i) => {
        const expected = json.series[i]!;
        expect(decoded).toMatchObject({ city: expected.city, store: expected.store, product: expected.product, model: expected.model });
        for (const k of ["point", "lower", "upper"] as const) {
          expect(decoded[k]).toBeInstanceOf(ArrayType);
          // Layouts 3 and 2 are exact; layout 1 holds float32.
          decoded[k].forEach((v, d) => expect(v).toBeCloseTo(expected[k][d]!, layout === 1 ? 4 : 9));
        }
      });
    }
  });

  it("decodes what the Worker's reference decoder decodes", async () => {
    await publishVersion(edge.redis, cat, { prefix: edge.prefix });
    const raw = await edge.get("/v1/forecast/c2/s3/p1?h=60&format=binary");
    const bytes = new Uint8Array(await new Response(raw.body!.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
    const client = new ForecastClient({ baseUrl: "http://edge.test", fetch: workerFetch(edge, exchanges) });
    const decoded = await client.forecastBinary({ city: "c2", store: "s3", product: "p1" }, { h: 60 });
    const reference = decodeBinary(bytes);
    expect(decoded.series).toHaveLength(1);
    expect(Array.from(decoded.series[0]!.point)).toEqual(Array.from(reference.arrays[0]!.point));
    expect(Array.from(decoded.series[0]!.upper)).toEqual(Array.from(reference.arrays[0]!.upper));
  });

  it("reads history and meta with the API key", async () => {
    const { version } = await publishVersion(edge.redis, cat, { prefix: edge.prefix });
    const client = new ForecastClient({ baseUrl: "http://edge.test", fetch: workerFetch(edge, exchanges) });
    const meta = await client.meta();
    expect(meta).toMatchObject({ version, pinned: false });
    expect(meta.manifest.dimensions.cities.map((c) => c.code)).toEqual(["c1", "c2"]);
    const keyed = new ForecastClient({ baseUrl: "http://edge.test", apiKey: "fk_unknown", fetch: workerFetch(edge, exchanges) });
    await expect(keyed.meta()).rejects.toMatchObject({ name: "ForecastApiError", status: 401, code: "api_key_invalid" });
  });

  it("raises ForecastApiError with the code on 404 and on 429", async () => {
    await publishVersion(edge.redis, cat, { prefix: edge.prefix });
    const client = new ForecastClient({ baseUrl: "http://edge.test", fetch: workerFetch(edge, exchanges) });
    const missing = await client.forecast({ city: "c9", store: "s1", product: "p1" }).catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(ForecastApiError);
    expect(missing).toMatchObject({ status: 404, code: "series_not_found" });
    await expect(client.forecast({ city: "c1", store: "s1", product: "p1" }, { h: 5 as 7 })).rejects.toMatchObject({ status: 400, code: "bad_horizon" });

    const env = { RATE_LIMITER: testBindings.TEST_RATE_LIMITER, RATE_LIMIT: "3", RATE_LIMIT_WINDOW: "60" };
    const limited = new ForecastClient({ baseUrl: "http://edge.test", fetch: workerFetch(edge, exchanges, env) });
    const results = [];
    // Each call names another series, so none is a conditional request.
    for (const product of ["p1", "p2", "p1", "p2"]) {
      results.push(await limited.history({ city: "c1", store: product === "p1" ? "s1" : "s2", product }).then(() => null, (err: unknown) => err));
    }
    const refused = results.at(-1);
    expect(refused).toBeInstanceOf(ForecastApiError);
    expect(refused).toMatchObject({ status: 429, code: "rate_limited", retryAfterSeconds: 60 });
  });
});
