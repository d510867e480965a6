// X'X, X'y and y'y of the global model's training rows, summed where the rows
// are, one small row of sums per target day, horizon bucket and demand
// segment, and kept in global_gram_day (sql/013) between runs: a run
// computes only the days it has not got or that a sales change reached
// since (global_gram_state.stale_from, lowered by the feature refresh), so
// a daily cycle pays for its new day rather than for every day again. Sums
// are additive, so a fold's Gram matrix is the sum of its days'
// (trainer/global/train.ts).
import type postgres from "postgres";
import type { Sql } from "../db/connect.ts";
import { addDays, daysBetween } from "../days.ts";
import { FEATURES, SCALE_FLOOR } from "./features.ts";

export interface GramDay {
  day: string;
  horizon: number;
  dense: boolean;
  rows: number;
  /** Upper triangle of X'X, row by row, intercept first: p(p + 1)/2 sums. */
  xx: number[];
  xy: number[];
  yy: number;
}

export interface GramQuery {
  /** Target days first..last (inclusive) are kept; others are let go. */
  first: string;
  last: string;
  horizons: readonly number[];
  calendar: string;
  denseShare: number;
}

export interface GramRefresh {
  /** Target days computed this time (the others were kept). */
  computedDays: number;
  ranges: [string, string][];
}

/** Column names are this module's constants, never input: the generated sums are safe to inline. */
const columns = ["1", ...FEATURES.map((f) => `r.${f}`)];

function sums(): { xx: string; xy: string } {
  const xx: string[] = [];
  for (let i = 0; i < columns.length; i++) for (let j = i; j < columns.length; j++) xx.push(`sum(${columns[i]} * ${columns[j]})`);
  return { xx: `array[${xx.join(", ")}]`, xy: `array[${columns.map((c) => `sum(${c} * r.target)`).join(", ")}]` };
}

/** Brings global_gram_day up to date for target days first..last; one transaction, so a concurrent run waits rather than computing the same days. */
export async function refreshGramDays(sql: Sql, query: GramQuery): Promise<GramRefresh> {
  const { xx, xy } = sums();
  return sql.begin(async (tx) => {
    // As for the feature refresh: generate_series and unnest make the planner guess rows JIT would compile for.
    await tx`set local jit = off`;
    await tx`set local work_mem = '64MB'`;
    // Everything a day's sums depend on besides the data: a change of any recomputes every day.
    const [{ settings }] = await tx<{ settings: string }[]>`
      select jsonb_build_object('horizons', ${tx.array([...query.horizons])}::int[], 'calendar', ${query.calendar}::text,
                                'denseShare', ${query.denseShare}::float8, 'scaleFloor', ${SCALE_FLOOR}::float8,
                                'features', ${tx.array([...FEATURES])}::text[], 'profiles', (select to_jsonb(p) from profile_settings p))::text as settings`;
    const [state] = await tx<{ same: boolean; first_day: string | null; last_day: string | null; stale_from: string | null }[]>`
      select settings = ${settings}::jsonb as same, first_day::text, last_day::text, stale_from::text
      from global_gram_state for update`;
    const ranges = missing(query, state.same ? state : null);
    if (!state.same) await tx`delete from global_gram_day`;
    // The anchors' profiles and lifts a change reached go with the sums (every one when the settings changed).
    if (!state.same) await tx`delete from global_anchor_shape`;
    else if (state.stale_from) await tx`delete from global_anchor_shape where anchor >= ${state.stale_from}::date`;
    await tx`delete from global_anchor_shape where anchor < global_anchor(${query.first}::date - ${Math.max(...query.horizons)}::int)`;
    await tx`delete from global_gram_day where day < ${query.first}::date or day > ${query.last}::date`;
    for (const [first, last] of ranges) {
      await keepAnchorShapes(tx, first, last, query.horizons);
      await tx`delete from global_gram_day where day between ${first}::date and ${last}::date`;
      await tx.unsafe(
        `insert into global_gram_day (day, horizon, dense, rows, xx, xy, yy)
         select r.day, r.horizon, r.dense, count(*), ${xx}, ${xy}, sum(r.target * r.target)
         from global_training_rows($1::date, $2::date, $3::int[], $4::text, $5::float8, $6::float8) r
         group by r.day, r.horizon, r.dense`,
        [first, last, `{${query.horizons.join(",")}}`, query.calendar, query.denseShare, SCALE_FLOOR],
      );
    }
    await tx`update global_gram_state set settings = ${settings}::jsonb, first_day = ${query.first}::date,
             last_day = ${query.last}::date, stale_from = null`;
    return { computedDays: ranges.reduce((n, [a, b]) => n + daysBetween(a, b) + 1, 0), ranges };
  });
}

/**
 * Fills global_anchor_shape with the anchors the rows of target days
 * first..last read that it lacks: the profile query runs for new quarters
 * only, not for every anchor every run.
 */
export async function keepAnchorShapes(sql: Sql | postgres.TransactionSql, first: string, last: string, horizons: readonly number[]): Promise<void> {
  const inserted = await sql`
    insert into global_anchor_shape (anchor, store_id, product_id, day_of_week, month_of_year, lift)
    select * from global_anchor_shapes(array(
      select distinct global_anchor(d::date - h) from generate_series(${first}::date, ${last}::date, interval '1 day') d, unnest(${sql.array([...horizons])}::int[]) h
      except select anchor from global_anchor_shape))`;
  // Fresh rows the planner has no statistics for would make it guess one row and loop over them.
  if (inserted.count > 0) await sql`analyze global_anchor_shape`;
}

/** The kept sums of target days first..last. */
export async function gramDays(sql: Sql, first: string, last: string): Promise<GramDay[]> {
  const rows = await sql<{ day: string; horizon: number; dense: boolean; rows: string; xx: number[]; xy: number[]; yy: number }[]>`
    select day::text, horizon, dense, rows, xx, xy, yy from global_gram_day
    where day between ${first}::date and ${last}::date order by day, horizon, dense`;
  return rows.map((r) => ({ ...r, rows: Number(r.rows), xx: r.xx.map(Number), xy: r.xy.map(Number), yy: Number(r.yy) }));
}

/** The spans of first..last whose sums are not kept, or were reached by a change since they were. */
function missing(want: { first: string; last: string }, kept: { first_day: string | null; last_day: string | null; stale_from: string | null } | null): [string, string][] {
  // A full feature refresh marks every day ('-infinity', before any day as text too).
  if (!kept?.first_day || !kept.last_day || (kept.stale_from !== null && kept.stale_from <= kept.first_day)) return [[want.first, want.last]];
  // Still valid: the kept span up to the day before the first one a change reached.
  const validFirst = kept.first_day;
  const validLast = kept.stale_from && kept.stale_from <= kept.last_day ? addDays(kept.stale_from, -1) : kept.last_day;
  if (validLast < validFirst || validLast < want.first || validFirst > want.last) return [[want.first, want.last]];
  const ranges: [string, string][] = [];
  if (want.first < validFirst) ranges.push([want.first, addDays(validFirst, -1)]);
  if (validLast < want.last) ranges.push([addDays(validLast, 1), want.last]);
  return ranges;
}
