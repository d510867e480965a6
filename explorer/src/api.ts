// The page's only way to the Worker: same-origin GETs of the /v1 API. Every
// answer's Server-Timing stages go to the listeners (the timings table), and
// every error answer becomes an ApiRequestError with the API's stable code.
import { parseServerTiming, type TimingStage } from "./server-timing.ts";

export interface ApiExchange {
  path: string;
  status: number;
  stages: TimingStage[];
}

export class ApiRequestError extends Error {
  override name = "ApiRequestError";
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

type Listener = (exchange: ApiExchange) => void;
const listeners: Listener[] = [];

export function onExchange(listener: Listener): void {
  listeners.push(listener);
}

export async function apiGet<T>(path: string, options: { fresh?: boolean; quiet?: boolean } = {}): Promise<T> {
  let response: Response;
  try {
    // Answers carry the version's ETag and URLs do not name the version, so the
    // browser revalidates (a cheap 304) instead of reusing an older version's body.
    response = await fetch(path, { headers: { Accept: "application/json" }, cache: options.fresh ? "no-store" : "no-cache" });
  } catch (cause) {
    throw new ApiRequestError(0, "network", `could not reach the forecast Worker for ${path}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (!options.quiet) {
    const exchange = { path, status: response.status, stages: parseServerTiming(response.headers.get("Server-Timing")) };
    for (const listener of listeners) listener(exchange);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    throw new ApiRequestError(response.status, "bad_response", `${path} answered ${response.status} with a body that is not JSON`);
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiRequestError(response.status, error?.code ?? "http_error", error?.message ?? `${path} answered ${response.status}`);
  }
  return body as T;
}
