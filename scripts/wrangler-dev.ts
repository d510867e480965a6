// Starts the Worker under `wrangler dev` (workerd underneath) and waits until
// it answers /health. Used by the demo and by the end-to-end test, so both
// exercise the Worker exactly as a developer runs it.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const GUARD = fileURLToPath(new URL("group-guard.ts", import.meta.url));
const require = createRequire(import.meta.url);

export interface WorkerProcess {
  url: string;
  /** The process that owns wrangler's process group; it exits once the group is gone. */
  pid: number;
  /** Ends wrangler and workerd: SIGTERM, then SIGKILL after a grace period. */
  close(): Promise<void>;
}

/** A free loopback port, for callers that do not care which. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** How long wrangler and workerd get to exit on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;

export async function startWranglerDev(options: { port: number; vars: Record<string, string>; timeoutMs?: number }): Promise<WorkerProcess> {
  const vars = Object.entries(options.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  // wrangler's own launcher, run by this Node (the system one may be too old for it).
  const wrangler = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
  // The guard owns wrangler's process group (wrangler, its Node child, workerd)
  // and ends all of it when close() asks or when this process dies.
  const guard = spawn(process.execPath, [GUARD, String(STOP_GRACE_MS), process.execPath, wrangler,
    "dev", "--ip", "127.0.0.1", "--port", String(options.port), "--show-interactive-dev-session=false",
    "--inspector-port", String(await freePort()), ...vars], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    detached: true,
  });
  let output = "";
  guard.stdout!.on("data", (d) => (output = (output + d).slice(-8000)));
  guard.stderr!.on("data", (d) => (output = (output + d).slice(-8000)));
  const exited = new Promise<void>((r) => guard.once("exit", () => r()));
  const url = `http://127.0.0.1:${options.port}`;
  const close = async () => {
    if (guard.exitCode !== null || guard.signalCode !== null) return;
    guard.kill("SIGTERM");
    const settled = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(r, STOP_GRACE_MS + 15_000, false))]);
    if (!settled) {
      guard.kill("SIGKILL");
      throw new Error(`wrangler dev (group guard ${guard.pid}) did not stop within ${STOP_GRACE_MS / 1000 + 15} s`);
    }
  };
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (guard.exitCode !== null) throw new Error(`wrangler dev exited with ${guard.exitCode}:\n${output}`);
    try {
      // The Worker's own answer, whichever it is (503 until a version is live), not wrangler's.
      const health = (await (await fetch(`${url}/health`)).json().catch(() => ({}))) as { status?: unknown };
      if (typeof health.status === "string") return { url, pid: guard.pid!, close };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  await close();
  throw new Error(`the Worker did not answer ${url}/health within ${(options.timeoutMs ?? 90_000) / 1000} s:\n${output}`);
}
