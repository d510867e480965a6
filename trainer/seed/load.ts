// Writes the generated demo grid into Postgres: catalog first, then sales.
import type { Sql } from "../db/connect.ts";
import { upsertCatalog } from "../ingest/catalog.ts";
import { loadSales } from "../ingest/sales.ts";
import { generateSales, seedCatalog, type GenerateOptions } from "./generate.ts";

export interface SeedReport {
  series: number;
  rows: number;
  start: string;
  end: string;
}

export const DEMO_GRID: Omit<GenerateOptions, "end"> = { cities: 5, stores: 5, products: 5, days: 730, seed: 42 };

/** Yesterday in UTC: the newest day a nightly load would have. */
export function yesterday(now: Date = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1)).toISOString().slice(0, 10);
}

export async function seedDemo(sql: Sql, options: GenerateOptions, onBatch?: (rows: number) => void): Promise<SeedReport> {
  const catalog = seedCatalog(options);
  const ids = await upsertCatalog(sql, catalog);
  const report = await loadSales(sql, ids, generateSales(options), { onBatch });
  const startMs = Date.parse(`${options.end}T00:00:00Z`) - (options.days - 1) * 86_400_000;
  return {
    series: catalog.stores.length * catalog.products.length,
    rows: report.rows,
    start: new Date(startMs).toISOString().slice(0, 10),
    end: options.end,
  };
}
