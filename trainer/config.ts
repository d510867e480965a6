// The trainer's configuration: read from the environment once, validated,
// frozen. Every missing or bad variable is reported at once with how to fix it.
import os from "node:os";
import { Cron } from "croner";
import { z } from "zod";
import { PREFIX_PATTERN } from "../edge/contract/keys.ts";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(["true", "false", "1", "0", "on", "off"]).transform((v) => v === "true" || v === "1" || v === "on");

function isCron(expression: string): boolean {
  try {
    new Cron(expression, { paused: true });
    return true;
  } catch {
    return false;
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const schema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  UPSTASH_REDIS_REST_URL: z.string().url("must be the REST URL of the Upstash database, e.g. https://eu1-xxx.upstash.io").optional(),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
  KEY_PREFIX: z.string().regex(PREFIX_PATTERN, `must match ${PREFIX_PATTERN}`).default("fc"),
  // Three years in the feature view (the pooled profiles' window); the models fit the last FIT_HISTORY_DAYS.
  HISTORY_DAYS: int(28, 3660).default(1095),
  // full: recompute every feature row each run (the rollback for the incremental refresh).
  FEATURE_REFRESH: z.enum(["incremental", "full"]).default("incremental"),
  // Each backtest fold is as long as the longest horizon served.
  HOLDOUT_DAYS: int(0, 365).default(60),
  INTERVAL_LEVEL: z.coerce.number().gt(0).lt(1).default(0.8),
  // Published precision: rounding moves a value by at most this share of its interval's width; 0: three decimals.
  ROUNDING_SHARE: z.coerce.number().min(0).max(0.1).default(0.01),
  // The JSON shape of the stored forecasts: v2, integers in steps (docs/formats.md); v1, the values with their identity (the rollback).
  FORECAST_SHAPE: z.enum(["v2", "v1"]).default("v2"),
  // Model selection, intervals and warm starts; see docs/forecast-quality.md.
  FIT_HISTORY_DAYS: int(28, 3660).default(730),
  BACKTEST_FOLDS: int(1, 12).default(3),
  ENABLE_HYBRID_FORECASTING: bool.default(true),
  DEMAND_ADI_CUTOFF: z.coerce.number().gt(1).default(1.32),
  DEMAND_CV2_CUTOFF: z.coerce.number().gt(0).default(0.49),
  HOLIDAY_CALENDAR: z.string().regex(/^([a-z0-9][a-z0-9_-]{0,63}|none)$/, "must be a calendar name from the holiday table, or none").default("default"),
  UNCERTAINTY_SAMPLES: int(0, 10_000).default(1000),
  WARM_START: bool.default(true),
  MODEL_MAX_AGE_HOURS: z.coerce.number().min(0).max(24 * 365).default(168),
  OUTLIER_MASE: z.coerce.number().gt(0).default(2),
  // Multiplicative Prophet as a second Prophet candidate ("accurate" is read as "never": the accurate variant is gone).
  PROPHET_MULTIPLICATIVE: z.enum(["never", "always", "accurate"]).default("never"),
  // See docs/forecast-quality.md: the error selection ranks by, how intervals are made, how published accuracy is stated, how often the full selection runs.
  SELECTION_METRIC: z.enum(["rmsse", "mase"]).default("rmsse"),
  INTERVAL_METHOD: z.enum(["conformal", "model"]).default("conformal"),
  PUBLISHED_ACCURACY: z.enum(["horizon", "fold"]).default("horizon"),
  RESELECT_DAYS: int(1, 365).default(7),
  // Each series reselects on a day slot of its own, so a seventh of the catalogue reselects each day, not all of it on one.
  RESELECT_SPREAD: bool.default(true),
  // selection: the Prophet rollback is fitted at each full selection and shifted on the days between; daily: refitted every run.
  PROPHET_ROLLBACK_REFIT: z.enum(["selection", "daily"]).default("selection"),
  FIT_THREADS: int(1, 256).default(os.availableParallelism()),
  // A series still fitting after this long gets the fallback, recorded as fit_timeout; 0: no deadline.
  FIT_TIMEOUT_SECONDS: int(0, 86_400).default(300),
  // The pointer moves only for a run newer than the live one (data origin, then run id); off: any run may.
  PUBLISH_FENCE: bool.default(true),
  // `trainer import` into an empty sales table: COPY straight into it and build its indexes after (locks it until the import commits); off: stage and merge as into a table with rows.
  IMPORT_BULK_LOAD: bool.default(true),
  RETENTION_DAYS: int(1, 365).default(7),
  PUBLISH_CHUNK: int(1, 5000).default(250),
  // Pooled seasonal profiles (sql/006) and the pooled candidate; see README "Pooled seasonal profiles".
  POOLED_MODEL: bool.default(true),
  PROFILE_HISTORY_DAYS: int(28, 3660).default(1095),
  // One model across series on the feature table (trainer/global/); needs POOLED_MODEL for its profile feature.
  // Opt-in: a few percent on promotion-driven grids, short of its targets, for a training that still reads a year of every series daily (docs/forecast-quality.md#global-model).
  GLOBAL_MODEL: bool.default(false),
  GLOBAL_TRAINING_DAYS: int(28, 3660).default(730),
  PUBLISHED_HISTORY_DAYS: int(0, 366).default(90),
  // The promotion plan (sql/010) reaches the forecasts; off ignores it. See docs/promotions.md.
  PROMO_PLAN: bool.default(true),
  // Hot grid requests whose bodies are published with each version for the Worker's prefetch; 0: none.
  PREFETCH_TOP_N: int(0, 1000).default(20),
  DB_POOL_SIZE: int(1, 64).default(4),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PROGRESS: bool.optional(),
  // The scheduled trainer (trainer schedule, worker, run --distributed); see README "Running on a cron host".
  TRAIN_CRON: z.string().refine(isCron, "must be a cron expression such as \"0 3 * * *\" (five or six fields)").default("0 3 * * *"),
  TRAIN_TIMEZONE: z.string().refine(isTimeZone, "must be an IANA time zone such as UTC or Europe/Berlin").default("UTC"),
  RETRAIN_POLL_SECONDS: int(0, 86_400).default(30),
  METRICS: bool.default(true),
  METRICS_PORT: int(0, 65_535).default(9464),
  ALERT_WEBHOOK_URL: z.string().url("must be an http(s) URL that accepts a JSON POST").optional(),
  ALERT_STALE_HOURS: z.coerce.number().min(0).default(36),
  ALERT_ACCURACY_DROP: z.coerce.number().min(0).default(0.2),
  FIT_JOB_SERIES: int(1, 10_000).default(50),
  // Jobs queued and unanswered at most: the coordinator stops reading series at this many (its memory bound).
  FIT_JOB_QUEUE_LIMIT: int(1, 100_000).default(40),
  FIT_JOB_HEARTBEAT_SECONDS: int(10, 3600).default(30),
  FIT_JOB_RETRIES: int(0, 20).default(2),
  PGBOSS_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lowercase Postgres schema name").default("pgboss"),
});

