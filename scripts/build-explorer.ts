// Builds the explorer page (explorer/) into the Worker's static assets
// (dist/assets/explorer/): one minified script with uPlot bundled in, one
// stylesheet, and the HTML; and copies the API reference page's script,
// Scalar's standalone bundle from npm, to dist/assets/docs/. Runs as wrangler's [build] command, so every
// `wrangler dev`, `wrangler deploy` and the test bundle get a fresh copy.
// Files are replaced atomically and only when they change: a `wrangler dev`
// already serving the directory (a demo, a parallel test) never sees it empty.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const EXPLORER_ASSETS = join(ROOT, "dist/assets/explorer");
const DOCS_ASSETS = join(ROOT, "dist/assets/docs");
const REFERENCE_SCRIPT = join(ROOT, "node_modules/@scalar/api-reference/dist/browser/standalone.js");

async function replaceIfChanged(path: string, contents: Uint8Array): Promise<void> {
  const current = await readFile(path).catch(() => null);
  if (current && Buffer.compare(current, contents) === 0) return;
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}

export async function buildExplorer(outdir = EXPLORER_ASSETS): Promise<void> {
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(ROOT, "explorer/src/main.ts") },
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    outdir,
    write: false,
    logLevel: "warning",
    legalComments: "none",
  });
  for (const file of result.outputFiles) await replaceIfChanged(join(outdir, basename(file.path)), file.contents);
  await replaceIfChanged(join(outdir, "index.html"), await readFile(join(ROOT, "explorer/index.html")));
}

/** The /docs page loads it from the Worker, not a CDN (edge/openapi/reference.ts). */
export async function copyReferenceScript(outdir = DOCS_ASSETS): Promise<void> {
  await mkdir(outdir, { recursive: true });
  await replaceIfChanged(join(outdir, "scalar.js"), await readFile(REFERENCE_SCRIPT));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await Promise.all([buildExplorer(), copyReferenceScript()]);
}
