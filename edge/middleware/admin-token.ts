// Guards /v1/admin/* and /metrics with ADMIN_TOKEN (a Worker secret), sent as
// Authorization: Bearer <token>. Hono's bearerAuth compares in constant time;
// its refusals are given the API's error shape here.
import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import type { AppEnv } from "../app-env.ts";
import { readConfig } from "../config.ts";
import { errorResponse, ForbiddenError } from "../errors.ts";

// bearerAuth adds WWW-Authenticate to the 401.
const required = () => errorResponse(401, "admin_token_required", "this route needs the admin token: send Authorization: Bearer <ADMIN_TOKEN>");
const wrong = () => errorResponse(403, "admin_token_invalid", "the admin token does not match ADMIN_TOKEN");

const guards = new Map<string, MiddlewareHandler>();

function guardFor(token: string): MiddlewareHandler {
  let guard = guards.get(token);
  if (!guard) {
    if (guards.size > 4) guards.clear();
    guard = bearerAuth({
      token,
      realm: "forecast",
      noAuthenticationHeader: { message: required },
      invalidAuthenticationHeader: { message: required },
      invalidToken: { message: wrong },
    });
    guards.set(token, guard);
  }
  return guard;
}

export function adminToken(): MiddlewareHandler<AppEnv> {
  return async function adminTokenMiddleware(c, next) {
    const token = readConfig(c.env).production.adminToken;
    if (!token) {
      throw new ForbiddenError("admin_disabled", "admin routes are turned off: set the ADMIN_TOKEN secret (`wrangler secret put ADMIN_TOKEN`) to use them");
    }
    return guardFor(token)(c, next);
  };
}
