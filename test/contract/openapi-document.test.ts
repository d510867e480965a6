// The document /v1/openapi.json serves is valid OpenAPI 3.1, checked by
// @seriousme/openapi-schema-validator against the official 3.1 schema. Built
// here in Node by the Worker's own fetch handler (the validator compiles
// code, which workerd forbids); test/edge/openapi.test.ts checks the same
// document as workerd serves it against the routes. Type-checked with the
// Worker's types (test/edge/tsconfig.json).
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import worker, { type Env } from "../../edge/index.ts";

async function servedDocument(): Promise<Record<string, unknown>> {
  // No store is needed to describe the API: nothing here reads one.
  const env: Env = { UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "unused", RATE_LIMIT: "0", METRICS: "off", REQUEST_LOG: "off" };
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  const res = await worker.fetch(new Request("http://edge.test/v1/openapi.json"), env, ctx);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe("the OpenAPI document", () => {
  it("validates against the OpenAPI 3.1 schema", async () => {
    const validator = new Validator();
    const result = await validator.validate(await servedDocument());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("resolves every $ref it uses to a component it defines", async () => {
    const document = await servedDocument();
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/(\w+)\/([^"]+)"/g)];
    expect(refs.length).toBeGreaterThan(5);
    const components = document.components as Record<string, Record<string, unknown>>;
    for (const [, kind, name] of refs) expect(components[kind!]?.[name!], `${kind}/${name}`).toBeDefined();
  });
});
