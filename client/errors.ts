// Every failure the client reports: the API's error shape
// ({"error": {code, message}}) with its HTTP status, or `network` /
// `bad_response` when no such answer arrived.
export class ForecastApiError extends Error {
  override name = "ForecastApiError";
  /** The HTTP status; 0 when the Worker could not be reached. */
  readonly status: number;
  /** The API's stable code: bad_horizon, series_not_found, rate_limited, …; or network, bad_response. */
  readonly code: string;
  /** Seconds to wait before retrying, from Retry-After (429, some 503s). */
  readonly retryAfterSeconds: number | null;
  constructor(status: number, code: string, message: string, options?: ErrorOptions & { retryAfterSeconds?: number | null }) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds ?? null;
  }
}

/** The error an answer that is not 2xx or 304 stands for. */
export async function errorFrom(response: Response, path: string): Promise<ForecastApiError> {
  const retry = Number(response.headers.get("Retry-After"));
  const retryAfterSeconds = response.headers.has("Retry-After") && Number.isFinite(retry) ? retry : null;
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    error = ((await response.json()) as { error?: typeof error })?.error;
  } catch {
    // Not the API's shape: a proxy or a platform page answered.
  }
  if (typeof error?.code !== "string" || typeof error.message !== "string") {
    return new ForecastApiError(response.status, "bad_response", `${path} answered ${response.status} without the API's error shape`, { retryAfterSeconds });
  }
  return new ForecastApiError(response.status, error.code, error.message, { retryAfterSeconds });
}
