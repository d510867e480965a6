// The first load into an empty `sales`: COPY straight into the table with its
// indexes dropped, then build them once. Keeping three b-trees up to date row
// by row was three quarters of a first load's time, and building each after
// the load costs a fraction of that; there is nothing to merge with, so the
// staging table and the anti-join go too. The result is the same rows, the
// same indexes (rebuilt from their own definitions) and the same change
// tracking (sql/008's and sql/012's statement triggers fire on every COPY).
//
// The price: `sales` is locked ACCESS EXCLUSIVE until the import commits, so
// a reader of the (empty) table waits for the load instead of reading nothing.
// Everything here is transactional: a rejected file rolls the drops back.
import type { Sql } from "../db/connect.ts";

interface Index {
  /** The index, as a (possibly schema-qualified) name DROP INDEX takes. */
  name: string;
  definition: string;
  /** The constraint the index backs (the primary key): dropped and added as a constraint. */
  constraint: string | null;
  constraintDefinition: string | null;
}

export interface BulkLoad {
  /** Builds the dropped indexes and constraints again. */
  finish(): Promise<void>;
}

/** Takes the bulk path when `sales` is empty and nothing references it; null leaves the table (and its locks) as they were. */
export async function beginBulkLoad(tx: Sql): Promise<BulkLoad | null> {
  const [probe] = await tx<{ empty: boolean }[]>`select not exists (select 1 from sales) as empty`;
  if (!probe.empty) return null;
  // A savepoint, so that a table that filled up meanwhile is let go of again (rolling back to it releases the lock).
  await tx`savepoint bulk_load`;
  await tx`lock table sales in access exclusive mode`;
  const [state] = await tx<{ empty: boolean; referenced: boolean }[]>`
    select not exists (select 1 from sales) as empty,
           exists (select 1 from pg_constraint where confrelid = 'sales'::regclass) as referenced`;
  if (!state.empty || state.referenced) {
    await tx`rollback to savepoint bulk_load`;
    return null;
  }
  await tx`release savepoint bulk_load`;
  const indexes = await tx<Index[]>`
    select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition,
           quote_ident(c.conname) as constraint, pg_get_constraintdef(c.oid) as "constraintDefinition"
    from pg_index i
    left join pg_constraint c on c.conindid = i.indexrelid and c.conrelid = i.indrelid
    where i.indrelid = 'sales'::regclass
    order by c.conname is null, i.indexrelid`;
  for (const index of indexes) {
    await tx.unsafe(index.constraint ? `alter table sales drop constraint ${index.constraint}` : `drop index ${index.name}`);
  }
  return {
    async finish() {
      // Sorting for a build is the one place a larger work area pays; it is freed with the transaction.
      await tx`set local maintenance_work_mem = '256MB'`;
      for (const index of indexes) {
        await tx.unsafe(index.constraint
          ? `alter table sales add constraint ${index.constraint} ${index.constraintDefinition}`
          : index.definition);
      }
    },
  };
}
