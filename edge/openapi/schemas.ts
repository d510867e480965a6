// The bodies the API answers with, as the OpenAPI document describes them and
// the client (client/) types them. They mirror contract/payload.ts, which the
// trainer writes: a payload field added there is added here, and the
// document test fails on a served body that does not match.
import * as z from "zod";
import { HORIZONS } from "../contract/keys.ts";

const day = z.string().meta({ description: "a day, YYYY-MM-DD", examples: ["2026-11-30"] });
const version = z.string().meta({ description: "version id", examples: ["20261130T030000Z-ab12"] });
const nullableNumber = z.number().nullable();
const horizon = z.union(HORIZONS.map((h) => z.literal(h))).meta({ description: "days forecast" });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "stable, machine-readable: bad_horizon, series_not_found, rate_limited, …", examples: ["bad_horizon"] }),
      message: z.string().meta({ description: "what is wrong and how to fix it, for a person" }),
    }),
  })
  .meta({ id: "Error" });

// Shape 2, the default answer (contract/shape.ts, docs/formats.md): integers
// in the series' step, the bounds as distances from the point; a single
// series leaves out what its URL and headers say.
const stepFields = {
  origin: day.meta({ description: "the last observed day; point[0] forecasts the day after it" }),
  model: z.string().meta({ description: "the selected model: prophet, sba, seasonal_naive, ensemble:a+b, …" }),
  mase: nullableNumber.optional().meta({ description: "the model's mean MASE on the backtest folds" }),
  level: z.number().meta({ description: "nominal coverage of the interval", examples: [0.8] }),
  step: z.number().meta({ description: "the unit of every integer below: a value is n × step (docs/formats.md#precision)" }),
  point: z.array(z.int()).meta({ description: "the forecast of each day, in steps: point[d] × step" }),
  below: z.array(z.int()).meta({ description: "how many steps the interval's lower bound lies below the point: lower = (point − below) × step" }),
  above: z.array(z.int()).meta({ description: "how many steps the upper bound lies above the point: upper = (point + above) × step" }),
  promoDays: z.array(z.int()).optional().meta({ description: "indexes into point[] of planned promotion days" }),
};

export const seriesStepForecastSchema = z.object(stepFields).meta({ id: "SeriesForecast" });

export const forecastStepGridSchema = z
  .object({
    version,
    origin: day,
    h: horizon,
    level: z.number(),
    series: z.array(z.object({ city: z.string(), store: z.string(), product: z.string(), ...stepFields }).meta({ id: "GridSeriesForecast" })),
    missing: z.array(z.string()).meta({ description: "city/store/product fields asked for that the version does not hold" }),
  })
  .meta({ id: "ForecastGrid" });

// Shape 1 (FORECAST_SHAPE=v1): the values themselves with the series'
// identity; also what the typed client decodes either shape into.
export const seriesForecastSchema = z
  .object({
    city: z.string(),
    store: z.string(),
    product: z.string(),
    version,
    origin: day.meta({ description: "the last observed day; point[0] forecasts the day after it" }),
    h: horizon,
    model: z.string().meta({ description: "the selected model: prophet, sba, seasonal_naive, ensemble:a+b, …" }),
    mase: nullableNumber.optional().meta({ description: "the model's mean MASE on the backtest folds" }),
    level: z.number().meta({ description: "nominal coverage of [lower, upper]", examples: [0.8] }),
    step: z.number().optional().meta({ description: "every value is a multiple of it (docs/formats.md#precision)" }),
    point: z.array(z.number()),
    lower: z.array(z.number()),
    upper: z.array(z.number()),
    promoDays: z.array(z.int()).optional().meta({ description: "indexes into point[] of planned promotion days" }),
  })
  .meta({ id: "SeriesForecastV1" });

export const forecastGridSchema = z
  .object({
    version,
    origin: day,
    h: horizon,
    level: z.number(),
    series: z.array(seriesForecastSchema),
    missing: z.array(z.string()).meta({ description: "city/store/product fields asked for that the version does not hold" }),
  })
  .meta({ id: "ForecastGridV1" });

