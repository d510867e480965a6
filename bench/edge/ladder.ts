// The runtime ladder: what each step a memory hit must take costs on its own
// under workerd, one step added at a time, so the gap between hello world and
// the forecast Worker can be read step by step in the same run. One module,
// bundled once (bench/edge/run.ts); the text binding STEP picks the rung.
// The answer, the headers and the log line are those of a series memory hit.
import { Hono } from "hono";

interface LadderEnv {
  STEP: string;
  /** For the store rung: the Upstash-compatible endpoint, its token and one command (a JSON array) to send. */
  STORE_URL: string;
  STORE_TOKEN: string;
  STORE_COMMAND: string;
  RATE_LIMITER: { limit(options: { key: string }): Promise<{ success: boolean }> };
}

const body = new Uint8Array(398);
const VERSION = "20261101T000000Z-abcd";
const HEADERS: Record<string, string> = {
  "Content-Type": "application/json; charset=utf-8", "Cache-Control": "public, max-age=300", ETag: `"${VERSION}:h30:c1/s1/p1"`,
  Vary: "Accept-Encoding, Accept", "X-Forecast-Version": VERSION, "X-Forecast-Pinned": "false", "X-Forecast-Mode": "fast",
  "Content-Encoding": "gzip", "X-Request-Id": "ladder-1", "RateLimit-Policy": "600;w=60",
  "Server-Timing": 'pointer;dur=0.0;desc="memory",cache;dur=0.0;desc="hit",tier;desc="memory",total;dur=0.0',
};
const PREPARED = new Headers(HEADERS);
const LINE = JSON.stringify({ level: "info", msg: "request", requestId: "ladder-1", method: "GET", path: "/v1/forecast/c1/s1/p1", route: "/v1/forecast/:city/:store/:product", status: 200, ms: 0, version: VERSION });
let sequence = 0;

const hello = () => new Response("hello");
const answer = () => new Response(body, { encodeBody: "manual", headers: HEADERS } as ResponseInit);

const routed = new Hono().get("/v1/forecast/:city/:store/:product", () => answer());
const layered = new Hono()
  .use(async (_c, next) => { await next(); })
  .use(async (_c, next) => { await next(); })
  .use(async (_c, next) => { await next(); })
  .get("/v1/forecast/:city/:store/:product", () => answer());

function objectLine(request: Request): string {
  const path = request.url.slice(request.url.indexOf("/", 8));
  return JSON.stringify({ level: "info", msg: "request", requestId: `ladder-${(++sequence).toString(36)}`, method: request.method, path, route: "/v1/forecast/:city/:store/:product", status: 200, ms: 0, version: VERSION });
}

const steps: Record<string, (request: Request, env: LadderEnv) => Response | Promise<Response>> = {
  "log-constant": () => {
    console.log(LINE);
    return hello();
  },
  // The same line logged from 24 frames down, as a frame inside a router's dispatch is.
  "log-deep": (request) => {
    const down = (depth: number): void => (depth === 0 ? console.log(objectLine(request)) : down(depth - 1));
    down(24);
    return hello();
  },
  "log-object": (request) => {
    console.log(objectLine(request));
    return hello();
  },
  limit: async (_request, env) => {
    await env.RATE_LIMITER.limit({ key: "ladder|ip:unknown" });
    return hello();
  },
  headers: () => answer(),
  "headers-prepared": () => new Response(body, { encodeBody: "manual", headers: PREPARED } as ResponseInit),
  // A grid miss's least: one store read with fetch (no client library), the reply's base64 decoded, the answer.
  "store-read": async (_request, env) => {
    const reply = await fetch(env.STORE_URL, { method: "POST", headers: { Authorization: `Bearer ${env.STORE_TOKEN}` }, body: env.STORE_COMMAND });
    const { result } = (await reply.json()) as { result: string };
    const bytes = (Uint8Array as unknown as { fromBase64(text: string): Uint8Array<ArrayBuffer> }).fromBase64(result);
    return new Response(bytes, { encodeBody: "manual", headers: HEADERS } as ResponseInit);
  },
  hono: (request) => routed.fetch(request),
  "hono-3-middleware": (request) => layered.fetch(request),
};

export default {
  fetch(request: Request, env: LadderEnv): Response | Promise<Response> {
    return steps[env.STEP]!(request, env);
  },
};
