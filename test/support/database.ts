// A database of its own for each test file: a fresh schema on the Postgres at
// DATABASE_URL (CI and this machine), else a fresh embedded PGlite.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { connect, type Database, type Sql } from "../../trainer/db/connect.ts";
import { startEmbeddedPostgres } from "../../trainer/db/embedded.ts";
import { migrate } from "../../trainer/db/migrate.ts";

export interface TestDatabase {
  /** A URL that lands in this test's schema (search_path is in the URL). */
  url: string;
  sql: Sql;
  db: Database;
  close(): Promise<void>;
}

export async function isolatedDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  let url: string;
  let teardown: () => Promise<void>;
  if (base) {
    const schema = `t_${randomBytes(6).toString("hex")}`;
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create schema ${schema}`);
    const u = new URL(base);
    u.searchParams.set("search_path", schema);
    url = u.toString();
    teardown = async () => {
      await admin.unsafe(`drop schema ${schema} cascade`);
      await admin.end();
    };
  } else {
    const embedded = await startEmbeddedPostgres();
    url = embedded.url;
    teardown = () => embedded.close();
  }
  const { sql, db } = connect(url, { max: 2 });
  if (options.migrate !== false) await migrate(sql);
  return {
    url, sql, db,
    async close() {
      await sql.end();
      await teardown();
    },
  };
}
