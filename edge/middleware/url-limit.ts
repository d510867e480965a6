// Refuses URLs over MAX_URL_LENGTH before any route reads them: a grid query
// is the only long URL the API has, and its length bounds the work it asks for.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { readConfig } from "../config.ts";
import { UrlTooLongError } from "../errors.ts";

export function urlLimit(): MiddlewareHandler<AppEnv> {
  return async function urlLimitMiddleware(c, next) {
    const length = c.req.url.length;
    // Short URLs need no configuration; a broken one is reported by the routes.
    if (length > 256) {
      const limit = readConfig(c.env).production.maxUrlLength;
      if (length > limit) {
        throw new UrlTooLongError(`the URL is ${length} characters; at most ${limit} (MAX_URL_LENGTH): split the request or use * for whole axes`);
      }
    }
    await next();
  };
}
