// One place that opens Postgres connections, so every program (trainer,
// demo, tests) gets the same driver settings.
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import * as schema from "./schema.ts";

export type Sql = postgres.Sql;

export interface ConnectOptions {
  /** Pool size; the embedded PGlite server multiplexes onto one session. */
  max?: number;
}

export function connect(url: string, options: ConnectOptions = {}) {
  const sql = postgres(url, {
    max: options.max ?? 4,
    // Postgres notices (e.g. "relation already exists, skipping") are noise here.
    onnotice: () => {},
  });
  return { sql, db: typedQueries(sql) };
}

/** Drizzle's typed queries over an open connection (schema.ts), for code handed only `sql`. */
export function typedQueries(sql: Sql) {
  return drizzle(sql, { schema });
}
export type Database = ReturnType<typeof typedQueries>;

/** The URL with its password hidden, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
