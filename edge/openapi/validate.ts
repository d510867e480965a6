// Request validation with the route's schema: hono-openapi's validator (so
// the document lists the parameters) with one refusal path, the API's own
// 400 with the code the parameter has always had (params.ts).
import { validator } from "hono-openapi";
import type { z } from "zod";
import { BadRequestError } from "../errors.ts";
import { PARAMETER_CODES } from "../params.ts";

interface Issue {
  message: string;
  path?: readonly (PropertyKey | { key: PropertyKey })[] | undefined;
}

function refuse(issues: readonly Issue[]): never {
  const issue = issues[0]!;
  const key = issue.path?.[0];
  const field = typeof key === "object" ? key.key : key;
  throw new BadRequestError(PARAMETER_CODES[String(field)] ?? "bad_identifier", issue.message);
}

export function validate<Target extends "param" | "query", Schema extends z.ZodType>(target: Target, schema: Schema) {
  return validator(target, schema, (result) => {
    if (!result.success) refuse(result.error);
  });
}
