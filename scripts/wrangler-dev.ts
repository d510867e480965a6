// Starts the Worker under `wrangler dev` (workerd underneath) and waits until
// it answers /health. Used by the demo and by the end-to-end test, so both
// exercise the Worker exactly as a developer runs it.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface WorkerProcess {
  url: string;
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

export async function startWranglerDev(options: { port: number; vars: Record<string, string>; timeoutMs?: number }): Promise<WorkerProcess> {
  const vars = Object.entries(options.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const child = spawn("wrangler", ["dev", "--ip", "127.0.0.1", "--port", String(options.port), "--show-interactive-dev-session=false",
    "--inspector-port", String(await freePort()), ...vars], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (d) => (output = (output + d).slice(-8000)));
  child.stderr!.on("data", (d) => (output = (output + d).slice(-8000)));
  const url = `http://127.0.0.1:${options.port}`;
  const close = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    // wrangler starts workerd as its own child: end the whole group.
    try { process.kill(-child.pid!, "SIGTERM"); } catch { child.kill("SIGTERM"); }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).status < 500) return { url, close };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  await close();
  throw new Error(`the Worker did not answer ${url}/health within ${(options.timeoutMs ?? 90_000) / 1000} s:\n${output}`);
}
