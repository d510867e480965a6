// The bundled forecast Worker under plain `workerd serve` on a free port, for
// the fault benchmarks: the Cache API wired to cache-service.js, the
// hello-world Worker beside it (the config wants one), the given bindings.
import { spawn } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchPort } from "./ports.ts";
import { workerdConfig } from "./workerd-config.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const here = fileURLToPath(new URL(".", import.meta.url));

/** Serves `index.js` in `work` (a `wrangler deploy --dry-run` outdir); `stop` ends workerd. */
export async function serveBundle(work: string, options: { compatibilityDate: string; bindings: Record<string, string> }): Promise<{ origin: string; stop(): void }> {
  const port = await benchPort();
  copyFileSync(join(here, "cache-service.js"), join(work, "cache-service.js"));
  copyFileSync(join(here, "hello.js"), join(work, "hello.js"));
  writeFileSync(join(work, "config.capnp"), workerdConfig({
    bundle: "index.js", cacheService: "cache-service.js", hello: "hello.js", compatibilityDate: options.compatibilityDate,
    bindings: options.bindings, variants: [{ name: "forecast", port, env: {} }], helloPort: await benchPort(),
  }));
  // Its stderr would carry one line per refused request while a store is down.
  const workerd = spawn(join(root, "node_modules/.bin/workerd"), ["serve", join(work, "config.capnp")], { stdio: "ignore" });
  return { origin: `http://127.0.0.1:${port}`, stop: () => void workerd.kill("SIGTERM") };
}
