// Drizzle's view of the tables that sql/ creates. The SQL files are the source
// of truth (they hold the feature SQL and its window functions); this file
// declares the same tables, columns, keys and foreign keys for the typed
// queries the trainer makes (test/sql/schema.test.ts holds it to the migrated
// catalog, so a migration that changes a table changes this file with it).
import { sql } from "drizzle-orm";
import {
  bigint, boolean, date, doublePrecision, integer, jsonb, numeric, pgMaterializedView, pgTable,
  primaryKey, text, timestamp, unique,
} from "drizzle-orm/pg-core";

export const city = pgTable("city", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  code: text("code").notNull().unique(),
  name: text("name").notNull(),
  /** The text an import made the code from (sql/007). */
  sourceCode: text("source_code"),
});

export const store = pgTable("store", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  code: text("code").notNull().unique(),
  name: text("name").notNull(),
  cityId: integer("city_id").notNull().references(() => city.id),
  sourceCode: text("source_code"),
  // Lets sales carry city_id with a foreign key that proves it matches the store.
}, (t) => [unique().on(t.id, t.cityId)]);

export const product = pgTable("product", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  code: text("code").notNull().unique(),
  name: text("name").notNull(),
  sourceCode: text("source_code"),
});

export const sales = pgTable("sales", {
  cityId: integer("city_id").notNull(),
  storeId: integer("store_id").notNull(),
  // References product (id) and store (id, city_id), checked per statement by sql/012's triggers, not declared.
  productId: integer("product_id").notNull(),
  day: date("day").notNull(),
  units: numeric("units", { mode: "number", precision: 14, scale: 3 }).notNull(),
  price: numeric("price", { mode: "number", precision: 12, scale: 2 }),
  promo: boolean("promo").notNull().default(false),
}, (t) => [
  primaryKey({ columns: [t.storeId, t.productId, t.day] }),
]);

export const featureSettings = pgTable("feature_settings", {
  id: boolean("id").primaryKey().default(true),
  historyDays: integer("history_days").notNull().default(365),
});

export const holiday = pgTable("holiday", {
  calendar: text("calendar").notNull(),
  name: text("name").notNull(),
  day: date("day").notNull(),
}, (t) => [primaryKey({ columns: [t.calendar, t.name, t.day] })]);

// Partitioned by month and maintained incrementally (sql/008); readers filter on feature_state's window.
// Only the columns a model reads (sql/013).
export const seriesFeatures = pgTable("series_features", {
  storeId: integer("store_id").notNull(),
  productId: integer("product_id").notNull(),
  day: date("day").notNull(),
  units: doublePrecision("units").notNull(),
  promo: boolean("promo").notNull(),
  mean7: doublePrecision("mean_7"),
  mean28: doublePrecision("mean_28"),
  promoShare28: doublePrecision("promo_share_28"),
}, (t) => [primaryKey({ columns: [t.storeId, t.productId, t.day] })]);

export const featureState = pgTable("feature_state", {
  id: boolean("id").primaryKey().default(true),
  windowStart: date("window_start"),
  watermark: date("watermark"),
  historyDays: integer("history_days"),
  rebuild: boolean("rebuild").notNull().default(true),
});

/** One row per series in the feature window: its city and its last recorded day. */
export const featureSeries = pgTable("feature_series", {
  storeId: integer("store_id").notNull(),
  productId: integer("product_id").notNull(),
  cityId: integer("city_id").notNull(),
  lastRecorded: date("last_recorded").notNull(),
}, (t) => [primaryKey({ columns: [t.storeId, t.productId] })]);

/** Days whose sales changed since the last refresh, one span per series (written by triggers on sales). */
export const featureDirty = pgTable("feature_dirty", {
  storeId: integer("store_id").notNull(),
  productId: integer("product_id").notNull(),
  firstDay: date("first_day").notNull(),
  lastDay: date("last_day").notNull(),
}, (t) => [primaryKey({ columns: [t.storeId, t.productId] })]);

/** Sales rows per store and day, for the completeness watermark. */
export const salesStoreDay = pgTable("sales_store_day", {
  storeId: integer("store_id").notNull(),
  day: date("day").notNull(),
  rows: integer("rows").notNull(),
}, (t) => [primaryKey({ columns: [t.day, t.storeId] })]);

export const profileSettings = pgTable("profile_settings", {
  id: boolean("id").primaryKey().default(true),
  historyDays: integer("history_days").notNull().default(1095),
  priorWeeks: doublePrecision("prior_weeks").notNull().default(8),
  priorYears: doublePrecision("prior_years").notNull().default(1),
});

/** Pooled seasonal indices per product, per store and overall (sql/006). */
export const seasonalProfiles = pgMaterializedView("seasonal_profiles", {
  level: text("level").notNull(),
  memberId: integer("member_id").notNull(),
  dayOfWeek: doublePrecision("day_of_week").array().notNull(),
  monthOfYear: doublePrecision("month_of_year").array().notNull(),
  annualGrowth: doublePrecision("annual_growth").notNull(),
  historyDays: integer("history_days").notNull(),
}).existing();

export const trainingRun = pgTable("training_run", {
  id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  version: text("version").notNull().unique(),
  status: text("status", { enum: ["running", "published", "failed", "abandoned", "superseded"] }).notNull().default("running"),
  trigger: text("trigger", { enum: ["manual", "schedule", "request"] }).notNull().default("manual"),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull().default(sql`now()`),
  finishedAt: timestamp("finished_at", { withTimezone: true }),
  origin: date("origin"),
  seriesTotal: integer("series_total").notNull().default(0),
  seriesFailed: integer("series_failed").notNull().default(0),
  stageMs: jsonb("stage_ms").$type<Record<string, number>>().notNull().default({}),
  error: text("error"),
  accuracy: jsonb("accuracy").$type<Record<string, unknown>>(),
});

