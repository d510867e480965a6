// X'X, X'y and y'y of the global model's training rows, summed where the rows
// are: one query returns one small row of sums per block, horizon bucket and
// demand segment, whatever the number of series. Sums are additive, so a
// fold's Gram matrix is the sum of its blocks' (trainer/global/train.ts).
import type { Sql } from "../db/connect.ts";
import { FEATURES, SCALE_FLOOR } from "./features.ts";

export interface GramBlock {
  block: number;
  horizon: number;
  dense: boolean;
  rows: number;
  /** Upper triangle of X'X, row by row, intercept first: p(p + 1)/2 sums. */
  xx: number[];
  xy: number[];
  yy: number;
}

export interface GramQuery {
  origin: string;
  blockDays: number;
  blocks: number;
  horizons: readonly number[];
  /** The origin, then each fold's cut-off: block k's rows take the profile of cut-off min(k, last). */
  profileCutoffs: readonly string[];
  calendar: string;
  denseShare: number;
}

/** Column names are this module's constants, never input: the generated sums are safe to inline. */
const columns = ["1", ...FEATURES.map((f) => `r.${f}`)];

function sums(): { xx: string; xy: string } {
  const xx: string[] = [];
  for (let i = 0; i < columns.length; i++) for (let j = i; j < columns.length; j++) xx.push(`sum(${columns[i]} * ${columns[j]})`);
  return { xx: `array[${xx.join(", ")}]`, xy: `array[${columns.map((c) => `sum(${c} * r.target)`).join(", ")}]` };
}

export async function gramBlocks(sql: Sql, query: GramQuery): Promise<GramBlock[]> {
  const { xx, xy } = sums();
  return sql.begin(async (tx) => {
    // As for the feature refresh: generate_series and unnest make the planner guess rows JIT would compile for.
    await tx`set local jit = off`;
    await tx`set local work_mem = '64MB'`;
    const rows = await tx.unsafe<{ block: number; horizon: number; dense: boolean; rows: string; xx: number[]; xy: number[]; yy: number }[]>(
      `select r.block, r.horizon, r.dense, count(*) as rows, ${xx} as xx, ${xy} as xy, sum(r.target * r.target) as yy
       from global_training_rows($1::date, $2::int, $3::int, $4::int[], $5::date[], $6::text, $7::float8, $8::float8) r
       group by r.block, r.horizon, r.dense`,
      [query.origin, query.blockDays, query.blocks, `{${query.horizons.join(",")}}`, `{${query.profileCutoffs.join(",")}}`, query.calendar, query.denseShare, SCALE_FLOOR],
    );
    return rows.map((r) => ({ ...r, rows: Number(r.rows), xx: r.xx.map(Number), xy: r.xy.map(Number), yy: Number(r.yy) }));
  });
}
