// Checks every piece of input before it can reach a Redis key or a cache URL.
// The schemas at the end are what the routes validate with and what the
// OpenAPI document (openapi/) describes; their messages are the parsers'.
import * as z from "zod";
import { CODE_PATTERN, HORIZONS, isHorizon, type Horizon } from "./contract/keys.ts";
import type { CodeList } from "./contract/grid.ts";
import { BadRequestError } from "./errors.ts";

export const DEFAULT_HORIZON: Horizon = 30;

export type Dimension = "city" | "store" | "product";

export type { CodeList } from "./contract/grid.ts";

/** Longest list one axis may name; the grid limit catches the product anyway. */
const MAX_LIST = 1000;

const quote = (raw: string) => JSON.stringify(raw.length > 70 ? `${raw.slice(0, 70)}…` : raw);

const horizonMessage = (raw: string) => `h must be one of ${HORIZONS.join(", ")} (days; default ${DEFAULT_HORIZON}), got ${quote(raw)}`;

const codeMessage = (name: Dimension, raw: string | undefined) =>
  `${name} must be a code of 1 to 64 lowercase letters, digits, "_" or "-" starting with a letter or digit, got ${raw === undefined ? "nothing" : quote(raw)}`;

const listRequiredMessage = (name: Dimension) => `query parameter ${name} is required: a comma-separated list of codes, or * for every ${name}`;

const isHorizonText = (raw: string | undefined) => raw === undefined || raw === "" || (/^\d+$/.test(raw) && isHorizon(Number(raw)));

export function parseHorizon(raw: string | undefined): Horizon {
  if (raw === undefined || raw === "") return DEFAULT_HORIZON;
  if (!isHorizonText(raw)) throw new BadRequestError("bad_horizon", horizonMessage(raw));
  return Number(raw) as Horizon;
}

export function parseCode(name: Dimension, raw: string | undefined): string {
  if (raw === undefined || !CODE_PATTERN.test(raw)) throw new BadRequestError("bad_identifier", codeMessage(name, raw));
  return raw;
}

/** `*`, or a comma-separated list of codes; duplicates are dropped and the order kept. */
export function parseCodeList(name: Dimension, raw: string | undefined): CodeList {
  if (raw === undefined || raw === "") throw new BadRequestError("bad_identifier", listRequiredMessage(name));
  if (raw === "*") return "*";
  const codes = [...new Set(raw.split(","))];
  if (codes.length > MAX_LIST) {
    throw new BadRequestError("bad_identifier", `${name} names ${codes.length} codes; at most ${MAX_LIST} per request`);
  }
  return codes.map((code) => parseCode(name, code));
}

// ---- Schemas -------------------------------------------------------------

/** The stable code a refused parameter gets (openapi/validate.ts turns a schema issue into it). */
export const PARAMETER_CODES: Record<string, "bad_identifier" | "bad_horizon"> = {
  city: "bad_identifier",
  store: "bad_identifier",
  product: "bad_identifier",
  h: "bad_horizon",
};

const EXAMPLES: Record<Dimension, string> = { city: "c1", store: "s1", product: "p1" };

const codeSchema = (name: Dimension) =>
  z
    .string({ error: () => codeMessage(name, undefined) })
    .regex(CODE_PATTERN, { error: (issue) => codeMessage(name, String(issue.input)) })
    .meta({ description: `the ${name}'s code (GET /v1/meta lists them)`, examples: [EXAMPLES[name]] });

/** Parsed by parseCodeList itself, so lists keep its messages and its duplicate handling. */
const codeListSchema = (name: Dimension) =>
  z
    .string({ error: () => listRequiredMessage(name) })
    .transform((raw): CodeList => parseCodeList(name, raw))
    .meta({ description: `a comma-separated list of ${name} codes (at most ${MAX_LIST}), or * for every ${name}`, examples: [name === "city" ? "c1,c2" : "*"] });

export const horizonSchema = z
  .string()
  .optional()
  .refine(isHorizonText, { error: (issue) => horizonMessage(String(issue.input)) })
  .transform((raw): Horizon => (raw ? (Number(raw) as Horizon) : DEFAULT_HORIZON))
  .meta({ description: `days forecast; default ${DEFAULT_HORIZON}`, enum: HORIZONS.map(String), default: String(DEFAULT_HORIZON) });

/** Checked where the deployment's switches are known (binary-format.ts, variant.ts), so only described here. */
const formatSchema = z.string().optional().meta({
  description: "json (default) or binary (also f32): the binary layout of docs/formats.md; `Accept: application/x-forecast-f32` asks the same. 400 bad_format when BINARY_FORMAT=off",
  enum: ["json", "binary", "f32"],
});
const modeSchema = z.string().optional().meta({ description: "fast or accurate; absent: the first of FORECAST_MODES", enum: ["fast", "accurate"] });
const streamSchema = z.string().optional().meta({ description: "1 with mode=accurate: Server-Sent Events (docs/edge-api.md#refinements-streamed)", enum: ["0", "1"] });

export const seriesParams = z.object({ city: codeSchema("city"), store: codeSchema("store"), product: codeSchema("product") });
export const forecastQuery = z.object({ h: horizonSchema, format: formatSchema, mode: modeSchema, stream: streamSchema });
export const gridQuery = z.object({ city: codeListSchema("city"), store: codeListSchema("store"), product: codeListSchema("product"), h: horizonSchema, format: formatSchema, mode: modeSchema });
export const historyGridQuery = z.object({ city: codeListSchema("city"), store: codeListSchema("store"), product: codeListSchema("product") });
