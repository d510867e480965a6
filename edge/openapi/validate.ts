// Request validation with the route's schema (edge/params.ts), inside the
// handler rather than as a middleware layer of its own, refused the API's
// own way: a 400 with the code the parameter has always had and the
// parser's message. It reads only the schema's own keys, one lookup each,
// which keeps it off the hot path's bill (bench/openapi-validation.ts).
import type { Context } from "hono";
import type { z } from "zod";
import { BadRequestError } from "../errors.ts";
import { PARAMETER_CODES } from "../params.ts";

const names = new WeakMap<z.ZodObject, string[]>();

export function valid<S extends z.ZodObject>(c: Context, target: "param" | "query", schema: S): z.output<S> {
  let keys = names.get(schema);
  if (!keys) names.set(schema, (keys = Object.keys(schema.shape)));
  const input: Record<string, string | undefined> = {};
  for (const name of keys) input[name] = target === "param" ? c.req.param(name) : c.req.query(name);
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = String(issue.path[0]);
    throw new BadRequestError(PARAMETER_CODES[field] ?? "bad_identifier", issue.message);
  }
  return result.data;
}
