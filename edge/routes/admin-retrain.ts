// POST /v1/admin/retrain — queues a retrain of every series or a list, for
// the trainer's scheduler to consume (edge/contract/retrain.ts); GET
// /v1/admin/retrain/:id reports the request's state as the trainer updates it.
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { isSeriesField, MAX_RETRAIN_SERIES, newRetrainId, RETRAIN_ID_PATTERN, retrainKeys, type RetrainRequest } from "../contract/retrain.ts";
import { readConfig } from "../config.ts";
import { BadRequestError, NotFoundError } from "../errors.ts";
import { redisFor, storeCall } from "../store.ts";
import { readJsonBody } from "./admin-body.ts";
import { describeRetrain, describeRetrainStatus } from "../openapi/describe.ts";
import { describeRoutes } from "../openapi/documented.ts";

const noStore = { "Cache-Control": "no-store" };
/** Requests stay readable for a week, as the contract says. */
const REQUEST_TTL_SECONDS = 7 * 86_400;

function parseSeries(value: unknown): "all" | string[] {
  if (value === undefined || value === "all") return "all";
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequestError("bad_body", 'series must be "all" or a non-empty list of "city/store/product" fields');
  }
  if (value.length > MAX_RETRAIN_SERIES) {
    throw new BadRequestError("list_too_long", `series lists ${value.length} entries; at most ${MAX_RETRAIN_SERIES} per request (use "all" instead)`);
  }
  const bad = value.find((field) => typeof field !== "string" || !isSeriesField(field));
  if (bad !== undefined) {
    throw new BadRequestError("bad_identifier", `series entries must be city/store/product codes such as c1/s1/p1, got ${JSON.stringify(String(bad).slice(0, 80))}`);
  }
  return [...new Set(value as string[])];
}

export const adminRetrainRoute = new Hono<AppEnv>()
  .post("/admin/retrain", async (c) => {
    const config = readConfig(c.env);
    const body = await readJsonBody<{ series: unknown }>(c.req.raw);
    const request: RetrainRequest = { id: newRetrainId(), series: parseSeries(body.series), requestedAt: new Date().toISOString(), state: "queued" };
    const k = retrainKeys(config.keyPrefix);
    const redis = redisFor(config);
    const tx = redis.multi();
    tx.set(k.request(request.id), JSON.stringify(request), { ex: REQUEST_TTL_SECONDS });
    tx.lpush(k.queue, request.id);
    await storeCall(config, "enqueue retrain", () => tx.exec());
    const statusUrl = `/v1/admin/retrain/${request.id}`;
    return c.json({ ...request, statusUrl }, 202, { ...noStore, Location: statusUrl });
  })
  .get("/admin/retrain/:id", async (c) => {
    const config = readConfig(c.env);
    const id = c.req.param("id");
    if (!RETRAIN_ID_PATTERN.test(id)) throw new BadRequestError("bad_identifier", `retrain ids look like rt-<12 lowercase letters or digits>, got ${JSON.stringify(id.slice(0, 40))}`);
    const redis = redisFor(config);
    const raw = await storeCall(config, "GET retrain request", () => redis.get<string>(retrainKeys(config.keyPrefix).request(id)));
    if (raw === null) throw new NotFoundError("retrain_not_found", `no retrain request ${id}: requests are kept 7 days`);
    return c.json(JSON.parse(raw) as RetrainRequest, 200, noStore);
  });

describeRoutes(adminRetrainRoute, { "POST /admin/retrain": describeRetrain, "GET /admin/retrain/:id": describeRetrainStatus });
