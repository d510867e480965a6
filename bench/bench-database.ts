// A database for one benchmark run: a fresh schema on the Postgres at
// DATABASE_URL (dropped again on close), else an embedded PGlite.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { startEmbeddedPostgres } from "../trainer/db/embedded.ts";

export interface BenchDatabase {
  url: string;
  /** What it runs on, for the printed report. */
  label: string;
  close(): Promise<void>;
}

export async function benchDatabase(): Promise<BenchDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const embedded = await startEmbeddedPostgres();
    return { url: embedded.url, label: "embedded PGlite", close: () => embedded.close() };
  }
  const schema = `bench_${randomBytes(4).toString("hex")}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create schema ${schema}`);
  const u = new URL(base);
  u.searchParams.set("search_path", schema);
  return {
    url: u.toString(),
    label: "Postgres at DATABASE_URL",
    async close() {
      await admin.unsafe(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}
