// Stage 1: bring the features up to date with sales. series_features is
// maintained incrementally (./feature-table.ts); the seasonal profiles, when
// asked for, are a materialized view refreshed CONCURRENTLY beside it.
import type { Sql } from "../db/connect.ts";
import { refreshFeatureTable, type FeatureRefresh } from "./feature-table.ts";

export interface RefreshReport {
  /** The completeness watermark every series' window ends on (see sql/008). */
  origin: string | null;
  series: number;
  features: FeatureRefresh;
  /** Wall time of each part: they run side by side, so the stage takes the slower. */
  featuresMs: number;
  profilesMs: number | null;
}

/**
 * `profileDays`: the seasonal profiles' window (sql/006), and a refresh of
 * their materialized view unless `profilesView` is false; omitted, both are
 * left as they are. `full`: recompute every feature row.
 */
export async function refreshFeatures(sql: Sql, historyDays: number, options: { profileDays?: number; profilesView?: boolean; full?: boolean } = {}): Promise<RefreshReport> {
  await sql`update feature_settings set history_days = ${historyDays} where history_days <> ${historyDays}`;
  const { profileDays } = options;
  if (profileDays !== undefined) {
    await sql`update profile_settings set history_days = ${profileDays} where history_days <> ${profileDays}`;
  }
  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    return [await work(), performance.now() - started];
  };
  // Side by side on two connections: the profiles read sales, not the features.
  const [[features, featuresMs], profiles] = await Promise.all([
    timed(() => refreshFeatureTable(sql, historyDays, { full: options.full })),
    profileDays === undefined || options.profilesView === false ? null : timed(() => sql.begin(async (tx) => {
      await tx`set local jit = off`;
      // CONCURRENTLY: dashboards and a running fetch keep reading the old rows.
      await tx`refresh materialized view concurrently seasonal_profiles`;
    })),
  ]);
  return { origin: features.watermark, series: features.series, features, featuresMs, profilesMs: profiles?.[1] ?? null };
}