export const seriesResult = pgTable("series_result", {
  runId: bigint("run_id", { mode: "number" }).notNull().references(() => trainingRun.id, { onDelete: "cascade" }),
  storeId: integer("store_id").notNull().references(() => store.id),
  productId: integer("product_id").notNull().references(() => product.id),
  model: text("model").notNull(),
  params: jsonb("params"),
  metrics: jsonb("metrics").$type<Record<string, number | null>>().notNull().default({}),
  dataHash: text("data_hash").notNull(),
  /** The span of days the fit saw and their hash (trainer/run/fetch.ts, HistoryFingerprint). */
  history: jsonb("history").$type<{ from: string; through: string; hash: string }>(),
  fitMs: integer("fit_ms"),
  errorCode: text("error_code"),
  error: text("error"),
  demandClass: text("demand_class"),
  scores: jsonb("scores").$type<{ model: string; mase: number | null; folds: (number | null)[] }[]>(),
  runnerUp: text("runner_up"),
  forecast: jsonb("forecast").$type<{ point: number[]; lower: number[]; upper: number[] }>(),
  prophetForecast: jsonb("prophet_forecast").$type<{ point: number[]; lower: number[]; upper: number[]; planned?: number[] }>(),
  prophetModel: text("prophet_model"),
  settingsHash: text("settings_hash"),
  fittedAt: timestamp("fitted_at", { withTimezone: true }),
  skipped: boolean("skipped").notNull().default(false),
  outlier: boolean("outlier").notNull().default(false),
}, (t) => [primaryKey({ columns: [t.runId, t.storeId, t.productId] })]);

export const fitJobResult = pgTable("fit_job_result", {
  runId: bigint("run_id", { mode: "number" }).notNull().references(() => trainingRun.id, { onDelete: "cascade" }),
  seriesId: text("series_id").notNull(),
  result: jsonb("result").notNull(),
}, (t) => [primaryKey({ columns: [t.runId, t.seriesId] })]);

/** Each distributed fit job's inputs, written by the coordinator and read by a worker. */
export const fitJobInput = pgTable("fit_job_input", {
  runId: bigint("run_id", { mode: "number" }).notNull().references(() => trainingRun.id, { onDelete: "cascade" }),
  seq: integer("seq").notNull(),
  seriesId: text("series_id").notNull(),
  input: jsonb("input").notNull(),
}, (t) => [primaryKey({ columns: [t.runId, t.seq] })]);

/** Planned promotions (sql/010): a store's product, a whole store (no product) or a product in every store of a city (no store). */
export const promotionPlan = pgTable("promotion_plan", {
  id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  storeId: integer("store_id").references(() => store.id, { onDelete: "cascade" }),
  cityId: integer("city_id").references(() => city.id, { onDelete: "cascade" }),
  productId: integer("product_id").references(() => product.id, { onDelete: "cascade" }),
  firstDay: date("first_day").notNull(),
  lastDay: date("last_day").notNull(),
  price: numeric("price", { mode: "number", precision: 12, scale: 2 }),
});

/** One row per `trainer plan import`. */
export const promotionPlanLoad = pgTable("promotion_plan_load", {
  id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  loadedAt: timestamp("loaded_at", { withTimezone: true }).notNull().default(sql`now()`),
  source: text("source").notNull(),
  lines: integer("lines").notNull(),
  ranges: integer("ranges").notNull(),
  replaced: boolean("replaced").notNull(),
  changed: integer("changed").notNull(),
});

/** Each run's global models (sql/011): per cut-off, horizon bucket and demand segment. */
export const globalModelFit = pgTable("global_model_fit", {
  runId: bigint("run_id", { mode: "number" }).notNull().references(() => trainingRun.id, { onDelete: "cascade" }),
  cutoff: date("cutoff").notNull(),
  horizon: integer("horizon").notNull(),
  dense: boolean("dense").notNull(),
  rows: bigint("rows", { mode: "number" }).notNull(),
  features: text("features").array().notNull(),
  coefficients: doublePrecision("coefficients").array().notNull(),
  sigma: doublePrecision("sigma").notNull(),
}, (t) => [primaryKey({ columns: [t.runId, t.cutoff, t.horizon, t.dense] })]);

/** The global model's training sums per target day, bucket and segment, kept between runs (sql/013). */
export const globalGramDay = pgTable("global_gram_day", {
  day: date("day").notNull(),
  horizon: integer("horizon").notNull(),
  dense: boolean("dense").notNull(),
  rows: bigint("rows", { mode: "number" }).notNull(),
  xx: doublePrecision("xx").array().notNull(),
  xy: doublePrecision("xy").array().notNull(),
  yy: doublePrecision("yy").notNull(),
}, (t) => [primaryKey({ columns: [t.day, t.horizon, t.dense] })]);

/** What the kept sums were computed with, their span, and the first day a change reached since. */
export const globalGramState = pgTable("global_gram_state", {
  id: boolean("id").primaryKey().default(true),
  settings: jsonb("settings"),
  firstDay: date("first_day"),
  lastDay: date("last_day"),
  staleFrom: date("stale_from"),
});

/** Each series' profile and its product's lift as of a quarter's end, as the kept sums read them (sql/013). */
export const globalAnchorShape = pgTable("global_anchor_shape", {
  anchor: date("anchor").notNull(),
  storeId: integer("store_id").notNull(),
  productId: integer("product_id").notNull(),
  dayOfWeek: doublePrecision("day_of_week").array().notNull(),
  monthOfYear: doublePrecision("month_of_year").array().notNull(),
  lift: doublePrecision("lift").notNull(),
}, (t) => [primaryKey({ columns: [t.anchor, t.storeId, t.productId] })]);
