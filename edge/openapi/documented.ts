// Puts each route's description on the route's own handler, where
// hono-openapi looks when it writes the document (its exported
// `uniqueSymbol`), instead of in a middleware in front of it: describing a
// route costs its requests nothing. The request schemas a route validates
// with (validate.ts) become its parameters when the document is first built.
import type { Hono } from "hono";
import { resolver, uniqueSymbol, type DescribeRouteOptions } from "hono-openapi";
import type { z } from "zod";

type Target = "param" | "query";

export interface RouteDoc {
  spec: DescribeRouteOptions;
  /** The schemas the handler validates with. */
  request?: Partial<Record<Target, z.ZodObject>>;
}

type Parameter = NonNullable<DescribeRouteOptions["parameters"]>[number];
interface ObjectSchema {
  properties?: Record<string, { description?: string }>;
  required?: string[];
}

const unresolved: RouteDoc[] = [];

/** `docs` by "METHOD /path" as the app declares them; a key without its route fails at start-up. */
export function describeRoutes(app: Hono<any, any, any>, docs: Record<string, RouteDoc>): void {
  for (const [key, doc] of Object.entries(docs)) {
    const [method, path] = key.split(" ");
    const route = app.routes.findLast((r) => r.method === method && r.path === path);
    if (!route) throw new Error(`describeRoutes: the app has no route ${key}`);
    Object.assign(route.handler, { [uniqueSymbol]: { spec: doc.spec } });
    if (doc.request) unresolved.push(doc);
  }
}

/** Once per isolate, before the first document: each request schema's properties as OpenAPI parameters. */
export async function resolveParameters(): Promise<void> {
  for (let doc = unresolved.pop(); doc; doc = unresolved.pop()) {
    const parameters: Parameter[] = [...(doc.spec.parameters ?? [])];
    for (const [target, schema] of Object.entries(doc.request!)) {
      const { schema: object } = (await resolver(schema).toOpenAPISchema()) as { schema: ObjectSchema };
      for (const [name, { description, ...property }] of Object.entries(object.properties ?? {})) {
        parameters.push({
          name,
          in: target === "param" ? "path" : "query",
          required: target === "param" || object.required?.includes(name) || undefined,
          description,
          schema: property,
        } as Parameter);
      }
    }
    doc.spec.parameters = parameters;
  }
}
