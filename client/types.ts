// The API's request and answer types, inferred from the schemas the Worker
// validates with and documents (edge/params.ts, edge/openapi/schemas.ts):
// type-only imports, so no schema code reaches a client bundle.
import type { z } from "zod";
import type { forecastGridSchema, historyGridSchema, metaSchema, seriesForecastSchema, seriesHistorySchema } from "../edge/openapi/schemas.ts";
import type { gridQuery, seriesParams } from "../edge/params.ts";

export type SeriesForecast = z.output<typeof seriesForecastSchema>;
export type ForecastGrid = z.output<typeof forecastGridSchema>;
export type SeriesHistory = z.output<typeof seriesHistorySchema>;
export type HistoryGrid = z.output<typeof historyGridSchema>;
export type Meta = z.output<typeof metaSchema>;
export type Manifest = Meta["manifest"];

/** One series: its city, store and product codes. */
export type SeriesKey = z.output<typeof seriesParams>;
/** A horizon in days: 7, 30 or 60. */
export type Horizon = z.output<typeof gridQuery>["h"];
/** A grid: each axis a list of codes, or "*" for all of them. */
export type GridSelection = Pick<z.output<typeof gridQuery>, "city" | "store" | "product">;
