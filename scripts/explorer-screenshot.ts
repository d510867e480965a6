// Takes a PNG of the explorer page as a running Worker serves it, once the
// chart and the grid are drawn (README's docs/explorer.png comes from here,
// with `npm run demo` running): tsx scripts/explorer-screenshot.ts --help
import { Command, InvalidArgumentError } from "commander";
import { launchChromium } from "./chromium.ts";

const pixels = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 320 || n > 4000) throw new InvalidArgumentError("must be a whole number of pixels from 320 to 4000");
  return n;
};

const flags = new Command("explorer-screenshot")
  .description("Saves a PNG of the forecast explorer page served by a running Worker.")
  .argument("<page>", "the explorer's URL, e.g. http://127.0.0.1:8787/explorer/#city=osaka&store=osaka-north&product=sunscreen&h=60")
  .argument("<png>", "where to write the PNG")
  .option("--width <px>", "viewport width", pixels, 1000)
  .option("--height <px>", "viewport height (the PNG is cut there)", pixels, 1100)
  .parse();
const [page, png] = flags.args as [string, string];
const { width, height } = flags.opts<{ width: number; height: number }>();

const browser = await launchChromium({ viewport: { width, height } });
try {
  const tab = await browser.context.newPage();
  await tab.goto(page);
  await tab.waitForSelector("#chart[data-drawn]", { timeout: 30_000 });
  await tab.waitForSelector("#grid button.cell", { timeout: 30_000 });
  await tab.screenshot({ path: png });
  console.log(`wrote ${png} (${width}×${height})`);
} finally {
  await browser.close();
}
