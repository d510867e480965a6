// series_features as the materialized view of sql/002 computed it, from all
// of sales in one query, with its anchor moved from max(day) to a given
// watermark: the reference an incremental refresh must equal, row for row.
import type { Sql } from "../../trainer/db/connect.ts";

export const FEATURE_COLUMNS = ["store_id", "product_id", "day", "units", "promo", "mean_7", "mean_28", "promo_share_28"] as const;

export function fullFeatures(sql: Sql, watermark: string, historyDays: number) {
  return sql<Record<(typeof FEATURE_COLUMNS)[number], unknown>[]>`
    with params as (select ${watermark}::date as last_day, ${historyDays}::int as history_days),
    active_series as (
      select distinct s.store_id, s.product_id
      from sales s, params p
      where s.day > p.last_day - p.history_days and s.day <= p.last_day
    ),
    calendar as (
      select g::date as day
      from params p, generate_series(p.last_day - (p.history_days + 28 - 1), p.last_day, interval '1 day') g
    ),
    filled as (
      select a.store_id, a.product_id, d.day,
             coalesce(s.units, 0)::float8 as units,
             coalesce(s.promo, false) as promo
      from active_series a
      cross join calendar d
      left join sales s on s.store_id = a.store_id and s.product_id = a.product_id and s.day = d.day
    ),
    windowed as (
      select f.*,
             avg(units) over (w rows between 7 preceding and 1 preceding)  as mean_7,
             avg(units) over (w rows between 28 preceding and 1 preceding) as mean_28,
             avg(promo::int) over (w rows between 28 preceding and 1 preceding) as promo_share_28
      from filled f
      window w as (partition by store_id, product_id order by day)
    )
    select w.store_id, w.product_id, w.day::text, w.units, w.promo, w.mean_7, w.mean_28, w.promo_share_28::float8 as promo_share_28
    from windowed w, params p
    where w.day > p.last_day - p.history_days
    order by w.store_id, w.product_id, w.day`;
}

/** What readers see of series_features: the rows inside feature_state's window. */
export function currentFeatures(sql: Sql) {
  return sql<Record<(typeof FEATURE_COLUMNS)[number], unknown>[]>`
    select f.store_id, f.product_id, f.day::text, f.units, f.promo, f.mean_7, f.mean_28, f.promo_share_28
    from series_features f, feature_state s
    where f.day between s.window_start and s.watermark
    order by f.store_id, f.product_id, f.day`;
}
