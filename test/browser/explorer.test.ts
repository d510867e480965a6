// The explorer page in a real browser (Chromium via playwright-core, scripts/chromium.ts)
// against a locally running Worker (`wrangler dev`) serving a version the
// real trainer just published: it draws, switches, opens grid cells, shows
// Server-Timing, notices a newer version, and logs no console error.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keys } from "../../edge/contract/keys.ts";
import { loadConfig, type TrainerConfig } from "../../trainer/config.ts";
import { createLogger } from "../../trainer/log.ts";
import { runCycle } from "../../trainer/run/cycle.ts";
import { seedDemo } from "../../trainer/seed/load.ts";
import { launchChromium, type Browser } from "../../scripts/chromium.ts";
import { freePort, startWranglerDev, type WorkerProcess } from "../../scripts/wrangler-dev.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";
import { isolatedStore, type TestStore } from "../support/store.ts";

let database: TestDatabase;
let store: TestStore;
let config: TrainerConfig;
let worker: WorkerProcess;
let browser: Browser;
let page: Page;
const problems: string[] = [];
let leaving = false;
const log = createLogger("silent");

beforeAll(async () => {
  [database, store] = await Promise.all([isolatedDatabase(), isolatedStore()]);
  // 2 cities × 1 store × 2 products: berlin-central and lisbon-central; espresso-beans and sparkling-water,
  // listed by code, so the page opens on berlin/berlin-central/espresso-beans.
  await seedDemo(database.sql, { cities: 2, stores: 1, products: 2, days: 120, end: "2025-04-30", seed: 3 });
  config = loadConfig({
    DATABASE_URL: database.url, UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: store.token,
    KEY_PREFIX: store.prefix, HISTORY_DAYS: "100", HOLDOUT_DAYS: "14", FIT_THREADS: "2",
  }, { needsStore: true });
  await runCycle(config, { sql: database.sql, db: database.db, redis: store.redis, log });
  [worker, browser] = await Promise.all([
    freePort().then((port) => startWranglerDev({
      port,
      // A short pointer TTL so that the next publish shows within a second.
      vars: { UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: store.token, KEY_PREFIX: store.prefix, POINTER_TTL: "1" },
    })),
    launchChromium(),
  ]);
  page = await browser.context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => {
    // Leaving the page for the next test cancels what it still had in flight (the grid, a poll).
    if (leaving && request.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await Promise.all([database?.close(), store?.close()]);
});

const drawn = (page: Page) => page.locator("#chart").getAttribute("data-drawn");
const liveVersion = async () => (await store.redis.get<string>(keys(store.prefix).live))!;

/** Leaves the page as it is, for a blank one. */
async function leave() {
  leaving = true;
  try {
    await page.goto("about:blank");
  } finally {
    leaving = false;
  }
}

/** A fresh load of the page at a given state, so that each test starts from a known place. */
async function open(hash: string) {
  await page.setViewportSize({ width: 1200, height: 900 });
  await leave();
  await page.goto(`${worker.url}/explorer/?poll=1#${hash}`);
  await page.waitForFunction(() => document.querySelector("#chart")?.getAttribute("data-drawn"));
}

/** Pixels of the chart's canvas within `tolerance` of an RGB colour. */
async function pixelsOf(page: Page, hex: string, tolerance = 40): Promise<number> {
  return page.evaluate(([colour, tol]) => {
    const canvas = document.querySelector<HTMLCanvasElement>("#chart canvas")!;
    const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < tol) count++;
    }
    return count;
  }, [hex, tolerance] as const);
}

