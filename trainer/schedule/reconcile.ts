// A trainer killed between its store commit and recording the run leaves a
// live version whose run row still says 'running' (or, once the next lock
// holder has been by, 'abandoned'). The commit writes the version's manifest
// in the same step as the pointer move, so a manifest in the store means the
// run published: the lock holder records it so, before it marks the rest
// abandoned, and the next fetch finds it for skips and warm starts.
import type { Redis } from "@upstash/redis";
import { keys } from "../../edge/contract/keys.ts";
import type { Manifest } from "../../edge/contract/payload.ts";
import type { Sql } from "../db/connect.ts";

/** Unfinished runs looked at: a trainer leaves at most one behind per crash. */
const LOOK_BACK = 200;

/** Marks unfinished runs whose version the store holds as published; returns their ids. */
export async function reconcileRuns(sql: Sql, redis: Redis, prefix: string): Promise<number[]> {
  const runs = await sql<{ id: number; version: string }[]>`
    select id, version from training_run where status in ('running', 'abandoned') order by id desc limit ${LOOK_BACK}`;
  if (runs.length === 0) return [];
  const k = keys(prefix);
  const texts = (await redis.mget<(string | null)[]>(...runs.map((r) => k.manifest(r.version))));
  const found = runs.flatMap((run, i) => {
    const text = texts[i];
    if (text === null) return [];
    const manifest = JSON.parse(text) as Manifest;
    return manifest.runId === Number(run.id) ? [{ id: Number(run.id), manifest }] : [];
  });
  if (found.length === 0) return [];
  await sql`
    update training_run t
    set status = 'published', finished_at = coalesce(t.finished_at, m.trained_at), origin = m.origin,
        series_total = m.series, series_failed = m.failed,
        error = 'recorded from the store on the next start: the trainer stopped after its commit, before recording it'
    from json_to_recordset(${JSON.stringify(found.map(({ id, manifest: m }) => ({ id, trained_at: m.trainedAt, origin: m.origin, series: m.series, failed: m.failed })))}::json)
      as m (id bigint, trained_at timestamptz, origin date, series int, failed int)
    where t.id = m.id`;
  return found.map((f) => f.id);
}
