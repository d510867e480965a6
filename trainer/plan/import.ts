// Streams a promotion plan CSV (gzipped or not) into Postgres in one
// transaction: parsed by csv-parse, checked row by row against the catalog,
// staged, then stored as day ranges. All-or-nothing: one bad row loads
// nothing, and every bad row is reported with its line. Dates in the future
// are the point of a plan, so none is refused for being ahead.
import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import type { Sql } from "../db/connect.ts";
import { csvFailure } from "../import/csv-import.ts";
import { ImportError } from "../import/mapping.ts";
import { iso } from "./list.ts";
import type { RowProblem } from "../import/rows.ts";
import { planMapping, type PlanMapping } from "./mapping.ts";
import { columnsAt, parsePlanRecord, scopeKey, type PlanRow } from "./rows.ts";

export interface PlanImportOptions {
  /** `--columns` as given, applied to the default layout once the header is read. */
  columns?: string;
  /** City of the rows that name a product and no store, when there is no city column. */
  city: string;
  /** Replace the whole plan (default), or add to it. */
  replace?: boolean;
  /** Where the plan came from, recorded with the load. */
  source: string;
  delimiter?: string;
  batchSize?: number;
  reportLimit?: number;
}

export interface PlanImportReport {
  /** Data lines read (the header not counted). */
  lines: number;
  /** Planned days stored, and the day ranges they make. */
  days: number;
  ranges: number;
  /** Exact repeats of an earlier line: stored once. */
  repeated: number;
  rejected: number;
  badRows: ({ line: number } & RowProblem)[];
  /** Series (city/store/product) whose planned days or prices after the newest sales day changed. */
  changed: string[];
  loadedAt: string | null;
  ms: number;
}

export class PlanRejectedError extends ImportError {
  override name = "PlanRejectedError";
  readonly report: PlanImportReport;
  constructor(report: PlanImportReport) {
    const shown = report.badRows.map((b) => `  line ${b.line}: ${b.reason}`).join("\n");
    const more = report.rejected > report.badRows.length ? `\n  … and ${report.rejected - report.badRows.length} more` : "";
    super("rejected_rows", `${report.rejected} of ${report.lines} plan rows are bad, so the plan was not changed:\n${shown}${more}`);
    this.report = report;
  }
}

interface Catalog {
  cities: Map<string, number>;
  stores: Map<string, { id: number; city: string }>;
  products: Map<string, number>;
}

interface StagedDay {
  l: number;
  s: number | null;
  c: number | null;
  p: number | null;
  d: string;
  x: number | null;
}

export async function importPlan(sql: Sql, input: Readable, options: PlanImportOptions): Promise<PlanImportReport> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 10_000;
  const reportLimit = options.reportLimit ?? 20;
  const report: PlanImportReport = { lines: 0, days: 0, ranges: 0, repeated: 0, rejected: 0, badRows: [], changed: [], loadedAt: null, ms: 0 };
  const parser = input.pipe(parse({ info: true, skip_empty_lines: true, trim: false, delimiter: options.delimiter ?? ",", relax_column_count: true }));
  input.on("error", (error) => parser.destroy(error));
  parser.on("error", () => {});
  const reject = (line: number, problem: RowProblem) => {
    report.rejected++;
    if (report.badRows.length < reportLimit) report.badRows.push({ line, ...problem });
  };

  try {
    await sql.begin(async (tx) => {
      const catalog = await loadCatalog(tx as unknown as Sql);
      await tx`create temp table plan_stage (line int, store_id int, city_id int, product_id int, day date, price numeric(12, 2)) on commit drop`;
      const seen = new Map<string, { line: number; price: number | null }>();
      let batch: StagedDay[] = [];
      const flush = async () => {
        // Once a row is bad nothing will be stored: only check the rest.
        if (batch.length && report.rejected === 0) {
          await tx`insert into plan_stage (line, store_id, city_id, product_id, day, price)
                   select l, s, c, p, d, x from json_to_recordset(${JSON.stringify(batch)}::json)
                     as b (l int, s int, c int, p int, d date, x numeric)`;
          report.days += batch.length;
        }
        batch = [];
      };

      let header: string[] | null = null;
      let mapping: PlanMapping | null = null;
      let at: ReturnType<typeof columnsAt> = {};
      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        if (header === null) {
          header = record;
          mapping = planMapping(options.columns, header);
          at = columnsAt(mapping, header);
          continue;
        }
        report.lines++;
        const line = info.lines;
        if (record.length !== header.length) {
          reject(line, { code: "bad_columns", reason: `${record.length} fields where the header has ${header.length}` });
          continue;
        }
        const parsed = parsePlanRecord(record, line, mapping!, at, options.city);
        if (!parsed.ok) {
          reject(line, { code: parsed.code, reason: parsed.reason });
          continue;
        }
        const resolved = resolve(parsed.row, catalog);
        if ("reason" in resolved) {
          reject(line, resolved);
          continue;
        }
        const key = scopeKey(parsed.row);
        const first = seen.get(key);
        if (first) {
          if (first.price === parsed.row.price) report.repeated++;
          else reject(line, { code: "duplicate", reason: `duplicate of line ${first.line} (same scope and ${parsed.row.day}) with a different price` });
          continue;
        }
        seen.set(key, { line, price: parsed.row.price });
        batch.push(resolved);
        if (batch.length >= batchSize) await flush();
      }
      await flush();
      if (report.rejected > 0) throw new PlanRejectedError(report);
      const stored = await storePlan(tx as unknown as Sql, options, report.lines);
      Object.assign(report, stored);
    });
  } catch (error) {
    report.days = 0;
    throw csvFailure(error);
  } finally {
    report.ms = Math.round(performance.now() - started);
  }
  return report;
}

