// trainer/db/schema.ts against the catalog of a database migrated from sql/:
// the same tables and materialized views, columns, types, nullability,
// primary keys, unique constraints and foreign keys. sql/ is the source of
// truth; a migration that changes a table changes schema.ts with it.
import { getTableName, is } from "drizzle-orm";
import { getMaterializedViewConfig, getTableConfig, PgMaterializedView, PgTable, type PgColumn } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../trainer/db/schema.ts";
import { isolatedDatabase, type TestDatabase } from "../support/database.ts";

interface Relation {
  kind: "table" | "materialized view";
  /** "name type [not null]", sorted: column order is the migrations' history, not a contract. */
  columns: string[];
  primaryKey: string[];
  /** Column lists, sorted. */
  unique: string[];
  /** "cols -> table(cols) on delete …", sorted. */
  foreignKeys: string[];
}

const ON_DELETE: Record<string, string> = { a: "no action", r: "restrict", c: "cascade", n: "set null", d: "set default" };

let database: TestDatabase;
beforeAll(async () => {
  database = await isolatedDatabase();
});
afterAll(() => database?.close());

/** What the migrated database holds (partitions and the migrations' own bookkeeping left out). */
async function catalog(): Promise<Record<string, Relation>> {
  const relations = await database.sql<{ name: string; kind: string }[]>`
    select relname as name, relkind as kind from pg_class
    where relnamespace = current_schema()::regnamespace and relkind in ('r', 'p', 'm')
      and not relispartition and relname <> 'schema_migrations'`;
  const columns = await database.sql<{ relation: string; name: string; type: string; not_null: boolean }[]>`
    select c.relname as relation, a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null
    from pg_attribute a join pg_class c on c.oid = a.attrelid
    where c.relnamespace = current_schema()::regnamespace and a.attnum > 0 and not a.attisdropped
    order by c.relname, a.attnum`;
  const constraints = await database.sql<{ relation: string; type: string; columns: string[]; foreign_table: string | null; foreign_columns: string[]; on_delete: string }[]>`
    select c.relname as relation, k.contype as type,
           array(select a.attname from unnest(k.conkey) with ordinality u(n, i)
                 join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n order by u.i)::text[] as columns,
           f.relname as foreign_table,
           array(select a.attname from unnest(k.confkey) with ordinality u(n, i)
                 join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.n order by u.i)::text[] as foreign_columns,
           k.confdeltype as on_delete
    from pg_constraint k join pg_class c on c.oid = k.conrelid left join pg_class f on f.oid = k.confrelid
    where c.relnamespace = current_schema()::regnamespace and k.contype in ('p', 'u', 'f') and not c.relispartition`;
  const result: Record<string, Relation> = {};
  for (const r of relations) {
    const own = constraints.filter((k) => k.relation === r.name);
    const view = r.kind === "m";
    result[r.name] = {
      kind: view ? "materialized view" : "table",
      // Postgres records no nullability for a view's columns.
      columns: columns.filter((c) => c.relation === r.name).map((c) => `${c.name} ${c.type}${c.not_null && !view ? " not null" : ""}`).sort(),
      primaryKey: own.find((k) => k.type === "p")?.columns ?? [],
      unique: own.filter((k) => k.type === "u").map((k) => k.columns.join(",")).sort(),
      foreignKeys: own.filter((k) => k.type === "f")
        .map((k) => `${k.columns.join(",")} -> ${k.foreign_table}(${k.foreign_columns.join(",")}) on delete ${ON_DELETE[k.on_delete]}`).sort(),
    };
  }
  return result;
}

const names = (columns: PgColumn[]) => columns.map((c) => c.name);
/** Drizzle writes numeric(14, 3) where the catalog says numeric(14,3). */
const sqlType = (column: PgColumn) => column.getSQLType().replace(/,\s+/g, ",");

/** What schema.ts declares, in the same terms. */
function declared(): Record<string, Relation> {
  const result: Record<string, Relation> = {};
  for (const value of Object.values(schema)) {
    if (is(value, PgTable)) {
      const t = getTableConfig(value);
      result[t.name] = {
        kind: "table",
        columns: t.columns.map((c) => `${c.name} ${sqlType(c)}${c.notNull ? " not null" : ""}`).sort(),
        primaryKey: t.primaryKeys.length > 0 ? names(t.primaryKeys[0].columns) : names(t.columns.filter((c) => c.primary)),
        unique: [...t.columns.filter((c) => c.isUnique).map((c) => c.name), ...t.uniqueConstraints.map((u) => names(u.columns).join(","))].sort(),
        foreignKeys: t.foreignKeys.map((fk) => {
          const r = fk.reference();
          return `${names(r.columns).join(",")} -> ${getTableName(r.foreignTable)}(${names(r.foreignColumns).join(",")}) on delete ${fk.onDelete ?? "no action"}`;
        }).sort(),
      };
    } else if (is(value, PgMaterializedView)) {
      const v = getMaterializedViewConfig(value);
      result[v.name] = {
        kind: "materialized view",
        columns: Object.values(v.selectedFields as Record<string, PgColumn>).map((c) => `${c.name} ${sqlType(c)}`).sort(),
        primaryKey: [], unique: [], foreignKeys: [],
      };
    }
  }
  return result;
}

describe("trainer/db/schema.ts", () => {
  it("declares every table and materialized view that sql/ creates, and nothing else", async () => {
    const [inDatabase, inSchema] = [Object.keys(await catalog()).sort(), Object.keys(declared()).sort()];
    expect(inSchema, "relations in trainer/db/schema.ts (left) against the migrated database (right)").toEqual(inDatabase);
  });

  it("matches each one's columns, types, nullability, primary key, unique constraints and foreign keys", async () => {
    const [inDatabase, inSchema] = [await catalog(), declared()];
    for (const [name, relation] of Object.entries(inSchema)) {
      if (inDatabase[name]) expect.soft(relation, `${name} in trainer/db/schema.ts against sql/`).toEqual(inDatabase[name]);
    }
  });
});
