// How each public route is described in the OpenAPI document: its answers,
// their headers, the error codes it can give and the schemas it validates
// its parameters with. Each route file hands its own to describeRoutes
// (documented.ts), so the document is built from the routes that run.
import { resolver, type DescribeRouteOptions } from "hono-openapi";
import type { z } from "zod";
import { BINARY_MEDIA_TYPE } from "../binary-format.ts";
import { forecastQuery, gridQuery, historyGridQuery, seriesParams } from "../params.ts";
import type { RouteDoc } from "./documented.ts";
import {
  adminVersionsSchema,
  errorSchema,
  forecastGridAnswerSchema,
  healthSchema,
  historyGridSchema,
  metaSchema,
  pointerBodySchema,
  pointerMovedSchema,
  retrainBodySchema,
  retrainRequestSchema,
  seriesForecastAnswerSchema,
  seriesHistorySchema,
} from "./schemas.ts";

type Responses = NonNullable<DescribeRouteOptions["responses"]>;
type Header = { description: string; schema: { type: "string" | "integer" } };

const header = (description: string, type: "string" | "integer" = "string"): Header => ({ description, schema: { type } });

/** Every answer under /v1 carries these (middleware/access.ts, request-frame.ts). */
const commonHeaders = {
  "X-Request-Id": header("the request's id, also in the Worker's log line"),
  "RateLimit-Limit": header("requests allowed per window (absent with RATE_LIMIT=0)", "integer"),
  "RateLimit-Remaining": header("requests left in this window", "integer"),
  "RateLimit-Reset": header("seconds until the window resets", "integer"),
  "Server-Timing": header("the stages of the answer: pointer, cache tier, manifest, store"),
};

/** What every forecast read adds (serve-forecast.ts). */
const readHeaders = {
  ...commonHeaders,
  ETag: header("the representation's tag: send it back in If-None-Match for a 304"),
  "Cache-Control": header("public (private with an API key), max-age=CACHE_MAX_AGE"),
  "X-Forecast-Version": header("the version answered from"),
  "X-Forecast-Pinned": header("true when FORECAST_VERSION pins it"),
  "X-Forecast-Stale": header("present when answered from a stale pointer or while the store is down"),
};

const ERROR_CODES: Record<number, string> = {
  400: "bad_horizon, bad_identifier, grid_too_large, bad_format, bad_mode, bad_body, list_too_long",
  401: "api_key_required, api_key_invalid, admin_token_required (with WWW-Authenticate)",
  403: "admin_token_invalid, admin_disabled",
  404: "series_not_found, not_found, version_not_found, retrain_not_found",
  413: "body_too_large",
  414: "url_too_long (MAX_URL_LENGTH)",
  429: "rate_limited (with Retry-After)",
  503: "store_unavailable, no_live_version, version_unavailable, config_invalid",
};

const json = (schema: z.ZodType) => ({ "application/json": { schema: resolver(schema) } });

function errors(...statuses: number[]): Responses {
  const out: Responses = {};
  for (const status of statuses) {
    out[status] = {
      description: `{"error": {code, message}}; codes: ${ERROR_CODES[status]}`,
      headers: status === 429 ? { ...commonHeaders, "Retry-After": header("seconds to wait", "integer") } : commonHeaders,
      content: json(errorSchema),
    };
  }
  return out;
}

/** Every /v1 route can be refused by the access checks and the URL limit, and depends on the store. */
const API_ERRORS = [401, 414, 429, 503];

const conditional = [{ name: "If-None-Match", in: "header" as const, description: "an ETag from an earlier answer: 304 without a body when it still matches", schema: { type: "string" as const } }];
const notModified: Responses = { 304: { description: "the ETag in If-None-Match still matches: no body", headers: readHeaders } };
const apiKey: Record<string, string[]>[] = [{}, { apiKey: [] }, { bearerKey: [] }];
const adminToken: Record<string, string[]>[] = [{ adminToken: [] }];

const binary = {
  [BINARY_MEDIA_TYPE]: {
    schema: { type: "string" as const, contentMediaType: BINARY_MEDIA_TYPE, description: "the binary layout of docs/formats.md (FCF3 scaled int16/int32; FCF2 scaled int32 with FORECAST_SHAPE=v1; FCF1 float32 with BINARY_FORMAT=f32), gzipped" },
  },
};

// mode=accurate&stream=1 on one series: the refinement stream (docs/edge-api.md).
const eventStream = {
  "text/event-stream": {
    schema: { type: "string" as const, description: "Server-Sent Events: `fast` (the published forecast as JSON), then `accurate` or `unavailable`, then `end`; a reconnect after `end` gets 204" },
  },
};

const doc = (spec: DescribeRouteOptions, request?: RouteDoc["request"]): RouteDoc => ({ spec, request });

