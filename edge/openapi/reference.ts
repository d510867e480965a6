// GET /v1/openapi.json — the OpenAPI 3.1 document, built once per isolate from
// the routes the Worker runs (the descriptions on their handlers); GET /docs —
// Scalar's interactive reference over it. The page's script is Scalar's own
// bundle from npm, copied into the static assets at build
// (scripts/build-explorer.ts) and served from /docs/, so the page needs no CDN.
// API_DOCS=off turns both off. /docs is behind the same key and CORS rules
// as /v1 (index.ts mounts access() in front of it).
import { Scalar } from "@scalar/hono-api-reference";
import { Hono, type MiddlewareHandler } from "hono";
import type { RouterRoute } from "hono/types";
import { generateSpecs } from "hono-openapi";
import type { AppEnv } from "../app-env.ts";
import { readConfig } from "../config.ts";
import { NotFoundError } from "../errors.ts";
import { describeDocsPage, describeDocument } from "./describe.ts";
import { documentOptions } from "./document.ts";
import { describeRoutes, resolveParameters } from "./documented.ts";

export const DOCUMENT_PATH = "/v1/openapi.json";
export const DOCS_PATH = "/docs";
const SCRIPT_PATH = "/docs/scalar.js";

function docsSwitch(): MiddlewareHandler<AppEnv> {
  return async function docsSwitchMiddleware(c, next) {
    if (!readConfig(c.env).apiDocs) throw new NotFoundError("not_found", "the API description is turned off on this Worker (API_DOCS=off); the API under /v1 still answers");
    await next();
  };
}

/** generateSpecs reads only the routes. */
export interface Documented {
  routes: RouterRoute[];
}

/** Mounted under /v1; `documented` is the whole Worker, read at the first request. */
export function openApiRoute(documented: () => Documented) {
  let built: Promise<object> | undefined;
  const route = new Hono<AppEnv>().get("/openapi.json", docsSwitch(), async (c) => {
    built ??= resolveParameters().then(() => generateSpecs(documented() as Hono, documentOptions)).catch((err: unknown) => {
      built = undefined;
      throw err;
    });
    return c.json(await built, 200, { "Cache-Control": "public, max-age=300" });
  });
  describeRoutes(route, { "GET /openapi.json": describeDocument });
  return route;
}

export const docsPageRoute = new Hono<AppEnv>()
  .get(
    DOCS_PATH,
    docsSwitch(),
    Scalar({
      url: DOCUMENT_PATH,
      cdn: SCRIPT_PATH,
      pageTitle: "Forecast API reference",
      // Nothing from elsewhere: no web fonts, no telemetry, none of Scalar's hosted services.
      withDefaultFonts: false,
      telemetry: false,
      agent: { disabled: true },
      mcp: { disabled: true },
      showDeveloperTools: "never",
    }),
  )
  .get(SCRIPT_PATH, docsSwitch(), async (c) => {
    if (!c.env.ASSETS) throw new NotFoundError("not_found", "this Worker runs without its static assets: deploy it with wrangler.toml's [assets] section, which builds them");
    const asset = await c.env.ASSETS.fetch(c.req.raw);
    if (asset.status === 404) throw new NotFoundError("not_found", `no file ${c.req.path}`);
    return new Response(asset.body, asset);
  });

describeRoutes(docsPageRoute, { [`GET ${DOCS_PATH}`]: describeDocsPage });
