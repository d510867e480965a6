// A database of its own for each test file: a fresh schema on the Postgres at
// DATABASE_URL (CI and this machine), else a fresh embedded PGlite.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { connect, type Database, type Sql } from "../../trainer/db/connect.ts";
import { startEmbeddedPostgres } from "../../trainer/db/embedded.ts";
import { migrate } from "../../trainer/db/migrate.ts";

/** An empty database of its own: what tests and benchmarks start from. */
export interface ScratchDatabase {
  /** A URL that lands in this database (on shared Postgres, search_path is in the URL). */
  url: string;
  /** What it runs on, for printed reports. */
  label: string;
  close(): Promise<void>;
  /** Lets go of the database without dropping it (a benchmark's --keep); the embedded engine cannot outlive its process, so there it closes. */
  release(): Promise<void>;
}

export async function scratchDatabase(namePrefix = "t"): Promise<ScratchDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const embedded = await startEmbeddedPostgres();
    return { url: embedded.url, label: "embedded PGlite", close: () => embedded.close(), release: () => embedded.close() };
  }
  const schema = `${namePrefix}_${randomBytes(6).toString("hex")}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create schema ${schema}`);
  const u = new URL(base);
  u.searchParams.set("search_path", schema);
  return {
    url: u.toString(),
    label: `Postgres at DATABASE_URL (schema ${schema})`,
    async close() {
      await admin.unsafe(`drop schema ${schema} cascade`);
      await admin.end();
    },
    release: () => admin.end(),
  };
}

export interface TestDatabase {
  /** A URL that lands in this test's schema (search_path is in the URL). */
  url: string;
  sql: Sql;
  db: Database;
  close(): Promise<void>;
}

export async function isolatedDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const scratch = await scratchDatabase();
  const { sql, db } = connect(scratch.url, { max: 2 });
  if (options.migrate !== false) await migrate(sql);
  return {
    url: scratch.url, sql, db,
    async close() {
      await sql.end();
      await scratch.close();
    },
  };
}
