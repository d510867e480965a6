// Stage 2: every series in one set-based query. The view is aggregated to one
// row per series (day-ordered arrays) and streamed by a cursor, so memory
// holds a few batches of series, never the whole table.
import { createHash } from "node:crypto";
import type { Sql } from "../db/connect.ts";
import { plannedDaysQuery } from "../plan/planned-days.ts";

export interface SeriesRecord {
  storeId: number;
  productId: number;
  city: string;
  store: string;
  product: string;
  /** First day of `units`, YYYY-MM-DD. */
  start: string;
  units: number[];
  promo: number[];
  /** Planned promotion days in the horizon, as offsets after the origin (0 = the first forecast day); empty without a plan. */
  planned: number[];
  /** sha-256 of start, units, promo and the planned days: equal hashes mean nothing changed. */
  dataHash: string;
  /** The series' latest result from a published run, when asked for and there is one. */
  previous?: PreviousResult | null;
}

/** What the next run needs of the last one: warm-start params and, to skip an unchanged series, its output. */
export interface PreviousResult {
  runId: number;
  model: string;
  params: unknown;
  metrics: Record<string, number | null>;
  dataHash: string;
  settingsHash: string | null;
  fittedAt: Date | null;
  demandClass: string | null;
  scores: unknown;
  runnerUp: string | null;
  forecast: { point: number[]; lower: number[]; upper: number[] } | null;
  prophetForecast: { point: number[]; lower: number[]; upper: number[] } | null;
  prophetModel: string | null;
  errorCode: string | null;
}

export interface Dimensions {
  cities: { id: number; code: string; name: string }[];
  stores: { id: number; code: string; name: string; cityId: number; city: string }[];
  products: { id: number; code: string; name: string }[];
}

export async function loadDimensions(sql: Sql): Promise<Dimensions> {
  const [cities, stores, products] = await Promise.all([
    sql<Dimensions["cities"]>`select id, code, name from city order by code`,
    sql<Dimensions["stores"]>`select s.id, s.code, s.name, s.city_id as "cityId", c.code as city
                              from store s join city c on c.id = s.city_id order by s.code`,
    sql<Dimensions["products"]>`select id, code, name from product order by code`,
  ]);
  return { cities, stores, products };
}

export function hashSeries(start: string, units: number[], promo: number[], planned: number[] = []): string {
  const hash = createHash("sha256").update(start).update(new Float64Array(units)).update(new Uint8Array(promo));
  // Only a non-empty plan enters the hash, so series without one keep the hashes they had before plans existed.
  if (planned.length) hash.update("plan").update(new Int32Array(planned));
  return hash.digest("base64url");
}

export async function* fetchSeries(
  sql: Sql,
  dims: Dimensions,
  options: { batchSize?: number; onWait?: (ms: number) => void; previous?: boolean; plannedHorizon?: number } = {},
): AsyncGenerator<SeriesRecord> {
  const stores = new Map(dims.stores.map((s) => [s.id, s]));
  const products = new Map(dims.products.map((p) => [p.id, p]));
  // The latest published result rides along in the same query (an index
  // lookup per series), so warm starts cost no query per series.
  const previous = options.previous
    ? sql`left join lateral (
        select r.run_id, r.model, r.params, r.metrics, r.data_hash, r.settings_hash, r.fitted_at, r.demand_class,
               r.scores, r.runner_up, r.forecast, r.prophet_forecast, r.prophet_model, r.error_code
        from series_result r join training_run t on t.id = r.run_id and t.status = 'published'
        where r.store_id = f.store_id and r.product_id = f.product_id
        order by r.run_id desc limit 1) p on true`
    : sql``;
  // The promotion plan's days in the horizon (PROMO_PLAN), one joined subquery for every series.
  const planned = options.plannedHorizon
    ? sql`left join (${plannedDaysQuery(sql, options.plannedHorizon)}) pl on pl.store_id = f.store_id and pl.product_id = f.product_id`
    : sql``;
  const cursor = sql<({ store_id: number; product_id: number; start: string; units: number[]; promo: number[] } & Record<string, unknown>)[]>`
    select f.*${options.previous ? sql`, to_jsonb(p) as previous` : sql``}${options.plannedHorizon ? sql`, pl.planned` : sql``}
    from (select store_id, product_id, min(day)::text as start,
                 array_agg(units order by day) as units,
                 array_agg(promo::int order by day) as promo
          from series_features
          group by store_id, product_id) f
    ${previous}
    ${planned}
    order by f.store_id, f.product_id`.cursor(options.batchSize ?? 64);
  let waitStart = performance.now();
  for await (const rows of cursor) {
    options.onWait?.(performance.now() - waitStart);
    for (const row of rows) {
      const store = stores.get(row.store_id)!;
      const units = row.units.map(Number);
      const planned = (row.planned as number[] | null | undefined) ?? [];
      yield {
        storeId: row.store_id,
        productId: row.product_id,
        city: store.city,
        store: store.code,
        product: products.get(row.product_id)!.code,
        start: row.start,
        units,
        promo: row.promo,
        planned,
        dataHash: hashSeries(row.start, units, row.promo, planned),
        ...(options.previous ? { previous: previousResult(row.previous) } : {}),
      };
    }
    waitStart = performance.now();
  }
}

function previousResult(row: unknown): PreviousResult | null {
  if (row === null || typeof row !== "object") return null;
  const r = row as Record<string, never>;
  return {
    runId: Number(r.run_id),
    model: r.model,
    params: r.params,
    metrics: r.metrics ?? {},
    dataHash: r.data_hash,
    settingsHash: r.settings_hash,
    fittedAt: r.fitted_at ? new Date(r.fitted_at) : null,
    demandClass: r.demand_class,
    scores: r.scores,
    runnerUp: r.runner_up,
    forecast: r.forecast,
    prophetForecast: r.prophet_forecast,
    prophetModel: r.prophet_model,
    errorCode: r.error_code,
  };
}
