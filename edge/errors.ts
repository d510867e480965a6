// A handful of named errors, each carrying a stable code and an HTTP status,
// turned into one JSON shape in one place (app.onError). Nothing else reaches
// a client: unknown errors become a generic 500 without internals.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";

export interface ErrorBody {
  error: { code: string; message: string };
}

/** Messages can quote input or upstream text; keep responses short. */
const MAX_MESSAGE = 1000;

export class ApiError extends Error {
  override name = "ApiError";
  readonly status: 400 | 404 | 500 | 503;
  readonly code: string;
  constructor(status: 400 | 404 | 500 | 503, code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
    this.code = code;
  }
}

/** The request is wrong and will stay wrong: 400. */
export class BadRequestError extends ApiError {
  override name = "BadRequestError";
  constructor(code: "bad_horizon" | "bad_identifier" | "grid_too_large", message: string) {
    super(400, code, message);
  }
}

/** The thing asked for does not exist: 404. */
export class NotFoundError extends ApiError {
  override name = "NotFoundError";
  constructor(code: "series_not_found" | "not_found", message: string) {
    super(404, code, message);
  }
}

/** A dependency or the published data is not there right now: 503, retry later. */
export class UnavailableError extends ApiError {
  override name = "UnavailableError";
  constructor(code: "version_unavailable" | "no_live_version" | "store_unavailable" | "config_invalid", message: string, options?: ErrorOptions) {
    super(503, code, message, options);
  }
}

/** The Upstash REST endpoint failed, timed out or could not be reached. */
export class StoreUnavailableError extends UnavailableError {
  override name = "StoreUnavailableError";
  constructor(message: string, options?: ErrorOptions) {
    super("store_unavailable", message, options);
  }
}

/** The Worker's environment is incomplete or invalid; lists every problem. */
export class ConfigError extends UnavailableError {
  override name = "ConfigError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super("config_invalid", `The Worker is misconfigured: ${problems.join("; ")}`);
    this.problems = problems;
  }
}

export function errorBody(code: string, message: string): ErrorBody {
  const short = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
  return { error: { code, message: short } };
}

export function errorResponse(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify(errorBody(code, message)), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" },
  });
}

/** app.onError: the only place an error becomes a response. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    // 503s are operational signals: one log line with the cause for the on-call engineer.
    if (err.status >= 500) {
      const cause = err.cause instanceof Error ? ` (cause: ${err.cause.name}: ${err.cause.message})` : "";
      console.warn(`${err.code}: ${err.message}${cause}`);
    }
    return errorResponse(err.status, err.code, err.message);
  }
  if (err instanceof HTTPException) {
    return errorResponse(err.status, "http_error", err.message || "request rejected");
  }
  console.error(`unhandled error on ${c.req.method} ${c.req.path}`, err);
  return errorResponse(500, "internal", "unexpected error in the forecast Worker; the details are in the Worker logs");
}

/** app.notFound: unknown routes share the error shape. */
export function handleNotFound(c: Context): Response {
  return errorResponse(404, "not_found", `no route for ${c.req.method} ${c.req.path}; see GET /v1/forecast/:city/:store/:product, GET /v1/forecast, GET /v1/meta, GET /health`);
}
