// The plan as the fetch reads it: each series' planned promotion days in the
// horizon after the origin, as offsets (0 = the day after the origin, point[0]
// of the forecast). A lateral join on the fetch's series rows (`f`): a few
// index lookups per series in the same query, however large the plan.
import type { PendingQuery, Row } from "postgres";
import type { Sql } from "../db/connect.ts";

/** `left join lateral … pl`, giving `pl.planned` (int[], null when nothing is planned) for the row `f` (store_id, product_id). */
export function plannedDaysJoin(sql: Sql, origin: string, horizon: number): PendingQuery<Row[]> {
  return sql`left join lateral (
      select array_agg(distinct d.offset_day order by d.offset_day) as planned
      from (select g::date - ${origin}::date - 1 as offset_day
            from (select first_day, last_day from promotion_plan
                  where store_id = f.store_id and (product_id = f.product_id or product_id is null)
                  union all
                  select pp.first_day, pp.last_day from promotion_plan pp join store st on st.city_id = pp.city_id
                  where st.id = f.store_id and pp.product_id = f.product_id) pp
            cross join lateral generate_series(greatest(pp.first_day, ${origin}::date + 1), least(pp.last_day, ${origin}::date + ${horizon}::int), interval '1 day') g) d
    ) pl on true`;
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
