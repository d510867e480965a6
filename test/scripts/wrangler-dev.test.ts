// Whatever starts `wrangler dev` may die without cleaning up: the Worker,
// wrangler's own Node child and workerd must still go, and the port with them.
import { spawn, execFileSync } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedStore, type TestStore } from "../support/store.ts";

const GUARD = fileURLToPath(new URL("../../scripts/group-guard.ts", import.meta.url));
const START_WORKER = fileURLToPath(new URL("start-worker.ts", import.meta.url));

let store: TestStore;
beforeAll(async () => {
  store = await isolatedStore();
});
afterAll(() => store?.close());

/** pid → [parent pid, process group] of every process, from ps (POSIX). */
function processTable(): Map<number, [number, number]> {
  const rows = execFileSync("ps", ["-A", "-o", "pid=,ppid=,pgid="], { encoding: "utf8" }).trim().split("\n");
  return new Map(rows.map((row) => {
    const [pid, ppid, pgid] = row.trim().split(/\s+/).map(Number);
    return [pid, [ppid, pgid]];
  }));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

describe("stopping what was started", () => {
  it("kills wrangler dev, its children and workerd when the process that started it is SIGKILLed", async () => {
    const parent = spawn(process.execPath, [START_WORKER, store.url, store.token, store.prefix], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const [line] = (await once(parent.stdout!, "data")) as [Buffer];
      const { url, guard } = JSON.parse(line.toString()) as { url: string; guard: number };
      const port = Number(new URL(url).port);
      // No version is published here, so the Worker's health says so: it answers.
      expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: expect.any(String) });
      const table = processTable();
      const group = [...table].find(([, [ppid]]) => ppid === guard)![0];
      const members = [...table].filter(([, [, pgid]]) => pgid === group).map(([pid]) => pid);
      expect(members.length, "wrangler, its Node child and workerd").toBeGreaterThanOrEqual(3);

      parent.kill("SIGKILL");
      await expect.poll(() => members.filter(alive), { timeout: 30_000, interval: 200 }).toEqual([]);
      await expect.poll(() => alive(guard), { timeout: 5_000 }).toBe(false);
      expect(await portFree(port)).toBe(true);
    } finally {
      parent.kill("SIGKILL");
    }
  }, 120_000);

  it("SIGKILLs a group that ignores SIGTERM once the grace period is over", async () => {
    // A parent and a child that both ignore SIGTERM, as a stuck workerd would.
    const stubborn = `process.on("SIGTERM", () => {});
      require("node:child_process").spawn(process.execPath, ["-e", "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"], { stdio: "inherit" });
      setInterval(() => {}, 1000);`;
    const guard = spawn(process.execPath, [GUARD, "1000", process.execPath, "-e", stubborn], { stdio: ["pipe", "pipe", "inherit"] });
    await once(guard.stdout!, "data");
    const table = processTable();
    const group = [...table].find(([, [ppid]]) => ppid === guard.pid)![0];
    const members = [...table].filter(([, [, pgid]]) => pgid === group).map(([pid]) => pid);
    expect(members).toHaveLength(2);

    guard.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    expect(members.filter(alive), "SIGTERM alone does not end them").toHaveLength(2);
    const [code] = (await once(guard, "exit")) as [number];
    expect(members.filter(alive)).toEqual([]);
    expect(code).toBe(128 + 9);
  });

  it("ends the group when the command exits by itself, leaving no grandchild behind", async () => {
    const leaver = `require("node:child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }).pid;
      console.log("ready"); setTimeout(() => process.exit(3), 500);`;
    const guard = spawn(process.execPath, [GUARD, "1000", process.execPath, "-e", leaver], { stdio: ["pipe", "pipe", "inherit"] });
    await once(guard.stdout!, "data");
    const group = [...processTable()].find(([, [ppid]]) => ppid === guard.pid)![0];
    const members = [...processTable()].filter(([, [, pgid]]) => pgid === group).map(([pid]) => pid);
    expect(members).toHaveLength(2);
    const [code] = (await once(guard, "exit")) as [number];
    expect(code).toBe(3);
    expect(members.filter(alive)).toEqual([]);
  });
});
