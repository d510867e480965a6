// The standalone command: prints its URL, serves, and exits 0 on SIGTERM.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const CLI = fileURLToPath(new URL("../../upstash-local/cli.ts", import.meta.url));

function run(args: string[]) {
  // Without REDIS_URL or a token in the environment, so the flags alone decide.
  const { REDIS_URL: _redis, UPSTASH_REDIS_REST_TOKEN: _token, ...env } = process.env;
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return { child, output: () => ({ stdout, stderr }) };
}

test("serves on the printed URL and exits cleanly on SIGTERM", async () => {
  const { child, output } = run(["--port", "0", "--token", "cli-token"]);
  const exited = once(child, "exit");
  let url: string | undefined;
  for (let waited = 0; url === undefined && waited < 10_000; waited += 50) {
    url = /listening on (http:\/\/\S+) \(backend: memory\)/.exec(output().stdout)?.[1];
    if (url === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(url, output().stderr).toBeDefined();
  const response = await fetch(`${url}/ping`, { headers: { Authorization: "Bearer cli-token" } });
  expect(await response.json()).toEqual({ result: "PONG" });
  child.kill("SIGTERM");
  const [code] = await exited;
  expect(code).toBe(0);
});

test("--help documents every flag", async () => {
  const { child, output } = run(["--help"]);
  const [code] = await once(child, "exit");
  expect(code).toBe(0);
  for (const flag of ["--token", "--port", "--host", "--redis-url"]) expect(output().stdout).toContain(flag);
});

test("a missing token and a bad port are reported together, without a stack", async () => {
  const { child, output } = run(["--port", "http"]);
  const [code] = await once(child, "exit");
  expect(code).toBe(1);
  expect(output().stderr).toContain("token must be a non-empty string");
  expect(output().stderr).toContain("port must be an integer from 0 to 65535");
  expect(output().stderr).not.toMatch(/\n\s+at /);
});