async function loadCatalog(sql: Sql): Promise<Catalog> {
  const [cities, stores, products] = await Promise.all([
    sql<{ id: number; code: string }[]>`select id, code from city`,
    sql<{ id: number; code: string; city: string }[]>`select s.id, s.code, c.code as city from store s join city c on c.id = s.city_id`,
    sql<{ id: number; code: string }[]>`select id, code from product`,
  ]);
  return {
    cities: new Map(cities.map((c) => [c.code, c.id])),
    stores: new Map(stores.map((s) => [s.code, { id: s.id, city: s.city }])),
    products: new Map(products.map((p) => [p.code, p.id])),
  };
}

/** The row's catalog ids, or why it names something the catalog does not have. */
function resolve(row: PlanRow, catalog: Catalog): StagedDay | RowProblem {
  const { scope } = row;
  const unknown = (what: string, code: string): RowProblem =>
    ({ code: `unknown_${what}`, reason: `${what} ${code} is not in the catalog: a plan can only name stores and products whose sales were imported` });
  let s: number | null = null;
  let c: number | null = null;
  let p: number | null = null;
  if (scope.kind === "city") {
    const city = catalog.cities.get(scope.city);
    if (city === undefined) return unknown("city", scope.city);
    c = city;
  } else {
    const store = catalog.stores.get(scope.store);
    if (!store) return unknown("store", scope.store);
    if (scope.city !== null && scope.city !== store.city) return { code: "city_conflict", reason: `store ${scope.store} is in city ${store.city}, not ${scope.city}` };
    s = store.id;
  }
  if (scope.kind !== "store") {
    const product = catalog.products.get(scope.product);
    if (product === undefined) return unknown("product", scope.product);
    p = product;
  }
  return { l: row.line, s, c, p, d: row.day, x: row.price };
}

/**
 * Stores the staged days as ranges (consecutive days of one scope and price
 * make one row), and finds the series whose planned days after the newest
 * sales day changed: what a retrain has to refit.
 */
async function storePlan(sql: Sql, options: PlanImportOptions, lines: number): Promise<Pick<PlanImportReport, "ranges" | "changed" | "loadedAt">> {
  const [window] = await sql<{ from: string; to: string | null }[]>`
    select coalesce((select max(day) from sales) + 1, current_date)::text as "from",
           greatest((select max(last_day) from promotion_plan), (select max(day) from plan_stage))::text as "to"`;
  const to = window.to ?? window.from;
  await sql`create temp table plan_before on commit drop as select * from planned_promotion_days(${window.from}::date, ${to}::date)`;
  if (options.replace ?? true) await sql`delete from promotion_plan`;
  const inserted = await sql`
    insert into promotion_plan (store_id, city_id, product_id, first_day, last_day, price)
    select store_id, city_id, product_id, min(day), max(day), price
    from (select *, day - (row_number() over (partition by store_id, city_id, product_id, price order by day))::int as island
          from plan_stage) s
    group by store_id, city_id, product_id, price, island`;
  const changed = await sql<{ series: string }[]>`
    with after as (select * from planned_promotion_days(${window.from}::date, ${to}::date)),
    diff as ((select * from after except select * from plan_before) union (select * from plan_before except select * from after))
    select distinct c.code || '/' || st.code || '/' || p.code as series
    from diff d join store st on st.id = d.store_id join city c on c.id = st.city_id join product p on p.id = d.product_id
    where exists (select 1 from sales x where x.store_id = d.store_id and x.product_id = d.product_id)
    order by 1`;
  const [load] = await sql<{ ms: string }[]>`
    insert into promotion_plan_load (source, lines, ranges, replaced, changed)
    select ${options.source}, ${lines}, ${inserted.count}, ${options.replace ?? true}, ${changed.length}
    returning extract(epoch from loaded_at) * 1000 as ms`;
  return { ranges: inserted.count, changed: changed.map((r) => r.series), loadedAt: iso(load.ms) };
}
