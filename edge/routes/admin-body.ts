// Reads a small JSON request body for the admin routes, with a 400 that says what is wrong.
import { BadRequestError } from "../errors.ts";

/** Admin bodies are small; a retrain list of 10,000 series fits well inside this. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function readJsonBody<T extends object>(request: Request): Promise<Partial<T>> {
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw new BadRequestError("bad_body", `the request body is ${text.length} bytes; at most ${MAX_BODY_BYTES}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError("bad_body", "the request body must be JSON (Content-Type: application/json)");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new BadRequestError("bad_body", "the request body must be a JSON object");
  return parsed as Partial<T>;
}