describe("the explorer page", () => {
  it("draws the first series: 90 days of actuals, then the 30-day forecast and its band", async () => {
    await page.setViewportSize({ width: 1200, height: 900 });
    await leave();
    await page.goto(`${worker.url}/?poll=1`);
    expect(new URL(page.url()).pathname).toBe("/explorer/");
    await page.waitForFunction(() => document.querySelector("#chart")?.getAttribute("data-drawn"));
    expect(await drawn(page)).toBe("berlin/berlin-central/espresso-beans/h30");
    expect(await page.locator("#chart").getAttribute("data-actual-days")).toBe("90");
    expect(await page.locator("#chart").getAttribute("data-forecast-days")).toBe("30");
    expect(await pixelsOf(page, "#2563eb"), "actuals line").toBeGreaterThan(100);
    expect(await pixelsOf(page, "#ea580c"), "forecast line").toBeGreaterThan(30);

    const live = await liveVersion();
    await expect.poll(() => page.locator("#version-line").textContent()).toMatch(new RegExp(`Version ${live}, trained \\d+ (s|min) ago`));
    const facts = await page.locator("#series-facts").textContent();
    expect(facts).toMatch(/Model(prophet|croston|sba|tsb|seasonal_naive|zero|ets)/i);
    expect(facts).toMatch(/MASE \d+\.\d\d/);
    expect(facts).toContain(live);
    expect(await page.locator("#city option").allTextContents()).toEqual(["Berlin", "Lisbon"]);
  });

  it("switches series and horizon", async () => {
    await open("city=berlin&store=berlin-central&product=espresso-beans&h=30&colour=demand");
    await page.selectOption("#product", "sparkling-water");
    await expect.poll(() => drawn(page)).toBe("berlin/berlin-central/sparkling-water/h30");
    await page.check("input[name=h][value='7']");
    await expect.poll(() => drawn(page)).toBe("berlin/berlin-central/sparkling-water/h7");
    expect(await page.locator("#chart").getAttribute("data-forecast-days")).toBe("7");
    await page.selectOption("#city", "lisbon");
    await expect.poll(() => drawn(page)).toBe("lisbon/lisbon-central/sparkling-water/h7");
    expect(await page.locator("#store option").allTextContents()).toHaveLength(1);
    expect(new URL(page.url()).hash).toBe("#city=lisbon&store=lisbon-central&product=sparkling-water&h=7&colour=demand");
  });

  it("shows the whole grid and opens a series from a cell", async () => {
    await open("city=lisbon&store=lisbon-central&product=sparkling-water&h=7&colour=demand");
    const cells = page.locator("#grid button.cell");
    await expect.poll(() => cells.count()).toBe(4);
    const colours = await cells.evaluateAll((buttons) => buttons.map((b) => (b as HTMLElement).style.backgroundColor));
    expect(colours.every((c) => c.startsWith("rgb("))).toBe(true);
    expect(new Set(colours).size).toBeGreaterThan(1);

    await page.click("#grid button[data-series='berlin/berlin-central/espresso-beans']");
    await expect.poll(() => drawn(page)).toBe("berlin/berlin-central/espresso-beans/h7");
    expect(await page.inputValue("#city")).toBe("berlin");
    expect(await page.inputValue("#product")).toBe("espresso-beans");
    expect(await page.getAttribute("#grid button[data-series='berlin/berlin-central/espresso-beans']", "aria-pressed")).toBe("true");

    await page.selectOption("#colour-by", "accuracy");
    await expect.poll(() => page.locator("#grid table").getAttribute("data-colour-by")).toBe("accuracy");
    expect(await page.getAttribute("#grid button[data-series='lisbon/lisbon-central/sparkling-water']", "title")).toMatch(/MASE \d+\.\d\d on the backtest/);
  });

  it("shows the stages each API answer reported in Server-Timing", async () => {
    // A horizon no other test reads, so the isolate's memory tier misses and the cache tier shows; the
    // newest answers are those for the series a grid cell opens.
    await open("city=lisbon&store=lisbon-central&product=espresso-beans&h=60&colour=demand");
    await page.click("#grid button[data-series='berlin/berlin-central/espresso-beans']");
    await expect.poll(() => drawn(page)).toBe("berlin/berlin-central/espresso-beans/h60");
    const rows = page.locator("#timings tbody tr");
    await expect.poll(() => rows.count()).toBeGreaterThan(3);
    const newest = await rows.first().locator("td").allTextContents();
    expect(newest[0]).toMatch(/^GET \/v1\/(forecast|history)\/berlin\/berlin-central\/espresso-beans/);
    expect(newest[1]).toBe("200");
    expect(newest[2]).toMatch(/pointer [\d.]+ ms \((memory|store)[\w-]*\)/);
    expect(newest[2]).toMatch(/total [\d.]+ ms/);
    const all = (await page.locator("#timings tbody").textContent()) ?? "";
    expect(all).toMatch(/cache [\d.]+ ms \((hit|miss)\)/);
  });

  it("says when a newer version is published while the page is open, and loads it", async () => {
    await open("city=berlin&store=berlin-central&product=espresso-beans&h=30&colour=demand");
    expect(await page.isVisible("#update-notice")).toBe(false);
    const newer = await runCycle(config, { sql: database.sql, db: database.db, redis: store.redis, log });
    await page.waitForSelector("#update-notice", { state: "visible", timeout: 15_000 });
    expect(await page.textContent("#update-text")).toContain(`Updated forecast available: version ${newer.version}`);
    await page.click("#update-load");
    await expect.poll(() => page.locator("#version-line").getAttribute("data-version")).toBe(newer.version);
    expect(await page.isVisible("#update-notice")).toBe(false);
    await expect.poll(() => page.locator("#series-facts").textContent()).toContain(newer.version);
  }, 60_000);

  it("fits a phone-sized screen", async () => {
    await open("city=berlin&store=berlin-central&product=espresso-beans&h=30&colour=demand");
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate(() => document.querySelector("#chart canvas")!.getBoundingClientRect().width)).toBeLessThanOrEqual(370);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it("logged no console error, page error or failed request", async () => {
    // Run alone, this still loads and drives the page once.
    await open("city=lisbon&store=lisbon-central&product=sparkling-water&h=30&colour=accuracy");
    await page.check("input[name=h][value='7']");
    await expect.poll(() => drawn(page)).toBe("lisbon/lisbon-central/sparkling-water/h7");
    expect(problems).toEqual([]);
  });
});
