// Which variant of a version a forecast request is served from: the fast
// forecasts (the default), the accurate variant once the trainer has
// published it, or, with PROPHET_ONLY on, Prophet's forecast for every series
// (the rollback of a bad model family without retraining: the trainer
// publishes Prophet's forecast beside every series it gave to another model).
// Every response says what it served in X-Forecast-Mode, and why that is not
// what was asked for in X-Forecast-Mode-Fallback.
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { keys, type Horizon } from "./contract/keys.ts";
import type { EdgeConfig } from "./config.ts";
import { BadRequestError } from "./errors.ts";
import { redisFor, storeCall } from "./store.ts";

export const FORECAST_MODES = ["fast", "accurate"] as const;
export type ForecastMode = (typeof FORECAST_MODES)[number];

export interface ModelChoiceConfig {
  /** On: Prophet's forecast for every series, whatever the trainer selected. */
  readonly prophetOnly: boolean;
  /** Modes that may be served; the first is the default. */
  readonly modes: readonly ForecastMode[];
}

export const MODEL_CHOICE_DEFAULTS = { PROPHET_ONLY: "off", FORECAST_MODES: "fast,accurate" } as const;

/** Parsed with the rest of the Worker's configuration; problems join the one report. */
export function parseModelChoiceConfig(text: (name: "PROPHET_ONLY" | "FORECAST_MODES") => string, problems: string[]): ModelChoiceConfig {
  const prophetSwitch = (text("PROPHET_ONLY") || MODEL_CHOICE_DEFAULTS.PROPHET_ONLY).toLowerCase();
  if (prophetSwitch !== "on" && prophetSwitch !== "off") {
    problems.push(`PROPHET_ONLY must be "on" (serve Prophet's forecast for every series) or "off", got ${JSON.stringify(prophetSwitch.slice(0, 20))}`);
  }
  const listed = (text("FORECAST_MODES") || MODEL_CHOICE_DEFAULTS.FORECAST_MODES).split(",").map((m) => m.trim().toLowerCase()).filter(Boolean);
  const modes = [...new Set(listed)].filter((m): m is ForecastMode => (FORECAST_MODES as readonly string[]).includes(m));
  if (modes.length === 0 || modes.length !== new Set(listed).size) {
    problems.push(`FORECAST_MODES must list fast and/or accurate, comma-separated, the default first (default "${MODEL_CHOICE_DEFAULTS.FORECAST_MODES}"), got ${JSON.stringify(listed.join(",").slice(0, 40))}`);
  }
  return Object.freeze({ prophetOnly: prophetSwitch === "on", modes: modes.length ? modes : [...FORECAST_MODES] });
}

export type FallbackReason = "accurate-not-ready" | "accurate-disabled" | "fast-disabled" | "prophet-only";

export interface Variant {
  requested: ForecastMode;
  served: ForecastMode;
  /** Why `served` differs from `requested`, or what overrode the selection. */
  fallback: FallbackReason | null;
  /** Prefix of the cache path and tag in the ETag: each variant is its own representation. */
  tag: "" | "accurate" | "prophet";
}

/** The `mode` query parameter; absent means the first of FORECAST_MODES. */
export function parseMode(value: string | undefined, config: ModelChoiceConfig): ForecastMode {
  if (value === undefined || value === "") return config.modes[0];
  if ((FORECAST_MODES as readonly string[]).includes(value)) return value as ForecastMode;
  throw new BadRequestError("bad_mode", `mode must be fast or accurate, got ${JSON.stringify(value.slice(0, 20))}`);
}

// A version's accurate variant never becomes unready: remember the ones seen ready.
const readyVersions = new Set<string>();

async function accurateReady(config: EdgeConfig, version: string): Promise<boolean> {
  const id = `${config.keyPrefix}|${version}`;
  if (readyVersions.has(id)) return true;
  const k = keys(config.keyPrefix);
  const ready = (await storeCall(config, "EXISTS accurate ready", () => redisFor(config).exists(k.accurateReady(version)))) === 1;
  if (ready) {
    if (readyVersions.size > 256) readyVersions.clear();
    readyVersions.add(id);
  }
  return ready;
}

/** Decides the variant for this request: one EXISTS at most, and none once the version's accurate variant was seen ready. */
export async function chooseVariant(c: Context<AppEnv>): Promise<Variant> {
  const { config, version } = c.var;
  const choice = config.modelChoice;
  const requested = parseMode(c.req.query("mode"), choice);
  if (choice.prophetOnly) return { requested, served: "fast", fallback: "prophet-only", tag: "prophet" };
  const allowed = (mode: ForecastMode) => choice.modes.includes(mode);
  const wantAccurate = requested === "accurate" ? allowed("accurate") : !allowed("fast");
  if (wantAccurate && (await c.var.timing.measure("variant", () => accurateReady(config, version.id)))) {
    return { requested, served: "accurate", fallback: requested === "accurate" ? null : "fast-disabled", tag: "accurate" };
  }
  const fallback: FallbackReason | null = requested === "fast" ? null : allowed("accurate") ? "accurate-not-ready" : "accurate-disabled";
  return { requested, served: "fast", fallback, tag: "" };
}

/** The cache path below the version, and the ETag tag, of a variant. */
export function variantPath(variant: Variant, path: string): string {
  return variant.tag ? `${variant.tag}/${path}` : path;
}

/** Reads stored series of one horizon from the variant's hash; Prophet's falls back to the main hash where the choice was Prophet. */
export async function readVariant(config: EdgeConfig, variant: Variant, version: string, h: Horizon, fields: string[]): Promise<(string | null)[]> {
  if (fields.length === 0) return [];
  const k = keys(config.keyPrefix);
  const redis = redisFor(config);
  const hmget = async (key: string, wanted: string[]) =>
    (await storeCall(config, "HMGET forecasts", () => redis.hmget(key, ...wanted))) as unknown as (string | null)[];
  if (variant.tag === "accurate") return hmget(k.accurateHorizon(version, h), fields);
  const main = k.horizon(version, h);
  if (variant.tag !== "prophet") return hmget(main, fields);
  const prophet = await hmget(k.prophetHorizon(version, h), fields);
  const missing = fields.filter((_, i) => prophet[i] === null);
  if (missing.length === 0) return prophet;
  const rest = await hmget(main, missing);
  let next = 0;
  return prophet.map((value) => value ?? rest[next++]);
}

/** Says on the response what was served and why it differs from what was asked. */
export function withVariantHeaders(response: Response, variant: Variant): Response {
  const headers = new Headers(response.headers);
  headers.set("X-Forecast-Mode", variant.served);
  if (variant.fallback) headers.set("X-Forecast-Mode-Fallback", variant.fallback);
  // A fallback answer changes once the accurate variant lands: caches must not keep it for long.
  if (variant.fallback === "accurate-not-ready" && response.status === 200) headers.set("Cache-Control", "public, max-age=30");
  // encodeBody "manual" (workerd): a gzip body passes through as it is; the cast keeps Node's ResponseInit type happy.
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers, encodeBody: "manual" } as ResponseInit);
}
