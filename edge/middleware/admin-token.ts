// Guards /v1/admin/* and /metrics with ADMIN_TOKEN (a Worker secret), sent as
// Authorization: Bearer <token> and compared in constant time.
import type { MiddlewareHandler } from "hono";
import { secretsEqual } from "../access/api-keys.ts";
import { readConfig, type Env } from "../config.ts";
import { ForbiddenError, UnauthorizedError } from "../errors.ts";

export function adminToken(): MiddlewareHandler<{ Bindings: Env }> {
  return async function adminTokenMiddleware(c, next) {
    const expected = readConfig(c.env).production.adminToken;
    if (!expected) {
      throw new ForbiddenError("admin_disabled", "admin routes are turned off: set the ADMIN_TOKEN secret (`wrangler secret put ADMIN_TOKEN`) to use them");
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization")?.trim() ?? "");
    if (!bearer) {
      throw new UnauthorizedError("admin_token_required", "this route needs the admin token: send Authorization: Bearer <ADMIN_TOKEN>");
    }
    if (!(await secretsEqual(bearer[1]!, expected))) {
      throw new ForbiddenError("admin_token_invalid", "the admin token does not match ADMIN_TOKEN");
    }
    await next();
  };
}
