// The Worker as deployed, for the edge benchmarks: `wrangler deploy
// --dry-run` into a folder, the compatibility date the bundle was built for,
// and a wait until a workerd serving it answers.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Bundles the Worker of the tree at `cwd` (this checkout by default) into `outdir` (its index.js). */
export function buildBundle(outdir: string, cwd = root): void {
  execFileSync(process.execPath, [join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", outdir], {
    cwd, stdio: "ignore", env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
}

/** wrangler.toml's compatibility_date, which workerd must be given for the bundle to run as deployed. */
export function bundleCompatibilityDate(): string {
  return /compatibility_date\s*=\s*"([^"]+)"/.exec(readFileSync(join(root, "wrangler.toml"), "utf8"))![1]!;
}

/** Waits (up to 15 s) until `origin` answers /health with 200. */
export async function untilHealthy(origin: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await fetch(`${origin}/health`).then((r) => r.status === 200, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`workerd at ${origin} did not answer /health within 15 s`);
}

/** CPU seconds a process has used so far, all its threads (Linux /proc; clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
