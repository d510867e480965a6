// Applies sql/NNN_*.sql in order, each in its own transaction, once. Plain SQL
// files (not drizzle-kit) because the feature view is hand-written window
// SQL, and because they must run unchanged on Postgres and on PGlite and
// inside a per-test schema chosen by search_path.
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Sql } from "./connect.ts";

const SQL_DIR = fileURLToPath(new URL("../../sql/", import.meta.url));
const FILE_PATTERN = /^\d{3}_[a-z0-9_]+\.sql$/;

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(sql: Sql, dir: string = SQL_DIR): Promise<MigrationReport> {
  const files = (await readdir(dir)).filter((f) => FILE_PATTERN.test(f)).sort();
  await sql`create table if not exists schema_migrations (
    name text primary key, applied_at timestamptz not null default now())`;
  const report: MigrationReport = { applied: [], alreadyApplied: 0 };
  for (const name of files) {
    const text = await readFile(`${dir}/${name}`, "utf8");
    const applied = await sql.begin(async (tx) => {
      // Two trainers starting at once must not both apply the same file.
      await tx`select pg_advisory_xact_lock(hashtext(current_schema() || ':migrate'))`;
      const [done] = await tx`select 1 from schema_migrations where name = ${name}`;
      if (done) return false;
      await tx.unsafe(text);
      await tx`insert into schema_migrations (name) values (${name})`;
      return true;
    });
    if (applied) report.applied.push(name);
    else report.alreadyApplied++;
  }
  return report;
}
