// What `trainer plan list` prints: the plan's rows with their scope in codes,
// and its last load. One query each.
import type { Sql } from "../db/connect.ts";

export interface PlanEntry {
  /** "city/store/product", "city/store/*" (the whole store) or "city/*\/product" (every store of the city). */
  scope: string;
  firstDay: string;
  lastDay: string;
  price: number | null;
}

export interface PlanStatus {
  loadedAt: string | null;
  source: string | null;
  /** The plan's rows, earliest first. */
  entries: PlanEntry[];
}

export async function listPlan(sql: Sql, window: { from?: string; limit?: number } = {}): Promise<PlanStatus> {
  const [load] = await sql<{ ms: string; source: string }[]>`
    select extract(epoch from loaded_at) * 1000 as ms, source from promotion_plan_load order by id desc limit 1`;
  const entries = await sql<PlanEntry[]>`
    select coalesce(c.code, sc.code) || '/' || coalesce(st.code, '*') || '/' || coalesce(p.code, '*') as scope,
           pp.first_day::text as "firstDay", pp.last_day::text as "lastDay", pp.price::float8 as price
    from promotion_plan pp
    left join store st on st.id = pp.store_id
    left join city sc on sc.id = st.city_id
    left join city c on c.id = pp.city_id
    left join product p on p.id = pp.product_id
    where pp.last_day >= coalesce(${window.from ?? null}::date, '-infinity'::date)
    order by pp.first_day, 1
    limit ${window.limit ?? 1000}`;
  return { loadedAt: load ? iso(load.ms) : null, source: load?.source ?? null, entries };
}

/** When the plan was last loaded; null when never. */
export async function planLoadedAt(sql: Sql): Promise<string | null> {
  const [row] = await sql<{ ms: string }[]>`select extract(epoch from loaded_at) * 1000 as ms from promotion_plan_load order by id desc limit 1`;
  return row ? iso(row.ms) : null;
}

/** Epoch milliseconds from Postgres (a numeric, so text) as ISO 8601, as the manifest carries times. */
export function iso(ms: string): string {
  return new Date(Math.round(Number(ms))).toISOString();
}
