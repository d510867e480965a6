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

export type ErrorStatus = 400 | 401 | 403 | 404 | 413 | 414 | 429 | 500 | 503;

export class ApiError extends Error {
  override name = "ApiError";
  readonly status: ErrorStatus;
  readonly code: string;
  /** Extra response headers, e.g. Retry-After or WWW-Authenticate. */
  readonly headers: Record<string, string>;
  constructor(status: ErrorStatus, code: string, message: string, options?: ErrorOptions & { headers?: Record<string, string> }) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.headers = options?.headers ?? {};
  }
}

/** The request is wrong and will stay wrong: 400. */
export class BadRequestError extends ApiError {
  override name = "BadRequestError";
  constructor(code: "bad_horizon" | "bad_identifier" | "grid_too_large" | "bad_format" | "bad_mode" | "bad_body" | "list_too_long", message: string) {
    super(400, code, message);
  }
}

/** The thing asked for does not exist: 404. */
export class NotFoundError extends ApiError {
  override name = "NotFoundError";
  constructor(code: "series_not_found" | "not_found" | "version_not_found" | "retrain_not_found", message: string) {
    super(404, code, message);
  }
}

/** No credentials, or credentials that are not valid: 401. */
export class UnauthorizedError extends ApiError {
  override name = "UnauthorizedError";
  constructor(code: "api_key_required" | "api_key_invalid" | "admin_token_required", message: string, scheme = "Bearer") {
    super(401, code, message, { headers: { "WWW-Authenticate": `${scheme} realm="forecast"` } });
  }
}

/** Valid credentials that do not allow this: 403. */
export class ForbiddenError extends ApiError {
  override name = "ForbiddenError";
  constructor(code: "admin_token_invalid" | "admin_disabled", message: string) {
    super(403, code, message);
  }
}

/** The URL is longer than MAX_URL_LENGTH: 414. */
export class UrlTooLongError extends ApiError {
  override name = "UrlTooLongError";
  constructor(message: string) {
    super(414, "url_too_long", message);
  }
}

/** A request body over the route's size limit: 413, refused before it is read whole. */
export class BodyTooLargeError extends ApiError {
  override name = "BodyTooLargeError";
  constructor(message: string) {
    super(413, "body_too_large", message);
  }
}

/** Over the rate limit: 429 with Retry-After and the RateLimit headers. */
export class RateLimitedError extends ApiError {
  override name = "RateLimitedError";
  constructor(message: string, headers: Record<string, string>) {
    super(429, "rate_limited", message, { headers });
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

/** One bad variable: its name, what it must be, and (for the logs only) what it was. */
export interface ConfigProblem {
  variable: string;
  rule: string;
  got?: string;
}

/**
 * The Worker's environment is incomplete or invalid. The answer names every
 * bad variable and what it must be, never its value: anyone can read it. The
 * values go to the Worker log for the operator.
 */
export class ConfigError extends UnavailableError {
  override name = "ConfigError";
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super("config_invalid", `The Worker is misconfigured: ${problems.map((p) => `${p.variable} ${p.rule}`).join("; ")}`);
    this.problems = problems;
  }

  /** The operator's version, with the values found. */
  get detail(): string {
    return this.problems.map((p) => `${p.variable} ${p.rule}${p.got ? `, got ${p.got}` : ""}`).join("; ");
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
      console.warn(`${err.code}: ${err instanceof ConfigError ? err.detail : err.message}${cause}`);
    }
    const response = errorResponse(err.status, err.code, err.message);
    for (const [name, value] of Object.entries(err.headers)) response.headers.set(name, value);
    return response;
  }
  if (err instanceof HTTPException) {
    // Hono middleware (bearerAuth, bodyLimit) is given responses in this shape; anything else gets it here.
    return err.res ?? errorResponse(err.status, "http_error", err.message || "request rejected");
  }
  console.error(`unhandled error on ${c.req.method} ${c.req.path}`, err);
  return errorResponse(500, "internal", "unexpected error in the forecast Worker; the details are in the Worker logs");
}

/** app.notFound: unknown routes share the error shape. */
export function handleNotFound(c: Context): Response {
  return errorResponse(404, "not_found", `no route for ${c.req.method} ${c.req.path}; see GET /v1/forecast/:city/:store/:product, GET /v1/forecast, GET /v1/meta, GET /health`);
}
