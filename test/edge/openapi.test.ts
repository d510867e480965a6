// The OpenAPI document and the /docs page as the Worker serves them: the
// document lists every route the Worker serves and each path in it is served;
// a request the schemas refuse keeps the code and message it always had;
// bodies served match the schemas documented; API_DOCS,
// the key and CORS rules hold for both. test/contract/openapi-document.test.ts
// checks the document against the OpenAPI 3.1 schema (in Node: the validator
// compiles code, which workerd does not allow).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { app } from "../../edge/index.ts";
import { forecastGridSchema, forecastStepGridSchema, healthSchema, metaSchema, seriesForecastSchema, seriesStepForecastSchema } from "../../edge/openapi/schemas.ts";
import { parseCode, parseCodeList, parseHorizon } from "../../edge/params.ts";
import { edgeHarness, readJson, type EdgeHarness } from "./harness.ts";
import { catalogue, publishVersion } from "./publish.ts";

/** Static files and redirects to them: served, deliberately not API. */
const NOT_DOCUMENTED = new Set(["GET /", "GET /explorer", "GET /explorer/*", "GET /docs/scalar.js"]);

const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

interface Document {
  openapi: string;
  paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema?: { examples?: string[] } }[] }>>;
}

describe("the OpenAPI document", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  async function document(): Promise<Document> {
    const res = await edge.get("/v1/openapi.json");
    expect(res.status).toBe(200);
    return readJson<Document>(res);
  }

  it("lists every route the Worker serves, and nothing it does not", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    const served = new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${openApiPath(r.path)}`));
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)));
    expect([...documented].sort()).toEqual([...served].filter((route) => !NOT_DOCUMENTED.has(route)).sort());
    expect(documented).toContain("GET /v1/forecast/{city}/{store}/{product}");
    expect(documented).toContain("POST /v1/admin/pointer");
  });

  it("every path in it is served: no documented request meets the unknown-route answer", async () => {
    await publishVersion(edge.redis, catalogue(1, 1, 1), { prefix: edge.prefix });
    const doc = await document();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const example = (name: string) => operation.parameters?.find((p) => p.name === name)?.schema?.examples?.[0] ?? (name === "id" ? "rt-000000000000" : "x1");
        const url = path.replace(/\{(\w+)\}/g, (_, name: string) => example(name));
        const res = await edge.request(url, { method: method.toUpperCase(), ...(method === "post" ? { body: {} } : {}) });
        const body = res.headers.get("Content-Type")?.startsWith("application/json") ? await readJson(res) : null;
        expect(`${method} ${url}: ${body?.error?.code ?? res.status}`).not.toMatch(/: not_found$/);
        if (res.status === 404) expect(body?.error?.message).not.toMatch(/^no route/);
      }
    }
  });

  it("refused parameters keep today's codes and messages", async () => {
    const cases: [string, () => unknown][] = [
      ["/v1/forecast/C1/s1/p1", () => parseCode("city", "C1")],
      ["/v1/forecast/c1/s%20/p1", () => parseCode("store", "s ")],
      ["/v1/forecast/c1/s1/p1?h=5", () => parseHorizon("5")],
      ["/v1/forecast/c1/s1/p1?h=60.0", () => parseHorizon("60.0")],
      ["/v1/forecast/BAD/s1/p1?h=5", () => parseCode("city", "BAD")],
      ["/v1/forecast?city=c1&store=*", () => parseCodeList("product", undefined)],
      ["/v1/forecast?city=c1&store=s1,,s2&product=*", () => parseCodeList("store", "s1,,s2")],
      ["/v1/forecast?city=*&store=*&product=*&h=0", () => parseHorizon("0")],
      [`/v1/forecast?city=${Array.from({ length: 1001 }, (_, i) => `c${i}`).join(",")}&store=*&product=*`, () => parseCodeList("city", Array.from({ length: 1001 }, (_, i) => `c${i}`).join(","))],
      ["/v1/history/c1/s1/P1", () => parseCode("product", "P1")],
      ["/v1/history?city=*&store=&product=*", () => parseCodeList("store", "")],
    ];
    await publishVersion(edge.redis, catalogue(1, 1, 1), { prefix: edge.prefix });
    const env = { MAX_URL_LENGTH: "16384" };
    for (const [url, parse] of cases) {
      let expected: { code: string; message: string } | undefined;
      try {
        parse();
      } catch (err) {
        expected = { code: (err as { code: string }).code, message: (err as Error).message };
      }
      const res = await edge.get(url, { env });
      expect({ url, status: res.status, ...(await readJson(res)).error }).toEqual({ url, status: 400, ...expected });
    }
    // The parsers' messages themselves, as clients have seen them.
    expect((await readJson(await edge.get("/v1/forecast/c1/s1/p1?h=5", { env }))).error).toEqual({ code: "bad_horizon", message: 'h must be one of 7, 30, 60 (days; default 30), got "5"' });
    expect((await readJson(await edge.get("/v1/forecast/C1/s1/p1", { env }))).error).toEqual({
      code: "bad_identifier",
      message: 'city must be a code of 1 to 64 lowercase letters, digits, "_" or "-" starting with a letter or digit, got "C1"',
    });
  });

  it("the bodies served match the schemas it documents", async () => {
    await publishVersion(edge.redis, catalogue(2, 2, 2), { prefix: edge.prefix });
    const checks = [
      ["/v1/forecast/c1/s1/p1?h=7", seriesStepForecastSchema, {}],
      ["/v1/forecast?city=*&store=*&product=p1,p9", forecastStepGridSchema, {}],
      // FORECAST_SHAPE=v1 answers the shape 1 schemas the document also lists.
      ["/v1/forecast/c1/s1/p1?h=7", seriesForecastSchema, { FORECAST_SHAPE: "v1" }],
      ["/v1/forecast?city=*&store=*&product=p1,p9", forecastGridSchema, { FORECAST_SHAPE: "v1" }],
      ["/v1/meta", metaSchema, {}],
      ["/health", healthSchema, {}],
    ] as const;
    for (const [url, schema, env] of checks) {
      const result = schema.safeParse(await readJson(await edge.get(url, { env })));
      expect({ url, env, issues: result.error?.issues ?? [] }).toEqual({ url, env, issues: [] });
    }
  });
});

describe("the /docs page", () => {
  let edge: EdgeHarness;
  beforeEach(() => {
    edge = edgeHarness();
  });
  afterEach(() => edge.cleanup());

  it("renders the document with the reference script the Worker serves itself", async () => {
    const page = await edge.get("/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<script src="/docs/scalar.js"');
    expect(html).toContain("/v1/openapi.json");
    // Nothing loaded from elsewhere.
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
    const script = await edge.get("/docs/scalar.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("Content-Type")).toMatch(/javascript/);
    expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });

  it("API_DOCS=off turns the document and the page off, and nothing else", async () => {
    const env = { API_DOCS: "off" };
    for (const path of ["/v1/openapi.json", "/docs", "/docs/scalar.js"]) {
      const res = await edge.get(path, { env });
      expect(res.status).toBe(404);
      expect((await readJson(res)).error).toMatchObject({ code: "not_found", message: expect.stringContaining("API_DOCS=off") });
    }
    expect((await edge.get("/health", { env })).status).not.toBe(404);
  });

  it("the document and the page follow /v1's key and CORS rules", async () => {
    for (const path of ["/v1/openapi.json", "/docs"]) {
      const refused = await edge.get(path, { env: { REQUIRE_API_KEY: "on" } });
      expect(refused.status).toBe(401);
      expect((await readJson(refused)).error.code).toBe("api_key_required");
      const cors = await edge.get(path, { env: { CORS_ORIGINS: "https://app.example" }, headers: { Origin: "https://app.example" } });
      expect(cors.status).toBe(200);
      expect(cors.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
      const limited = await edge.get(path, { env: { RATE_LIMIT: "7", RATE_LIMIT_WINDOW: "60", RATE_LIMIT_BACKEND: "upstash" }, headers: { "CF-Connecting-IP": "203.0.113.40" } });
      expect(limited.headers.get("RateLimit-Limit")).toBe("7");
    }
  });
});
