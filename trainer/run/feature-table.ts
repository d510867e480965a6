// series_features kept up to date incrementally (sql/008): each refresh
// recomputes only the series-days whose inputs changed — the spans the sales
// triggers recorded, plus the 28 days after each whose rolling means read them, and
// the days a new watermark adds — in one transaction, so readers see the old
// window or the new one, never a mix, and never wait.
import type postgres from "postgres";
import type { Sql } from "../db/connect.ts";
import { addDays, daysBetween } from "../days.ts";

type TransactionSql = postgres.TransactionSql;

export interface FeatureRefresh {
  /** The completeness watermark: the window's last day, null when there are no sales. */
  watermark: string | null;
  windowStart: string | null;
  series: number;
  /** "full": the whole window was recomputed (first run, a new window length, a TRUNCATE, a watermark that went back). */
  mode: "full" | "incremental" | "empty";
  /** Series-day rows written. */
  rows: number;
  /** Old monthly partitions dropped after the commit. */
  droppedPartitions: number;
}

/** Rolling means reach 28 days back: the days before a span that its features read. */
const LAG_DAYS = 28;
/** The watermark scan starts this far before the last watermark (it can move back by less than this without a full scan). */
const WATERMARK_LOOKBACK_DAYS = 56;


export async function refreshFeatureTable(sql: Sql, historyDays: number, options: { full?: boolean } = {}): Promise<FeatureRefresh> {
  const result = await sql.begin(async (tx) => {
    // The planner cannot see through generate_series and guesses millions of
    // rows, so JIT would compile for longer than the query runs.
    await tx`set local jit = off`;
    // The gap fill joins sales on (store, product, day); a merge join keyed on
    // the series alone (which the window's sort order tempts the planner to)
    // filters each series' days against each other, quadratic in the span.
    await tx`set local enable_mergejoin = off`;
    // A full recompute sorts every series-day of the window once; in memory when it fits.
    await tx`set local work_mem = '64MB'`;
    // Two refreshes at once would both consume the same changes.
    await tx`select pg_advisory_xact_lock(hashtext(current_schema() || ':series_features'))`;
    const [state] = await tx<{ watermark: string | null; history_days: number | null; rebuild: boolean }[]>`
      select watermark::text, history_days, rebuild from feature_state for update`;
    const since = state.watermark ? addDays(state.watermark, -WATERMARK_LOOKBACK_DAYS) : null;
    let [{ w: watermark }] = await tx<{ w: string | null }[]>`select feature_watermark(${since}::date)::text as w`;
    if (watermark === null && since !== null) [{ w: watermark }] = await tx<{ w: string | null }[]>`select feature_watermark(null)::text as w`;
    if (watermark === null) return await empty(tx);

    const start = addDays(watermark, -(historyDays - 1));
    const previous = state.watermark;
    const full = options.full || state.rebuild || previous === null || state.history_days !== historyDays
      || watermark < previous || daysBetween(previous, watermark) >= historyDays;
    await tx`select ensure_feature_partitions(${start}::date, ${watermark}::date)`;
    await tx`create temp table refresh_target (store_id integer, product_id integer, from_day date, to_day date) on commit drop`;
    if (full) await targetEverything(tx, start, watermark);
    else await targetChanges(tx, start, watermark, previous);

    await tx`delete from series_features f using refresh_target t
             where f.store_id = t.store_id and f.product_id = t.product_id and f.day between t.from_day and t.to_day`;
    const written = await insertFeatures(tx);
    await tx`update feature_state set window_start = ${start}::date, watermark = ${watermark}::date, history_days = ${historyDays}, rebuild = false`;
    const [{ n }] = await tx<{ n: number }[]>`select count(*)::int as n from feature_series`;
    return { watermark, windowStart: start, series: n, mode: full ? "full" : "incremental", rows: written, droppedPartitions: 0 } satisfies FeatureRefresh;
  });
  result.droppedPartitions = result.windowStart ? await dropPartitionsBefore(sql, result.windowStart) : 0;
  return result;
}

async function empty(tx: TransactionSql): Promise<FeatureRefresh> {
  await tx`delete from series_features`;
  await tx`delete from feature_series`;
  await tx`delete from feature_dirty`;
  await tx`update feature_state set window_start = null, watermark = null, history_days = null, rebuild = false`;
  return { watermark: null, windowStart: null, series: 0, mode: "empty", rows: 0, droppedPartitions: 0 };
}

/** Every series with a sale in [start, watermark], over the whole window. */
async function targetEverything(tx: TransactionSql, start: string, watermark: string): Promise<void> {
  // Consumed first: a change committed after this point stays for the next refresh.
  await tx`delete from feature_dirty`;
  await tx`delete from series_features`;
  await tx`delete from feature_series`;
  await tx`
    insert into feature_series (store_id, product_id, city_id, last_recorded)
    select s.store_id, s.product_id, st.city_id, max(s.day)
    from sales s join store st on st.id = s.store_id
    where s.day between ${start}::date and ${watermark}::date
    group by s.store_id, s.product_id, st.city_id`;
  await tx`insert into refresh_target select store_id, product_id, ${start}::date, ${watermark}::date from feature_series`;
  // Every day of the global model's kept sums is to be computed again (sql/013).
  await tx`update global_gram_state set stale_from = '-infinity'`;
}

