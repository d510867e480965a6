// The global model of a run as `trainer status` shows it: what it was trained
// on, how long it took, and its backtest score beside the per-series models'
// on the same series and folds.
import type { Sql } from "../db/connect.ts";

export interface GlobalStatus {
  runId: number;
  /** Training rows of the models the published forecasts came from (the origin's, every bucket and segment). */
  rows: number;
  models: number;
  features: string[];
  /** The run's `global` stage: the training query and the solves. */
  fitMs: number | null;
  /** Series the global model was scored on; on how many its mean fold RMSSE beat every other candidate's. */
  series: number;
  wins: number;
  /** Mean fold RMSSE per candidate over the series global was scored on, best first. */
  scores: { model: string; series: number; rmsse: number }[];
}

export async function globalStatus(sql: Sql, runId: number): Promise<GlobalStatus | null> {
  const [fit] = await sql<{ rows: string | null; models: number; features: string[] | null; fit_ms: number | null }[]>`
    select sum(g.rows) as rows, count(*)::int as models, max(g.features) as features, (t.stage_ms->>'global')::float8 as fit_ms
    from global_model_fit g join training_run t on t.id = g.run_id
    where g.run_id = ${runId} and g.cutoff = (select max(cutoff) from global_model_fit where run_id = ${runId})
    group by t.stage_ms`;
  if (!fit?.rows) return null;
  const scored = sql`
    select r.store_id, r.product_id, e->>'model' as model, (e->>'rmsse')::float8 as rmsse
    from series_result r
    cross join lateral jsonb_array_elements(case when jsonb_typeof(r.scores) = 'array' then r.scores else '[]'::jsonb end) e
    where r.run_id = ${runId} and (e->>'complete')::boolean and e->>'rmsse' is not null`;
  const [wins] = await sql<{ series: number; wins: number }[]>`
    with s as (${scored}),
    per as (select min(rmsse) filter (where model = 'global') as g, min(rmsse) filter (where model <> 'global') as best
            from s group by store_id, product_id)
    select count(*)::int as series, count(*) filter (where g < best)::int as wins from per where g is not null and best is not null`;
  const scores = await sql<{ model: string; series: number; rmsse: number }[]>`
    with s as (${scored})
    select s.model, count(*)::int as series, avg(s.rmsse) as rmsse from s
    where exists (select 1 from s g where g.model = 'global' and g.store_id = s.store_id and g.product_id = s.product_id)
    group by s.model order by avg(s.rmsse)`;
  return { runId, rows: Number(fit.rows), models: fit.models, features: fit.features ?? [], fitMs: fit.fit_ms, ...wins, scores };
}
