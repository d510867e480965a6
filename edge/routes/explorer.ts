// The explorer page: static assets built from explorer/ (wrangler.toml
// [assets], run_worker_first), served through the Worker so that EXPLORER=off
// turns the page off like any other behaviour. `/` leads to it.
import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { readConfig } from "../config.ts";
import { handleNotFound, NotFoundError } from "../errors.ts";

export const EXPLORER_PATH = "/explorer/";

/** To the page, the query along: the page reads options such as ?poll= from it. */
function toExplorer(c: Context<AppEnv>, status: 301 | 302): Response {
  return readConfig(c.env).explorer ? c.redirect(`${EXPLORER_PATH}${new URL(c.req.url).search}`, status) : handleNotFound(c);
}

export const explorerRoute = new Hono<AppEnv>()
  .get("/", (c) => toExplorer(c, 302))
  .get("/explorer", (c) => toExplorer(c, 301))
  .get("/explorer/*", async (c) => {
    if (!readConfig(c.env).explorer) {
      throw new NotFoundError("not_found", "the explorer page is turned off on this Worker (EXPLORER=off); the API under /v1 still answers");
    }
    if (!c.env.ASSETS) {
      throw new NotFoundError("not_found", "this Worker runs without the explorer's static assets: deploy it with wrangler.toml's [assets] section, which builds them");
    }
    // A fresh Response: the assets' headers are immutable, and middleware adds Server-Timing.
    const asset = await c.env.ASSETS.fetch(c.req.raw);
    if (asset.status === 404) throw new NotFoundError("not_found", `the explorer has no file ${c.req.path}; the page is ${EXPLORER_PATH}`);
    return new Response(asset.body, asset);
  });