export type TrainerConfig = Readonly<z.output<typeof schema>>;

export class ConfigError extends Error {
  override name = "ConfigError";
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`trainer configuration is invalid:\n${issues.map((i) => `  - ${i}`).join("\n")}\nSet these environment variables (see README, "Configuration").`);
    this.issues = issues;
  }
}

/** Empty strings count as unset, so `FOO=` in an env file means "use the default". */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""));
}

export interface StoreConfig {
  url: string;
  token: string;
}

/**
 * Commands that only touch Postgres (migrate, seed) run without the store
 * variables; `needsStore` makes them required for the ones that publish.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, options: { needsStore?: boolean } = {}): TrainerConfig {
  const parsed = schema.safeParse(withoutEmpty(env));
  const issues = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  if (options.needsStore) {
    const given = withoutEmpty(env);
    if (!given.UPSTASH_REDIS_REST_URL) issues.push("UPSTASH_REDIS_REST_URL: required to publish (the database's REST URL)");
    if (!given.UPSTASH_REDIS_REST_TOKEN) issues.push("UPSTASH_REDIS_REST_TOKEN: required to publish (the database's REST token, not the read-only one)");
  }
  if (issues.length || !parsed.success) throw new ConfigError(issues);
  return Object.freeze(parsed.data);
}

export function storeConfig(config: TrainerConfig): StoreConfig {
  if (!config.UPSTASH_REDIS_REST_URL || !config.UPSTASH_REDIS_REST_TOKEN) {
    throw new ConfigError(["UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are required to publish"]);
  }
  return { url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN };
}
