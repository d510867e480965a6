// Drizzle's view of the tables that sql/ creates. The SQL files are the source
// of truth (they hold the feature SQL and its window functions); this
// file only types the queries the trainer makes.
import { sql } from "drizzle-orm";
import {
  bigint, boolean, date, doublePrecision, integer, jsonb, numeric, pgTable,
  primaryKey, text, timestamp,
} from "drizzle-orm/pg-core";

export const city = pgTable("city", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  code: text("code").notNull().unique(),
  name: text("name").notNull(),
});

export const store = pgTable("store", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  code: text("code").notNull().unique(),
  name: text("name").notNull(),
  cityId: integer("city_id").notNull().references(() => city.id),
});

export const product = pgTable("product", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  code: text("code").notNull().unique(),
  name: text("name").notNull(),
});

export const sales = pgTable("sales", {
  cityId: integer("city_id").notNull(),
  storeId: integer("store_id").notNull(),
  productId: integer("product_id").notNull(),
  day: date("day").notNull(),
  units: numeric("units", { mode: "number" }).notNull(),
  price: numeric("price", { mode: "number" }),
  promo: boolean("promo").notNull().default(false),
}, (t) => [primaryKey({ columns: [t.storeId, t.productId, t.day] })]);

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
export const seriesFeatures = pgTable("series_features", {
  cityId: integer("city_id").notNull(),
  storeId: integer("store_id").notNull(),
  productId: integer("product_id").notNull(),
  day: date("day").notNull(),
  units: doublePrecision("units").notNull(),
  promo: boolean("promo").notNull(),
  price: doublePrecision("price"),
  gapFilled: boolean("gap_filled").notNull(),
  lag1: doublePrecision("lag_1"),
  lag7: doublePrecision("lag_7"),
  lag28: doublePrecision("lag_28"),
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
  runId: bigint("run_id", { mode: "number" }).notNull().references(() => trainingRun.id),
  storeId: integer("store_id").notNull(),
  productId: integer("product_id").notNull(),
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
  prophetForecast: jsonb("prophet_forecast").$type<{ point: number[]; lower: number[]; upper: number[] }>(),
  prophetModel: text("prophet_model"),
  settingsHash: text("settings_hash"),
  fittedAt: timestamp("fitted_at", { withTimezone: true }),
  skipped: boolean("skipped").notNull().default(false),
  outlier: boolean("outlier").notNull().default(false),
}, (t) => [primaryKey({ columns: [t.runId, t.storeId, t.productId] })]);

export const fitJobResult = pgTable("fit_job_result", {
  runId: bigint("run_id", { mode: "number" }).notNull().references(() => trainingRun.id),
  seriesId: text("series_id").notNull(),
  result: jsonb("result").notNull(),
}, (t) => [primaryKey({ columns: [t.runId, t.seriesId] })]);
