// Runs the Worker inside workerd the way Cloudflare calls it, with env
// overridden per request, and gives each test its own key prefix in the store.
import { decodeForecastGrid, decodeSeriesForecast } from "../../client/forecast-shape.ts";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env as bindings } from "cloudflare:workers";
import { Redis } from "@upstash/redis/cloudflare";
import { gunzip } from "../../edge/contract/codec.ts";
import type { RateLimitBinding } from "../../edge/config.ts";
import app, { type Env } from "../../edge/index.ts";

export interface TestBindings extends Env {
  TEST_CLOSED_STORE_URL: string;
  TEST_SILENT_STORE_URL: string;
  TEST_STORE_BACKEND: "redis" | "memory";
  /** Miniflare's rate-limiting binding with a limit of 3 a minute (vitest.edge.config.ts). */
  TEST_RATE_LIMITER: RateLimitBinding;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A JSON body (objects are serialised). */
  body?: unknown;
  env?: Partial<Env>;
}

export const testBindings = bindings as unknown as TestBindings;

export interface EdgeHarness {
  prefix: string;
  /** A client configured as the trainer's: raw strings both ways. */
  redis: Redis;
  /** GET a path on the Worker; `env` overrides bindings for this request only. */
  get(path: string, options?: { headers?: Record<string, string>; env?: Partial<Env> }): Promise<Response>;
  /** Any method; waits for the request's waitUntil work like get. */
  request(path: string, options?: RequestOptions): Promise<Response>;
  cleanup(): Promise<void>;
}

export function edgeHarness(): EdgeHarness {
  const prefix = `edge-${crypto.randomUUID().slice(0, 12)}`;
  const redis = new Redis({
    url: testBindings.UPSTASH_REDIS_REST_URL,
    token: testBindings.UPSTASH_REDIS_REST_TOKEN,
    automaticDeserialization: false,
    responseEncoding: false,
    enableTelemetry: false,
  });
  return {
    prefix,
    redis,
    get(path, options = {}) {
      return this.request(path, options);
    },
    async request(path, options = {}) {
      const ctx = createExecutionContext();
      const body = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
      const request = new Request(`http://edge.test${path}`, {
        method: options.method ?? "GET",
        headers: { "Accept-Encoding": "gzip", ...(body !== undefined ? { "Content-Type": "application/json" } : {}), ...options.headers },
        body,
      });
      const response = await app.fetch(request, { ...testBindings, KEY_PREFIX: prefix, ...options.env }, ctx);
      // Cache writes run in waitUntil; the next request of a test should see them.
      await waitOnExecutionContext(ctx);
      return response;
    },
    async cleanup() {
      const leftovers = await redis.keys(`${prefix}:*`);
      if (leftovers.length > 0) await redis.del(...leftovers);
    },
  };
}

/** The response body as an object, gunzipping it when the Worker sent gzip. */
export async function readJson<T = any>(response: Response): Promise<T> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const text = new TextDecoder().decode(response.headers.get("Content-Encoding") === "gzip" ? await gunzip(bytes) : bytes);
  return JSON.parse(text) as T;
}

/** A single-series forecast answer decoded into its values (shape 1), whichever JSON shape it came in (client/forecast-shape.ts). */
export async function readSeries(response: Response, field: string): Promise<any> {
  const [city, store, product] = field.split("/") as [string, string, string];
  return decodeSeriesForecast(await readJson(response), { city, store, product, version: response.headers.get("X-Forecast-Version") ?? "" });
}

/** A grid answer decoded into its values (shape 1), whichever JSON shape it came in. */
export async function readGrid(response: Response): Promise<any> {
  return decodeForecastGrid(await readJson(response));
}

/** Server-Timing as name → desc (or "" when a metric has no desc). */
export function serverTiming(response: Response): Record<string, string> {
  const metrics: Record<string, string> = {};
  for (const part of (response.headers.get("Server-Timing") ?? "").split(",")) {
    const [name, ...params] = part.trim().split(";");
    if (!name) continue;
    const desc = params.find((p) => p.startsWith("desc="));
    metrics[name] = desc ? desc.slice(6, -1) : "";
  }
  return metrics;
}

/** Waits real time; workerd's clock moves across I/O such as this timer. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
