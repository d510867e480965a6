// GET /v1/admin/versions — the retained versions, newest first, with their
// size, models and accuracy, and which one is live; POST /v1/admin/pointer
// moves the live pointer to any of them without a deploy.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { edgeKeys } from "../contract/edge-keys.ts";
import { keys, VERSION_PATTERN } from "../contract/keys.ts";
import type { Manifest } from "../contract/payload.ts";
import { readConfig } from "../config.ts";
import { BadRequestError, NotFoundError } from "../errors.ts";
import { redisFor, storeCall } from "../store.ts";
import { forgetPointers } from "../version.ts";
import { readJsonBody } from "./admin-body.ts";
import { describeAdminVersions, describePointerMove } from "../openapi/describe.ts";
import { describeRoutes } from "../openapi/documented.ts";

const noStore = { "Cache-Control": "no-store" };
/** How long the version a pointer move replaces stays retained when the target had no expiry. */
export const REPLACED_RETENTION_SECONDS = 7 * 86_400;

export const adminVersionsRoute = new Hono<AppEnv>()
  .get("/admin/versions", async (c) => {
    const config = readConfig(c.env);
    const redis = redisFor(config);
    const k = keys(config.keyPrefix);
    const [live, scored] = await storeCall(config, "list versions", () =>
      Promise.all([redis.get<string>(k.live), redis.zrange<string[]>(k.versions, 0, -1, { rev: true, withScores: true })]));
    const ids: string[] = [];
    for (let i = 0; i < scored.length; i += 2) ids.push(String(scored[i]));
    const manifests = ids.length ? await storeCall(config, "MGET manifests", () => redis.mget<(string | null)[]>(...ids.map((id) => k.manifest(id)))) : [];
    const versions = ids.map((version, i) => {
      const raw = manifests[i];
      const manifest = raw ? (JSON.parse(raw) as Manifest & { accuracy?: unknown }) : null;
      return {
        version,
        live: version === live,
        retained: manifest !== null,
        trainedAt: manifest?.trainedAt ?? new Date(Number(scored[i * 2 + 1])).toISOString(),
        origin: manifest?.origin ?? null,
        series: manifest?.series ?? null,
        failed: manifest?.failed ?? null,
        models: manifest?.models ?? null,
        accuracy: manifest?.accuracy ?? null,
      };
    });
    return c.json({ live, pinned: config.pinnedVersion, versions }, 200, noStore);
  })
  .post("/admin/pointer", async (c) => {
    const config = readConfig(c.env);
    const body = await readJsonBody<{ version?: unknown }>(c.req.raw);
    const target = body.version;
    if (typeof target !== "string" || !VERSION_PATTERN.test(target)) {
      throw new BadRequestError("bad_body", 'the body must be {"version": "<id>"} with a version id such as 20260101T000000Z-ab12; GET /v1/admin/versions lists them');
    }
    const redis = redisFor(config);
    const k = keys(config.keyPrefix);
    const [previous, targetTtl] = await storeCall(config, "read pointer", () => Promise.all([redis.get<string>(k.live), redis.ttl(k.manifest(target))]));
    // TTL -2: the manifest is gone, so the version is not retained.
    if (targetTtl === -2) {
      throw new NotFoundError("version_not_found", `version ${target} is not retained (expired or never published); GET /v1/admin/versions lists the retained ones`);
    }
    if (previous !== target) {
      // The target becomes live, so it must not expire; the version it replaces
      // takes over the target's remaining retention (or a week), as after a publish.
      const tx = redis.multi();
      const prefetch = edgeKeys(config.keyPrefix).prefetch;
      for (const key of [...k.versionKeys(target), prefetch(target)]) tx.persist(key);
      if (previous && VERSION_PATTERN.test(previous)) {
        const retention = targetTtl > 0 ? targetTtl : REPLACED_RETENTION_SECONDS;
        for (const key of [...k.versionKeys(previous), prefetch(previous)]) tx.expire(key, retention);
      }
      tx.set(k.live, target);
      await storeCall(config, "move pointer", () => tx.exec());
    }
    forgetPointers();
    console.log(JSON.stringify({ level: "warn", msg: "live pointer moved", previous, live: target, requestId: c.get("requestId") }));
    return c.json({
      previous,
      live: target,
      pinned: config.pinnedVersion,
      note: config.pinnedVersion
        ? `this Worker is pinned to ${config.pinnedVersion} by FORECAST_VERSION and keeps serving it; unset FORECAST_VERSION to follow the pointer`
        : `other isolates follow within POINTER_TTL (${config.pointerTtlMs / 1000} s)`,
    }, 200, noStore);
  });

describeRoutes(adminVersionsRoute, { "GET /admin/versions": describeAdminVersions, "POST /admin/pointer": describePointerMove });
