// The plan as the fetch reads it: each series' planned promotion days in the
// horizon after the feature view's origin, as offsets (0 = the day after the
// origin, point[0] of the forecast). One subquery for every series, joined to
// the fetch's series rows.
import type { PendingQuery, Row } from "postgres";
import type { Sql } from "../db/connect.ts";

/** Rows (store_id, product_id, planned int[]) for every series with a planned day in the horizon. */
export function plannedDaysQuery(sql: Sql, horizon: number): PendingQuery<Row[]> {
  return sql`
    select d.store_id, d.product_id, array_agg(d.day - o.origin - 1 order by d.day) as planned
    from (select max(day) as origin from series_features) o
    cross join lateral planned_promotion_days(o.origin + 1, o.origin + ${horizon}::int) d
    group by d.store_id, d.product_id`;
}

/** 0|1 per day of the horizon from the planned offsets: what the models take as `futurePromo`. */
export function plannedFlags(offsets: readonly number[], horizon: number): number[] {
  const flags = new Array<number>(horizon).fill(0);
  for (const offset of offsets) if (offset >= 0 && offset < horizon) flags[offset] = 1;
  return flags;
}

/** A fetched series' planned days as the models' `futurePromo`; nothing when none is planned, so such inputs stay as they were. */
export function plannedInput(record: { planned: readonly number[] }, horizon: number): { futurePromo?: number[] } {
  return record.planned.length ? { futurePromo: plannedFlags(record.planned, horizon) } : {};
}
