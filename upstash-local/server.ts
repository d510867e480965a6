// Upstash's REST protocol over node:http, so the real @upstash/redis client
// (trainer and Worker) runs unchanged against real Redis or an in-process store.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  BackendUnavailableError, CommandError, RequestError, UpstashLocalConfigError,
} from "./errors.ts";
import { createMemoryBackend } from "./memory-backend.ts";
import { encodeOutcomes, encodeReply, toArgv, toArgvList, type Argv, type Backend } from "./protocol.ts";
import { connectRedisBackend } from "./redis-backend.ts";

/** Upstash refuses request bodies over 10 MB; so do we, so nothing works here that fails there. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

// Longer than undici's default keep-alive (4 s) so a pooled client socket is
// never closed under a request in flight.
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface UpstashLocalOptions {
  /** Required as `Authorization: Bearer <token>` on every request. */
  token: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** When set, commands go to this Redis through ioredis; otherwise to an in-process store. */
  redisUrl?: string;
}

export interface UpstashLocal {
  /** Base URL to give `new Redis({ url, token })`, e.g. http://127.0.0.1:8079. */
  url: string;
  token: string;
  backend: "redis" | "memory";
  close(): Promise<void>;
}

export async function startUpstashLocal(options: UpstashLocalOptions): Promise<UpstashLocal> {
  const { token, port, host, redisUrl } = checkOptions(options);
  const backend = redisUrl === undefined ? createMemoryBackend() : await connectRedisBackend(redisUrl);
  const server = createServer({ noDelay: true }, createRequestHandler(backend, token));
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  try {
    await listen(server, port, host);
  } catch (error) {
    await backend.close();
    throw new UpstashLocalConfigError([`cannot listen on ${host}:${port}: ${(error as Error).message}`], {
      cause: error,
    });
  }
  const { port: boundPort } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${boundPort}`,
    token,
    backend: backend.kind,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Pooled keep-alive sockets would otherwise hold close() for a minute.
        server.closeAllConnections();
        await closed;
        await backend.close();
      })();
      return closing;
    },
  };
}

function createRequestHandler(backend: Backend, token: string) {
  const expectedAuthorization = sha256(`Bearer ${token}`);

  // Hashing both sides makes the comparison constant-time whatever the lengths.
  function authorized(header: string | undefined): boolean {
    return header !== undefined && timingSafeEqual(sha256(header), expectedAuthorization);
  }

  async function respond(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!authorized(request.headers.authorization)) throw new RequestError(401, "Unauthorized");
    const base64 = request.headers["upstash-encoding"] === "base64";
    const target = request.url ?? "/";

    if (target === "/" || target === "/pipeline" || target === "/multi-exec") {
      if (request.method !== "POST") throw new RequestError(405, `ERR ${target} accepts POST only`);
      const body = parseJson(await readBody(request));
      if (target === "/") {
        send(response, 200, { result: encodeReply(await backend.command(toArgv(body)), base64) });
      } else {
        const commands = toArgvList(body);
        const outcomes = target === "/pipeline"
          ? await backend.pipeline(commands)
          : await backend.transaction(commands);
        // 200 even when some commands failed: each entry carries its own error.
        send(response, 200, encodeOutcomes(outcomes, base64));
      }
      return;
    }

    // Upstash's URL form: GET /set/foo/bar?EX=100, or POST /set/foo with the value as body.
    if (request.method !== "GET" && request.method !== "POST") {
      throw new RequestError(405, "ERR use GET or POST");
    }
    const argv = argvFromUrl(target);
    const body = await readBody(request);
    if (body.length > 0) argv.push(body.toString("utf8"));
    send(response, 200, { result: encodeReply(await backend.command(toArgv(argv)), base64) });
  }

  return function handleUpstashRequest(request: IncomingMessage, response: ServerResponse): void {
    respond(request, response).catch((error: unknown) => sendFailure(response, error));
  };
}

/** The one place a failure becomes a response: `{"error": "..."}` with a status a caller can act on. */
function sendFailure(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  if (error instanceof RequestError) send(response, error.status, { error: error.message });
  else if (error instanceof CommandError) send(response, 400, { error: error.message });
  else if (error instanceof BackendUnavailableError) send(response, 503, { error: error.message });
  else {
    console.error("upstash-local: unexpected error", error);
    send(response, 500, { error: "ERR internal error in upstash-local" });
  }
}

function send(response: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
  });
  response.end(body);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  const tooLarge = () => new RequestError(413, `ERR max request size exceeded: the limit is ${MAX_BODY_BYTES} bytes`);
  if (Number(request.headers["content-length"]) > MAX_BODY_BYTES) {
    // Node discards the unread body once the response is sent, keeping the connection usable.
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    function onData(chunk: Buffer): void {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      // Keep reading but drop the rest, so the client sees the 413 instead of a reset.
      request.off("data", onData);
      request.resume();
      chunks.length = 0;
      reject(tooLarge());
    }
    request.on("data", onData);
    request.on("end", () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new RequestError(400, `ERR the request body is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function argvFromUrl(target: string): Argv {
  const queryStart = target.indexOf("?");
  const path = queryStart === -1 ? target : target.slice(0, queryStart);
  const argv: Argv = [];
  try {
    for (const segment of path.split("/")) if (segment !== "") argv.push(decodeURIComponent(segment));
  } catch (error) {
    throw new RequestError(400, `ERR the URL path is not valid percent-encoding: ${target}`, { cause: error });
  }
  if (queryStart !== -1) {
    for (const [name, value] of new URLSearchParams(target.slice(queryStart + 1))) {
      argv.push(name);
      if (value !== "") argv.push(value);
    }
  }
  return argv;
}

function checkOptions(options: UpstashLocalOptions): Required<Omit<UpstashLocalOptions, "redisUrl">> & {
  redisUrl: string | undefined;
} {
  const { token, port = 0, host = "127.0.0.1", redisUrl } = options;
  const problems: string[] = [];
  if (typeof token !== "string" || token === "" || /\s/.test(token)) {
    problems.push("token must be a non-empty string without whitespace (clients send it as `Bearer <token>`)");
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`port must be an integer from 0 to 65535 (0 picks a free port); got ${port}`);
  }
  if (typeof host !== "string" || host === "") problems.push("host must be a non-empty string such as 127.0.0.1");
  if (redisUrl !== undefined && !/^rediss?:\/\/\S+$/.test(redisUrl)) {
    problems.push("redisUrl must look like redis://127.0.0.1:6379 (or rediss:// for TLS); leave it unset for the in-memory store");
  }
  if (problems.length > 0) throw new UpstashLocalConfigError(problems);
  return { token, port, host, redisUrl };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** A host clients can reach: wildcard addresses become loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
