// One cycle at a time across hosts: a Postgres session advisory lock, held on
// a client of its own (one connection, no idle or lifetime limit, as the
// driver does for LISTEN) for as long as the cycle (or the scheduler) runs.
// Not a reserved pool connection: one whose socket the server closed crashes
// the driver when used again, and poisons the pool when released.
// Postgres releases it when that connection dies, so a killed trainer never
// leaves it behind. The same is true of a connection that an idle timeout, a
// network drop or a pooler ended without the trainer noticing, so the holder
// checks it still holds the lock right before its commit (verify()); the
// commit itself is fenced in the store as well (publish/commit-script.ts).
import { eq, sql as raw } from "drizzle-orm";
import postgres from "postgres";
import { typedQueries, type Sql } from "../db/connect.ts";
import { trainingRun } from "../db/schema.ts";

/** Lock names; each is scoped to the current schema, so deployments (and tests) sharing a database don't collide. */
export type LockName = "cycle" | "schedule";

export class LockBusyError extends Error {
  override name = "LockBusyError";
}

/** The lock's connection ended or the lock went with it: the holder must not commit. */
export class LockLostError extends Error {
  override name = "LockLostError";
}

export interface HeldLock {
  readonly name: LockName;
  /** Throws LockLostError unless this holder still holds the lock, checked on its own connection. */
  verify(): Promise<void>;
  release(): Promise<void>;
}

/** A dropped TCP connection can leave a query waiting for minutes; a lock that cannot answer this fast is as good as lost. */
const VERIFY_TIMEOUT_MS = 10_000;

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

async function tryLock(conn: Sql, name: LockName): Promise<boolean> {
  // The exists() check makes the lock exclusive on servers where every client
  // shares one backend session (the embedded PGlite), for which a session lock
  // is re-entrant; on Postgres proper pg_try_advisory_lock alone decides.
  // pg_locks spans the whole server, so it is filtered to this database:
  // deployments in other databases (schema public in each) are not holders.
  const [row] = await conn<{ locked: boolean }[]>`
    with k as (select hashtext('edge-forecast') as a, hashtext(current_schema() || ':' || ${name}) as b,
                      (select oid from pg_database where datname = current_database()) as db)
    select case
      when exists (select 1 from pg_locks l, k where l.locktype = 'advisory' and l.granted and l.database = k.db
                   and l.classid::int = k.a and l.objid::int = k.b and l.objsubid = 2)
        then false
      else (select pg_try_advisory_lock(k.a, k.b) from k)
    end as locked`;
  return row.locked;
}

async function stillHeld(conn: Sql, name: LockName): Promise<boolean> {
  const [row] = await conn<{ held: boolean }[]>`
    select exists (
      select 1 from pg_locks l
      where l.locktype = 'advisory' and l.granted and l.pid = pg_backend_pid() and l.objsubid = 2
        and l.database = (select oid from pg_database where datname = current_database())
        and l.classid::int = hashtext('edge-forecast') and l.objid::int = hashtext(current_schema() || ':' || ${name})
    ) as held`;
  return row.held;
}

export async function acquireLock(sql: Sql, name: LockName, options: AcquireOptions = {}): Promise<HeldLock> {
  let lost = false;
  // A reconnect would be a new session without the lock: once closed, the lock is lost for good.
  const conn = postgres({ ...sql.options, max: 1, idle_timeout: null, max_lifetime: null, fetch_types: false, onclose: () => (lost = true) } as unknown as postgres.Options<{}>) as unknown as Sql;
  try {
    while (!(await tryLock(conn, name))) {
      if (!options.wait) {
        throw new LockBusyError(`${HELD_BY[name]}; try again when it ends, or pass --wait to wait for it`);
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
      options.signal?.throwIfAborted();
    }
  } catch (error) {
    await conn.end({ timeout: 5 });
    throw error;
  }
  let released = false;
  return {
    name,
    async verify() {
      if (lost) throw new LockLostError(`lost the ${name} lock: its connection closed (a network drop, an idle timeout or a pooler); not committing`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${VERIFY_TIMEOUT_MS / 1000} s`)), VERIFY_TIMEOUT_MS);
      });
      let held: boolean;
      try {
        held = await Promise.race([stillHeld(conn, name), timeout]);
      } catch (error) {
        lost = true;
        throw new LockLostError(`lost the ${name} lock: its connection failed (${error instanceof Error ? error.message : String(error)}); not committing`, { cause: error });
      } finally {
        clearTimeout(timer);
      }
      if (!held) {
        lost = true;
        throw new LockLostError(`lost the ${name} lock: its session no longer holds it (an idle timeout or a pooler ended it); not committing`);
      }
    },
    async release() {
      if (released) return;
      released = true;
      try {
        if (!lost) await conn`select pg_advisory_unlock(hashtext('edge-forecast'), hashtext(current_schema() || ':' || ${name}))`;
      } finally {
        await conn.end({ timeout: 5 });
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
