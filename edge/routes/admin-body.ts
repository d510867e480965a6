// Admin request bodies: Hono's bodyLimit refuses one over MAX_BODY_BYTES while
// it streams in (by Content-Length, or by counting), before it is read whole;
// readJsonBody then parses it, with a 400 that says what is wrong.
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { BadRequestError, BodyTooLargeError } from "../errors.ts";

/** Admin bodies are small; a retrain list of 10,000 series fits well inside this. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function adminBodyLimit(): MiddlewareHandler {
  return bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new BodyTooLargeError(`the request body is over ${MAX_BODY_BYTES} bytes, the most an admin request may send`);
    },
  });
}

export async function readJsonBody<T extends object>(request: Request): Promise<Partial<T>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await request.text());
  } catch {
    throw new BadRequestError("bad_body", "the request body must be JSON (Content-Type: application/json)");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new BadRequestError("bad_body", "the request body must be a JSON object");
  return parsed as Partial<T>;
}
