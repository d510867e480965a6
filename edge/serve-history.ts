// History answers (actual sales and backtest accuracy): JSON only, since the
// binary format carries forecast arrays; cached like forecasts (serve-cached.ts).
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { negotiateFormat } from "./binary-format.ts";
import { BadRequestError } from "./errors.ts";
import { serveCached, type Gzip } from "./serve-cached.ts";

export function serveHistory(c: Context<AppEnv>, { cachePath, etag, load }: { cachePath: string; etag: string; load: () => Promise<Gzip> }): Promise<Response> {
  const config = c.get("config");
  // Accept is not read: a client that prefers the binary type still gets JSON.
  if (negotiateFormat(c.req.query("format"), null, config.production.binaryFormat) === "f32") {
    throw new BadRequestError("bad_format", "this route answers in JSON only: drop format=f32 (the binary format carries forecasts)");
  }
  return serveCached(c, { path: cachePath, etag, load, options: { version: c.get("version"), cacheMaxAgeSeconds: config.cacheMaxAgeSeconds } });
}