const forecastRead = (summary: string, description: string, schema: z.ZodType, withBinary: boolean, withStream = false): DescribeRouteOptions => ({
  tags: ["forecasts"],
  summary,
  description,
  security: apiKey,
  parameters: conditional,
  responses: {
    200: { description: "gzipped JSON (or the binary layout)", headers: readHeaders, content: { ...json(schema), ...(withBinary ? binary : {}), ...(withStream ? eventStream : {}) } },
    ...notModified,
    ...errors(400, 404, ...API_ERRORS),
  },
});

export const describeForecast: RouteDoc = doc(forecastRead(
  "One series' forecast",
  "The published forecast of one city × store × product at horizon h: point[0] is the day after origin. By default (shape 2) the values are integers in `step` and the level interval's bounds distances from the point, lower = (point − below) × step, upper = (point + above) × step; FORECAST_SHAPE=v1 answers shape 1, the values with the series' identity. With mode=accurate&stream=1: Server-Sent Events (text/event-stream).",
  seriesForecastAnswerSchema,
  true,
  true,
), { param: seriesParams, query: forecastQuery });

export const describeGrid: RouteDoc = doc(forecastRead(
  "A grid of forecasts",
  "Many series in one answer from one store round trip: each axis a comma list or *; at most MAX_GRID_SERIES series (400 grid_too_large).",
  forecastGridAnswerSchema,
  true,
), { query: gridQuery });

export const describeHistory: RouteDoc = doc(forecastRead(
  "One series' recent actuals and backtest accuracy",
  "The last PUBLISHED_HISTORY_DAYS days of actuals, ending on the version's origin; 404 series_not_found when the trainer published none.",
  seriesHistorySchema,
  false,
), { param: seriesParams });

export const describeHistoryGrid: RouteDoc = doc(forecastRead(
  "Many series' histories",
  "Parameters as for the forecast grid.",
  historyGridSchema,
  false,
), { query: historyGridQuery });

export const describeMeta: RouteDoc = doc({
  tags: ["forecasts"],
  summary: "The version being served",
  description: "The manifest of the version in use: dimensions with names, origin, horizons, counts, models, trained-at.",
  security: apiKey,
  responses: { 200: { description: "the manifest", headers: readHeaders, content: json(metaSchema) }, ...errors(...API_ERRORS) },
});

export const describeHealth: RouteDoc = doc({
  tags: ["operations"],
  summary: "Can this Worker serve, and is what it serves fresh",
  responses: {
    200: { description: "ok", content: json(healthSchema) },
    503: { description: "stale (older than REFRESH_INTERVAL + HEALTH_GRACE) or down (the store cannot be reached, nothing is published, or the configuration is invalid)", content: json(healthSchema) },
  },
});

export const describeMetrics: RouteDoc = doc({
  tags: ["operations"],
  summary: "Prometheus metrics",
  security: adminToken,
  responses: { 200: { description: "Prometheus text format", content: { "text/plain": { schema: { type: "string" } } } }, ...errors(401, 403, 503) },
});

const admin = (summary: string, ok: Responses, extra: number[] = []): DescribeRouteOptions => ({
  tags: ["admin"],
  summary,
  security: adminToken,
  responses: { ...ok, ...errors(...extra, 401, 403, 414, 429, 503) },
});

export const describeAdminVersions: RouteDoc = doc(admin("The retained versions, newest first", {
  200: { description: "versions with their size, models and accuracy, and which is live", content: json(adminVersionsSchema) },
}));

export const describePointerMove: RouteDoc = doc({
  ...admin("Move the live pointer to a retained version", { 200: { description: "moved", content: json(pointerMovedSchema) } }, [400, 404, 413]),
  requestBody: { required: true, content: json(pointerBodySchema) },
});

export const describeRetrain: RouteDoc = doc({
  ...admin("Queue a retrain of every series or a list", {
    202: { description: "queued; Location is the status URL", headers: { Location: header("GET it for the request's state") }, content: json(retrainRequestSchema) },
  }, [400, 413]),
  requestBody: { required: false, content: json(retrainBodySchema) },
});

export const describeRetrainStatus: RouteDoc = doc(admin("A retrain request's state", {
  200: { description: "the request as the trainer updates it", content: json(retrainRequestSchema) },
}, [400, 404]));

export const describeDocument: RouteDoc = doc({
  tags: ["reference"],
  summary: "This document (OpenAPI 3.1)",
  security: apiKey,
  responses: { 200: { description: "the OpenAPI document", content: { "application/json": { schema: { type: "object" } } } }, ...errors(404, ...API_ERRORS) },
});

export const describeDocsPage: RouteDoc = doc({
  tags: ["reference"],
  summary: "The interactive API reference (this document, rendered)",
  security: apiKey,
  responses: { 200: { description: "an HTML page", content: { "text/html": { schema: { type: "string" } } } }, ...errors(404, ...API_ERRORS) },
});
