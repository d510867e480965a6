// Which variant of a version a forecast request is served from: the fast
// forecasts (the default), the accurate variant once the trainer has
// published it, or, with PROPHET_ONLY on, Prophet's forecast for every series
// (the rollback of a bad model family without retraining: the trainer
// publishes Prophet's forecast beside every series it gave to another model).
// Every response says what it served in X-Forecast-Mode, and why that is not
// what was asked for in X-Forecast-Mode-Fallback (variantHeaders).
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { FORECAST_MODES, type ForecastMode, type ModelChoiceConfig } from "./config.ts";
import { BadRequestError } from "./errors.ts";
import { stage } from "./timing.ts";

export type FallbackReason = "accurate-not-ready" | "accurate-disabled" | "fast-disabled" | "prophet-only";

/** Which stored hash a variant reads: "" is the main one. */
export type VariantTag = "" | "accurate" | "prophet";

export interface Variant {
  requested: ForecastMode;
  served: ForecastMode;
  /** Why `served` differs from `requested`, or what overrode the selection. */
  fallback: FallbackReason | null;
  /** Prefix of the cache path and tag in the ETag: each variant is its own representation. */
  tag: VariantTag;
}

/** The `mode` query parameter; absent means the first of FORECAST_MODES. */
export function parseMode(value: string | undefined, config: ModelChoiceConfig): ForecastMode {
  if (value === undefined || value === "") return config.modes[0]!;
  if ((FORECAST_MODES as readonly string[]).includes(value)) return value as ForecastMode;
  throw new BadRequestError("bad_mode", `mode must be fast or accurate, got ${JSON.stringify(value.slice(0, 20))}`);
}

// A version's accurate variant never becomes unready: remember the ones seen ready.
const readyVersions = new Set<string>();

/** The variant when it needs no store read (nearly always): no promise on the hot path. Null: ask chooseVariant. */
export function variantNow(c: Context<AppEnv>): Variant | null {
  const config = c.get("config");
  const choice = config.modelChoice;
  const requested = parseMode(c.req.query("mode"), choice);
  if (choice.prophetOnly) return { requested, served: "fast", fallback: "prophet-only", tag: "prophet" };
  const allowed = (mode: ForecastMode) => choice.modes.includes(mode);
  const wantAccurate = requested === "accurate" ? allowed("accurate") : !allowed("fast");
  if (wantAccurate) {
    return readyVersions.has(`${config.keyPrefix}|${c.get("version").id}`) ? accurateVariant(requested) : null;
  }
  return fastVariant(requested, choice);
}

function accurateVariant(requested: ForecastMode): Variant {
  return { requested, served: "accurate", fallback: requested === "accurate" ? null : "fast-disabled", tag: "accurate" };
}

function fastVariant(requested: ForecastMode, choice: ModelChoiceConfig): Variant {
  const fallback: FallbackReason | null = requested === "fast" ? null : choice.modes.includes("accurate") ? "accurate-not-ready" : "accurate-disabled";
  return { requested, served: "fast", fallback, tag: "" };
}

/** Decides the variant for this request: one EXISTS at most, and none once the version's accurate variant was seen ready. */
export async function chooseVariant(c: Context<AppEnv>): Promise<Variant> {
  const known = variantNow(c);
  if (known) return known;
  // variantNow answers every case but an accurate variant not yet seen ready.
  const config = c.get("config");
  const requested = parseMode(c.req.query("mode"), config.modelChoice);
  const version = c.get("version").id;
  const started = performance.now();
  const ready = await c.get("store").accurateReady(version);
  stage(c, "variant", started);
  if (!ready) return fastVariant(requested, config.modelChoice);
  if (readyVersions.size > 256) readyVersions.clear();
  readyVersions.add(`${config.keyPrefix}|${version}`);
  return accurateVariant(requested);
}

/** The cache path below the version, and the ETag tag, of a variant. */
export function variantPath(variant: Variant, path: string): string {
  return variant.tag ? `${variant.tag}/${path}` : path;
}

// One object per answer kind, so a remembered answer's headers can be reused by identity (forecast-response.ts).
const modeHeaders = new Map<string, Readonly<Record<string, string>>>();

/** What the answer says about the variant it served. */
export function variantHeaders(variant: Variant): Readonly<Record<string, string>> {
  const id = `${variant.served}|${variant.fallback ?? ""}`;
  let headers = modeHeaders.get(id);
  if (!headers) {
    const built: Record<string, string> = { "X-Forecast-Mode": variant.served };
    if (variant.fallback) built["X-Forecast-Mode-Fallback"] = variant.fallback;
    modeHeaders.set(id, (headers = Object.freeze(built)));
  }
  return headers;
}

/** A fallback answer changes once the accurate variant lands: caches must not keep it for long. */
export function variantMaxAge(variant: Variant): number | undefined {
  return variant.fallback === "accurate-not-ready" ? 30 : undefined;
}
