// Runs one command in a process group of its own and ends that whole group
// (the command and everything it started, such as wrangler's workerd) when it
// is asked to stop or when whoever started it goes away, even by SIGKILL.
// Usage: node scripts/group-guard.ts <grace-ms> <command> [args…]
// Stop it with SIGTERM/SIGINT or by closing its stdin: the group gets SIGTERM,
// then SIGKILL once <grace-ms> has passed, and the guard exits when the group
// is empty. Started detached, so a signal to its starter's group does not
// take it down before it has cleaned up.
import { spawn } from "node:child_process";
import { constants } from "node:os";

const [graceArg, command, ...args] = process.argv.slice(2);
const graceMs = Number(graceArg);
if (!command || !Number.isFinite(graceMs) || graceMs < 0) {
  console.error("usage: node scripts/group-guard.ts <grace-ms> <command> [args…]");
  process.exit(2);
}

const child = spawn(command, args, { detached: true, stdio: ["ignore", "inherit", "inherit"] });
const group = child.pid!;
let exitCode = 0;

/** Whether any process is left in the group (signal 0 only checks). */
function groupAlive(): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(signal: NodeJS.Signals) {
  try {
    process.kill(-group, signal);
  } catch {
    // already gone
  }
}

async function groupGone(withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (groupAlive()) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

let stopping: Promise<never> | undefined;
function stop(): Promise<never> {
  stopping ??= (async () => {
    signalGroup("SIGTERM");
    if (!(await groupGone(graceMs))) {
      signalGroup("SIGKILL");
      await groupGone(10_000);
    }
    process.exit(exitCode);
  })();
  return stopping;
}

child.once("error", (error) => {
  console.error(`group-guard: cannot start ${command}: ${error.message}`);
  exitCode = 127;
  void stop();
});
// The command ended by itself: what it started must not outlive it.
child.once("exit", (code, signal) => {
  exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
  void stop();
});
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => void stop());
// The starter holds the other end of stdin; it closes when the starter exits, however it exits.
process.stdin.on("end", () => void stop());
process.stdin.on("error", () => void stop());
process.stdin.resume();
