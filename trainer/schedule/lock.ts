// One cycle at a time across hosts: a Postgres session advisory lock, held on
// a connection of its own for as long as the cycle (or the scheduler) runs.
// Postgres releases it when that connection dies, so a killed trainer never
// leaves it behind.
import { eq, sql as raw } from "drizzle-orm";
import type { ReservedSql } from "postgres";
import { typedQueries, type Sql } from "../db/connect.ts";
import { trainingRun } from "../db/schema.ts";

/** Lock names; each is scoped to the current schema, so deployments (and tests) sharing a database don't collide. */
export type LockName = "cycle" | "schedule";

export class LockBusyError extends Error {
  override name = "LockBusyError";
}

export interface HeldLock {
  readonly name: LockName;
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** Wait for the holder to finish instead of failing at once. */
  wait?: boolean;
  /** How often to try again while waiting. */
  pollMs?: number;
  /** Stops a wait. */
  signal?: AbortSignal;
}

const HELD_BY = {
  cycle: "another training cycle is running (a `trainer run` or a scheduler's cycle)",
  schedule: "another `trainer schedule` is running against this database",
} as const;

async function tryLock(conn: ReservedSql, name: LockName): Promise<boolean> {
  // The exists() check makes the lock exclusive on servers where every client
  // shares one backend session (the embedded PGlite), for which a session lock
  // is re-entrant; on Postgres proper pg_try_advisory_lock alone decides.
  const [row] = await conn<{ locked: boolean }[]>`
    with k as (select hashtext('edge-forecast') as a, hashtext(current_schema() || ':' || ${name}) as b)
    select case
      when exists (select 1 from pg_locks l, k where l.locktype = 'advisory' and l.granted
                   and l.classid::int = k.a and l.objid::int = k.b and l.objsubid = 2)
        then false
      else (select pg_try_advisory_lock(k.a, k.b) from k)
    end as locked`;
  return row.locked;
}

export async function acquireLock(sql: Sql, name: LockName, options: AcquireOptions = {}): Promise<HeldLock> {
  const conn = await sql.reserve();
  try {
    while (!(await tryLock(conn, name))) {
      if (!options.wait) {
        throw new LockBusyError(`${HELD_BY[name]}; try again when it ends, or pass --wait to wait for it`);
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
      options.signal?.throwIfAborted();
    }
  } catch (error) {
    conn.release();
    throw error;
  }
  let released = false;
  return {
    name,
    async release() {
      if (released) return;
      released = true;
      try {
        await conn`select pg_advisory_unlock(hashtext('edge-forecast'), hashtext(current_schema() || ':' || ${name}))`;
      } finally {
        conn.release();
      }
    },
  };
}

/**
 * Runs left 'running' by a trainer that died without recording its end. Only
 * the holder of the cycle lock calls this, so no live cycle can be among them.
 */
export async function abandonStaleRuns(sql: Sql): Promise<number[]> {
  const rows = await typedQueries(sql).update(trainingRun)
    .set({
      status: "abandoned", finishedAt: raw`now()`,
      error: raw`coalesce(${trainingRun.error}, 'the trainer stopped before recording an outcome (killed, or lost its connection); nothing was published')`,
    })
    .where(eq(trainingRun.status, "running"))
    .returning({ id: trainingRun.id });
  return rows.map((r) => r.id);
}
