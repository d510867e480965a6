// Request validation with the route's schema, refused the API's own way: a
// 400 with the code the parameter has always had (params.ts) and the
// parser's message. The middleware carries hono-openapi's marks (its
// exported `uniqueSymbol` and `resolver`), so the document lists the
// parameters; it reads only the schema's own keys (one lookup each) instead
// of every header and query parameter, which is what keeps it off the hot
// path's bill (bench/openapi-validation.ts).
import type { Context, Env, MiddlewareHandler } from "hono";
import { resolver, uniqueSymbol } from "hono-openapi";
import type { z } from "zod";
import { BadRequestError } from "../errors.ts";
import { PARAMETER_CODES } from "../params.ts";

type Target = "param" | "query";
type Shape = Record<string, z.ZodType>;

function refuse(issue: z.core.$ZodIssue): never {
  const field = String(issue.path[0]);
  throw new BadRequestError(PARAMETER_CODES[field] ?? "bad_identifier", issue.message);
}

export function validate<T extends Target, S extends z.ZodObject<Shape>>(target: T, schema: S) {
  const names = Object.keys(schema.shape);
  const read = target === "param" ? (c: Context, name: string) => c.req.param(name) : (c: Context, name: string) => c.req.query(name);
  const middleware: MiddlewareHandler<Env, string, { in: { [K in T]: z.input<S> }; out: { [K in T]: z.output<S> } }> = async function validateMiddleware(c, next) {
    const input: Record<string, string | undefined> = {};
    for (const name of names) input[name] = read(c, name);
    const result = schema.safeParse(input);
    if (!result.success) refuse(result.error.issues[0]!);
    c.req.addValidatedData(target, result.data as object);
    await next();
  };
  return Object.assign(middleware, { [uniqueSymbol]: { target, ...resolver(schema) } });
}
