// Chromium driven by playwright-core, for the explorer's browser test, its
// benchmark and its README screenshot. The browser is, in order: the one
// CHROMIUM_PATH names; the one npm installed inside @sparticuz/chromium
// (Linux), so `npm install` alone is enough and every Linux machine runs the
// same build whatever else it has installed; else a system Chromium or Chrome
// at its usual path (macOS, say). Every launch gets a fresh profile, no
// background traffic, and nothing that needs a GPU or a sandbox.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext } from "playwright-core";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--disable-quic",
];

const SYSTEM_BROWSERS: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"],
  darwin: ["/Applications/Chromium.app/Contents/MacOS/Chromium", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"],
};

export interface ChromiumBinary {
  executablePath: string;
  /** Where it came from, for messages: "CHROMIUM_PATH", "@sparticuz/chromium <version>" or "system". */
  source: string;
  /** Extra environment the binary needs (the bundled one brings its own fonts). */
  env: Record<string, string>;
}

export interface Browser {
  context: BrowserContext;
  binary: ChromiumBinary;
  close(): Promise<void>;
}

/** The Chromium to drive, unpacking the npm-installed one on first use. */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumBinary> {
  const named = env.CHROMIUM_PATH;
  if (named) {
    if (!existsSync(named)) throw new Error(`CHROMIUM_PATH=${named}: no such file. Point it at a Chromium or Chrome binary, or unset it to use the one npm installed (@sparticuz/chromium).`);
    return { executablePath: named, source: "CHROMIUM_PATH", env: {} };
  }
  if (process.platform === "linux" && ["x64", "arm64"].includes(process.arch)) return bundledChromium();
  const system = (SYSTEM_BROWSERS[process.platform] ?? []).find((path) => existsSync(path));
  if (system) return { executablePath: system, source: "system", env: {} };
  throw new Error(`no Chromium found: @sparticuz/chromium runs on Linux only (this is ${process.platform}-${process.arch}); install Chromium or Chrome, or set CHROMIUM_PATH`);
}

/**
 * @sparticuz/chromium ships the browser brotli-packed and unpacks it into the
 * temp directory, where parallel or interrupted unpacks would share one
 * half-written binary. Here it unpacks once per project, in a child process
 * pointed at a private staging directory that is renamed into place whole.
 */
async function bundledChromium(): Promise<ChromiumBinary> {
  const pkg = join(ROOT, "node_modules", "@sparticuz", "chromium");
  if (!existsSync(join(pkg, "package.json"))) {
    throw new Error("no Chromium found: run `npm install` (it installs @sparticuz/chromium), or set CHROMIUM_PATH to a Chromium or Chrome binary");
  }
  const { version } = JSON.parse(await readFile(join(pkg, "package.json"), "utf8")) as { version: string };
  const cacheRoot = join(ROOT, "node_modules", ".cache");
  const home = join(cacheRoot, `sparticuz-chromium-${version}`);
  const binary: ChromiumBinary = {
    executablePath: join(home, "chromium"),
    source: `@sparticuz/chromium ${version}`,
    env: { FONTCONFIG_FILE: join(home, "fonts.conf") },
  };
  if (existsSync(binary.env.FONTCONFIG_FILE)) return binary;

  await mkdir(cacheRoot, { recursive: true });
  const staging = await mkdtemp(join(cacheRoot, "sparticuz-chromium-unpacking-"));
  try {
    await unpackInto(staging);
    // The package's own fonts.conf names /tmp/fonts; this one names the unpacked fonts and keeps the system's.
    await writeFile(join(staging, "fonts.conf"), [
      `<?xml version="1.0"?>`, `<!DOCTYPE fontconfig SYSTEM "fonts.dtd">`, `<fontconfig>`,
      `  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>`,
      `  <dir>${join(home, "fonts")}</dir>`, `  <cachedir>${join(home, "fonts-cache")}</cachedir>`, `</fontconfig>`, ``,
    ].join("\n"));
    await rename(staging, home);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Another process renamed its complete copy into place first.
    if (existsSync(binary.env.FONTCONFIG_FILE)) return binary;
    throw error;
  }
  return binary;
}

function unpackInto(dir: string): Promise<void> {
  const script = `const { default: c } = await import("@sparticuz/chromium"); await c.executablePath();`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: ROOT, env: { ...process.env, TMPDIR: dir }, stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0 && existsSync(join(dir, "chromium"))) resolve();
      else reject(new Error(`unpacking @sparticuz/chromium failed (${signal ?? `exit ${code}`}):\n${stderr}`));
    });
  });
}

export async function launchChromium(options: { viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const binary = await findChromium();
  const profile = await mkdtemp(join(tmpdir(), "chromium-profile-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: binary.executablePath,
      headless: true,
      args: FLAGS,
      env: { ...process.env, ...binary.env },
      // The bundled headless shell takes its locale from LANG, and C.UTF-8 gives
      // "en-US@posix", which Intl refuses; pages are tested in one fixed locale.
      locale: "en-US",
      viewport: options.viewport ?? { width: 1200, height: 900 },
    });
    return {
      context,
      binary,
      async close() {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw new Error(`could not start ${binary.source} Chromium at ${binary.executablePath}`, { cause: error });
  }
}
