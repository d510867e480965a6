// Node side of the edge tests: bundle the Worker exactly as `npm run build:edge`
// does (a bundling error stops the run), start the project's Upstash-compatible
// endpoint, and open the two broken stores the failure tests point at.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import type { EdgeTestEndpoints } from "./endpoints.ts";

const run = promisify(execFile);
const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

async function bundleWorker(): Promise<void> {
  const outdir = await mkdtemp(join(tmpdir(), "edge-bundle-"));
  try {
    await run(process.execPath, [join(projectRoot, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", outdir], {
      cwd: projectRoot,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
  } catch (err) {
    const { stdout = "", stderr = "" } = err as { stdout?: string; stderr?: string };
    throw new Error(`wrangler deploy --dry-run failed: the Worker does not bundle\n${stdout}\n${stderr}`, { cause: err });
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/** startUpstashLocal in a child process (see store-process.ts for why). */
async function startStore(token: string): Promise<{ url: string; backend: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./store-process.ts", import.meta.url))], {
    cwd: projectRoot,
    env: { ...process.env, EDGE_TEST_STORE_TOKEN: token },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const started = await new Promise<{ url: string; backend: string }>((resolve, reject) => {
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line));
    });
    child.once("exit", (code) => reject(new Error(`the edge tests' store exited with code ${code} before it started: ${output}`)));
  });
  return {
    ...started,
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export default async function setup(project: TestProject) {
  await bundleWorker();
  const token = randomBytes(16).toString("hex");
  const store = await startStore(token);
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const silentPort = await listen(silent);

  const endpoints: EdgeTestEndpoints = {
    storeUrl: store.url,
    storeToken: token,
    storeBackend: store.backend,
    closedStoreUrl: `http://127.0.0.1:${await closedPort()}`,
    silentStoreUrl: `http://127.0.0.1:${silentPort}`,
  };
  project.provide("edgeEndpoints", endpoints);
  console.log(`edge tests: store ${store.url} on the ${store.backend} backend`);

  return async function teardown() {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await store.close();
  };
}