/** The series and spans that changed since the window ended at `previous`. */
async function targetChanges(tx: TransactionSql, start: string, watermark: string, previous: string): Promise<void> {
  // `known`: the series had rows up to `previous` before this refresh.
  await tx`create temp table refresh_touched (store_id integer, product_id integer, first_day date, last_day date, known boolean) on commit drop`;
  await tx`
    with consumed as (delete from feature_dirty returning store_id, product_id, first_day, last_day)
    insert into refresh_touched
    select c.*, exists (select 1 from feature_series f where f.store_id = c.store_id and f.product_id = c.product_id)
    from consumed c`;
  // The global model's kept sums of these days and every later one read them (sql/013): a
  // changed day moves its series' later windows and the profiles and lifts of later quarters.
  await tx`update global_gram_state set stale_from = least(stale_from, (select min(first_day) from refresh_touched))`;
  // Changes past the watermark wait for the days they belong to.
  await tx`
    insert into feature_dirty (store_id, product_id, first_day, last_day)
    select store_id, product_id, greatest(first_day, ${watermark}::date + 1), last_day from refresh_touched where last_day > ${watermark}::date
    on conflict (store_id, product_id) do update
      set first_day = least(feature_dirty.first_day, excluded.first_day), last_day = greatest(feature_dirty.last_day, excluded.last_day)`;
  await tx`delete from feature_series f using refresh_touched t where f.store_id = t.store_id and f.product_id = t.product_id`;
  await tx`
    insert into feature_series (store_id, product_id, city_id, last_recorded)
    select t.store_id, t.product_id, st.city_id, l.day
    from refresh_touched t
    join store st on st.id = t.store_id
    cross join lateral (select max(s.day) as day from sales s
                        where s.store_id = t.store_id and s.product_id = t.product_id and s.day <= ${watermark}::date) l
    where l.day is not null`;
  // Series with no sale left in the window leave it, rows and all.
  await tx`
    create temp table refresh_gone on commit drop as
    select store_id, product_id from feature_series where last_recorded < ${start}::date
    union
    select t.store_id, t.product_id from refresh_touched t
    where t.known and not exists (select 1 from feature_series f where f.store_id = t.store_id and f.product_id = t.product_id)`;
  await tx`delete from feature_series f using refresh_gone g where f.store_id = g.store_id and f.product_id = g.product_id`;
  await tx`delete from series_features f using refresh_gone g where f.store_id = g.store_id and f.product_id = g.product_id`;
  await tx`
    insert into refresh_target
    -- a series new to the window: all of it
    select f.store_id, f.product_id, ${start}::date, ${watermark}::date
    from feature_series f join refresh_touched t on t.store_id = f.store_id and t.product_id = f.product_id
    where not t.known
    union all
    -- a changed span of a known series, and the days whose rolling means read it, up to the old watermark
    select t.store_id, t.product_id, greatest(t.first_day, ${start}::date), least(t.last_day + ${LAG_DAYS}::int, ${previous}::date)
    from refresh_touched t join feature_series f on f.store_id = t.store_id and f.product_id = t.product_id
    where t.known and greatest(t.first_day, ${start}::date) <= least(t.last_day + ${LAG_DAYS}::int, ${previous}::date)
    union all
    -- every known series: the days the new watermark adds
    select f.store_id, f.product_id, ${previous}::date + 1, ${watermark}::date
    from feature_series f left join refresh_touched t on t.store_id = f.store_id and t.product_id = f.product_id
    where ${watermark}::date > ${previous}::date and (t.store_id is null or t.known)`;
}

/**
 * The feature rows of every target span, from gap-filled sales starting 28
 * days before it (so its rolling means are complete); the same SQL for a full and an
 * incremental refresh. Rolling means cover the days strictly before `day`.
 */
async function insertFeatures(tx: TransactionSql): Promise<number> {
  const inserted = await tx`
    insert into series_features (store_id, product_id, day, units, promo, mean_7, mean_28, promo_share_28)
    select store_id, product_id, day, units, promo, mean_7, mean_28, promo_share_28
    from (
      select f.*,
             avg(units) over (w rows between 7 preceding and 1 preceding)  as mean_7,
             avg(units) over (w rows between 28 preceding and 1 preceding) as mean_28,
             avg(promo::int) over (w rows between 28 preceding and 1 preceding) as promo_share_28
      from (
        select t.store_id, t.product_id, t.from_day, g.d::date as day,
               coalesce(s.units, 0)::float8 as units,
               coalesce(s.promo, false) as promo
        from refresh_target t
        cross join lateral generate_series(t.from_day - ${LAG_DAYS}::int, t.to_day, interval '1 day') g (d)
        left join sales s on s.store_id = t.store_id and s.product_id = t.product_id and s.day = g.d::date
      ) f
      window w as (partition by store_id, product_id, from_day order by day)
    ) x
    where day >= from_day`;
  return inserted.count;
}

/**
 * Monthly partitions that end on or before the window's first day, detached
 * CONCURRENTLY (readers never wait on it) and dropped: old days leave
 * without a DELETE. A detach cut short last time is finished first.
 */
async function dropPartitionsBefore(sql: Sql, windowStart: string): Promise<number> {
  const partitions = await sql<{ name: string; pending: boolean }[]>`
    select c.relname as name, i.inhdetachpending as pending
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'series_features'::regclass`;
  let dropped = 0;
  for (const { name, pending } of partitions) {
    const month = /^series_features_(\d{4})_(\d{2})$/.exec(name);
    if (!month) continue;
    const end = new Date(Date.UTC(Number(month[1]), Number(month[2]), 1)).toISOString().slice(0, 10);
    if (end > windowStart) continue;
    await sql`alter table series_features detach partition ${sql(name)} ${pending ? sql`finalize` : sql`concurrently`}`;
    await sql`drop table ${sql(name)}`;
    dropped++;
  }
  return dropped;
}