/** What a forecast route answers: shape 2 by default, shape 1 with FORECAST_SHAPE=v1. */
export const seriesForecastAnswerSchema = z.union([seriesStepForecastSchema, seriesForecastSchema]);
export const forecastGridAnswerSchema = z.union([forecastStepGridSchema, forecastGridSchema]);

const backtestSchema = z
  .object({
    mase: nullableNumber,
    rmsse: nullableNumber.optional(),
    smape: nullableNumber,
    wape: nullableNumber,
    coverage: nullableNumber,
    holdoutDays: z.int(),
  })
  .meta({ id: "BacktestAccuracy" });

export const seriesHistorySchema = z
  .object({
    city: z.string(),
    store: z.string(),
    product: z.string(),
    version,
    start: day.meta({ description: "the day of units[0]; the last day is the version's origin" }),
    units: z.array(z.number()),
    model: z.string(),
    backtest: backtestSchema.nullable(),
  })
  .meta({ id: "SeriesHistory" });

export const historyGridSchema = z
  .object({ version, origin: day, days: z.int(), series: z.array(seriesHistorySchema), missing: z.array(z.string()) })
  .meta({ id: "HistoryGrid" });

const dimension = z.object({ code: z.string(), name: z.string() });

export const manifestSchema = z
  .looseObject({
    version,
    runId: z.int(),
    trainedAt: z.string(),
    origin: day,
    horizons: z.array(horizon),
    level: z.number(),
    series: z.int(),
    failed: z.int(),
    models: z.record(z.string(), z.int()),
    accuracy: z.looseObject({}).optional().meta({ description: "the run's accuracy over the scored series" }),
    families: z.record(z.string(), z.int()).optional(),
    historyDays: z.int().optional(),
    plan: z.object({ loadedAt: z.string().nullable(), series: z.int() }).optional(),
    prebuiltGrids: z.array(z.string()).optional(),
    dimensions: z.object({
      cities: z.array(dimension),
      stores: z.array(dimension.extend({ city: z.string() })),
      products: z.array(dimension),
    }),
  })
  .meta({ id: "Manifest" });

export const metaSchema = z
  .object({
    version,
    pinned: z.boolean().meta({ description: "true when FORECAST_VERSION pins the version served" }),
    planLoadedAt: z.string().nullable(),
    manifest: manifestSchema,
  })
  .meta({ id: "Meta" });

export const healthSchema = z
  .object({
    status: z.enum(["ok", "stale", "down"]),
    store: z.enum(["reachable", "unreachable", "unknown"]),
    version: version.optional(),
    pinned: z.boolean().optional(),
    trainedAt: z.string().optional(),
    ageSeconds: z.int().optional(),
    maxAgeSeconds: z.int().optional(),
    error: errorSchema.shape.error.optional().meta({ description: "why the Worker is down" }),
  })
  .meta({ id: "Health" });

const adminVersion = z.object({
  version,
  live: z.boolean(),
  retained: z.boolean(),
  trainedAt: z.string(),
  origin: day.nullable(),
  series: z.int().nullable(),
  failed: z.int().nullable(),
  models: z.record(z.string(), z.int()).nullable(),
  accuracy: z.looseObject({}).nullable(),
});

export const adminVersionsSchema = z
  .object({ live: version.nullable(), pinned: version.nullable(), versions: z.array(adminVersion) })
  .meta({ id: "AdminVersions" });

export const pointerBodySchema = z.object({ version }).meta({ id: "PointerMove" });

export const pointerMovedSchema = z
  .object({ previous: version.nullable(), live: version, pinned: version.nullable(), note: z.string() })
  .meta({ id: "PointerMoved" });

export const retrainBodySchema = z
  .object({
    series: z
      .union([z.literal("all"), z.array(z.string().meta({ examples: ["c1/s1/p1"] }))])
      .optional()
      .meta({ description: 'absent or "all": every series; else a list of city/store/product fields' }),
  })
  .meta({ id: "RetrainRequestBody" });

export const retrainRequestSchema = z
  .looseObject({
    id: z.string().meta({ examples: ["rt-0123456789ab"] }),
    series: z.union([z.literal("all"), z.array(z.string())]),
    requestedAt: z.string(),
    state: z.string().meta({ description: "queued, then the trainer's progress" }),
    statusUrl: z.string().optional(),
  })
  .meta({ id: "RetrainRequest" });
