// Builds the explorer page (explorer/) into the Worker's static assets
// (dist/assets/explorer/): one minified script with uPlot bundled in, one
// stylesheet, and the HTML. Runs as wrangler's [build] command, so every
// `wrangler dev`, `wrangler deploy` and the test bundle get a fresh copy.
import { copyFile, mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const EXPLORER_ASSETS = `${ROOT}dist/assets/explorer`;

export async function buildExplorer(outdir = EXPLORER_ASSETS): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: { app: `${ROOT}explorer/src/main.ts` },
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    outdir,
    logLevel: "warning",
    legalComments: "none",
  });
  await copyFile(`${ROOT}explorer/index.html`, `${outdir}/index.html`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildExplorer();
}
