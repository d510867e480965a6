// Stage 1: bring the feature view up to date with sales.
import type { Sql } from "../db/connect.ts";

export interface RefreshReport {
  origin: string | null;
  series: number;
}

/** `profileDays`: also refresh the seasonal profiles (sql/006) over that many days; omitted, they are left as they are. */
export async function refreshFeatures(sql: Sql, historyDays: number, options: { profileDays?: number } = {}): Promise<RefreshReport> {
  await sql`update feature_settings set history_days = ${historyDays} where history_days <> ${historyDays}`;
  const { profileDays } = options;
  if (profileDays !== undefined) {
    await sql`update profile_settings set history_days = ${profileDays} where history_days <> ${profileDays}`;
  }
  const refresh = (view: "series_features" | "seasonal_profiles") => sql.begin(async (tx) => {
    // The planner cannot see through generate_series and guesses millions of
    // rows, so JIT compiles the query for longer than it takes to run (0.5 s
    // of 0.9 s on the demo grid). Off for this transaction only.
    await tx`set local jit = off`;
    // CONCURRENTLY: dashboards and a running fetch keep reading the old rows.
    await tx`refresh materialized view concurrently ${sql(view)}`;
  });
  // Side by side on two connections: the profiles read sales, not the features,
  // so the stage takes as long as the slower of the two rather than their sum.
  await Promise.all([refresh("series_features"), ...(profileDays !== undefined ? [refresh("seasonal_profiles")] : [])]);
  const [row] = await sql<{ origin: string | null; series: number }[]>`
    select max(day)::text as origin, count(distinct (store_id, product_id))::int as series from series_features`;
  return { origin: row.origin, series: row.series };
}
