// Stage 2: every series, set-based: the feature table is aggregated to one
// row per series (day-ordered arrays) a page at a time, keyed on the last
// series of the page before, so memory holds a page of series, never the
// table, and no transaction stays open between pages (on the embedded PGlite,
// whose clients share one session, other queries run in between).
import { createHash } from "node:crypto";
import type { Sql } from "../db/connect.ts";
import { plannedDaysJoin } from "../plan/planned-days.ts";

/**
 * The days of a series a fit saw, as the next run checks them. The oldest
 * HISTORY_MARGIN_DAYS of the window are left out so the span is still inside
 * the window after it slides forward by up to that many days.
 */
export interface HistoryFingerprint {
  /** First and last day hashed, YYYY-MM-DD; `through` is the series' last day (the watermark). */
  from: string;
  through: string;
  /** sha-256 of the span's units and promo. */
  hash: string;
}

/** How this fetch's data relates to the data of the last published fit of the series. */
export interface SeriesChange {
  /** The last day that fit saw; null when there is no previous fit or it recorded no fingerprint. */
  previousThrough: string | null;
  /**
   * True when every day of that fit's fingerprint is still in the window and
   * unchanged. False when one changed, when the window moved back or past
   * the margin, or when there is nothing to compare.
   */
  historyUnchanged: boolean;
  /** Days after previousThrough up to this series' last day (0 on a rerun over the same days). */
  appendedDays: number;
}

export const HISTORY_MARGIN_DAYS = 28;

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
  /** sha-256 of start, units, promo and the planned days: equal hashes mean nothing changed, not even the window. */
  dataHash: string;
  /** What the next run compares against (stored with the result). */
  history: HistoryFingerprint;
  /** Set when fetched with `previous`: whether only new days were added since the last fit. */
  change?: SeriesChange;
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
  history: HistoryFingerprint | null;
  settingsHash: string | null;
  fittedAt: Date | null;
  demandClass: string | null;
  scores: unknown;
  runnerUp: string | null;
  forecast: { point: number[]; lower: number[]; upper: number[] } | null;
  /** `planned`: the planned days (offsets after its origin) it was made with; absent on results recorded before it was kept. */
  prophetForecast: { point: number[]; lower: number[]; upper: number[]; planned?: number[] } | null;
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

const DAY_MS = 86_400_000;
const dayNumber = (day: string) => Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
const dayString = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);

function hashSpan(start: string, units: number[], promo: number[], from: string, through: string): string {
  const i = dayNumber(from) - dayNumber(start);
  const j = dayNumber(through) - dayNumber(start) + 1;
  return createHash("sha256").update(`${from}/${through}`)
    .update(new Float64Array(units.slice(i, j))).update(new Uint8Array(promo.slice(i, j))).digest("base64url");
}

export function historyFingerprint(start: string, units: number[], promo: number[]): HistoryFingerprint {
  const first = dayNumber(start);
  const through = dayString(first + units.length - 1);
  const from = dayString(first + Math.min(HISTORY_MARGIN_DAYS, Math.max(0, units.length - 1)));
  return { from, through, hash: hashSpan(start, units, promo, from, through) };
}

/** Compares the series as fetched with the fingerprint its last fit stored. */
export function seriesChange(start: string, units: number[], promo: number[], previous: HistoryFingerprint | null): SeriesChange {
  if (!previous) return { previousThrough: null, historyUnchanged: false, appendedDays: 0 };
  const first = dayNumber(start);
  const last = first + units.length - 1;
  const appendedDays = Math.max(0, last - dayNumber(previous.through));
  const inside = dayNumber(previous.from) >= first && dayNumber(previous.through) <= last;
  const historyUnchanged = inside && hashSpan(start, units, promo, previous.from, previous.through) === previous.hash;
  return { previousThrough: previous.through, historyUnchanged, appendedDays };
}

export async function* fetchSeries(
  sql: Sql,
  dims: Dimensions,
  options: { batchSize?: number; onWait?: (ms: number) => void; previous?: boolean; plannedHorizon?: number } = {},
): AsyncGenerator<SeriesRecord> {
  const stores = new Map(dims.stores.map((s) => [s.id, s]));
  const products = new Map(dims.products.map((p) => [p.id, p]));
  const pageSize = options.batchSize ?? 128;
  let waitStart = performance.now();
  // Readers see the rows inside the window of the last refresh (sql/008).
  const [window] = await sql<{ start: string | null; end: string | null }[]>`
    select window_start::text as start, watermark::text as end from feature_state`;
  if (!window?.start || !window.end) return;
  // The latest published result rides along in the same query (an index
  // lookup per series), so warm starts cost no query per series.
  const previous = options.previous
    ? sql`left join lateral (
        select r.run_id, r.model, r.params, r.metrics, r.data_hash, r.history, r.settings_hash, r.fitted_at, r.demand_class,
               r.scores, r.runner_up, r.forecast, r.prophet_forecast, r.prophet_model, r.error_code
        from series_result r join training_run t on t.id = r.run_id and t.status = 'published'
        where r.store_id = f.store_id and r.product_id = f.product_id
        order by r.run_id desc limit 1) p on true`
    : sql``;
  // The promotion plan's days in the horizon after the watermark (PROMO_PLAN), a few index lookups per series in the same query.
  const planned = options.plannedHorizon ? plannedDaysJoin(sql, window.end, options.plannedHorizon) : sql``;
  let after: [number, number] = [0, 0];
  for (;;) {
    // The page's key range first (from the one-row-per-series table), so the
    // aggregate reads that range alone rather than every series after it.
    const keys = await sql<{ store_id: number; product_id: number }[]>`
      select store_id, product_id from feature_series
      where (store_id, product_id) > (${after[0]}::int, ${after[1]}::int)
      order by store_id, product_id limit ${pageSize}`;
    if (keys.length === 0) {
      options.onWait?.(performance.now() - waitStart);
      return;
    }
    const last = keys.at(-1)!;
    const rows = await sql<({ store_id: number; product_id: number; start: string; units: number[]; promo: number[] } & Record<string, unknown>)[]>`
      select f.*${options.previous ? sql`, to_jsonb(p) as previous` : sql``}${options.plannedHorizon ? sql`, pl.planned` : sql``}
      from (select store_id, product_id, min(day)::text as start,
                   array_agg(units order by day) as units,
                   array_agg(promo::int order by day) as promo
            from series_features
            where day between ${window.start}::date and ${window.end}::date
              and (store_id, product_id) > (${after[0]}::int, ${after[1]}::int)
              and (store_id, product_id) <= (${last.store_id}::int, ${last.product_id}::int)
            group by store_id, product_id) f
      ${previous}
      ${planned}
      order by f.store_id, f.product_id`;
    options.onWait?.(performance.now() - waitStart);
    for (const row of rows) {
      const store = stores.get(row.store_id)!;
      const units = row.units.map(Number);
      const prior = options.previous ? previousResult(row.previous) : undefined;
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
        history: historyFingerprint(row.start, units, row.promo),
        ...(prior !== undefined ? { previous: prior, change: seriesChange(row.start, units, row.promo, prior?.history ?? null) } : {}),
      };
    }
    if (keys.length < pageSize) return;
    after = [last.store_id, last.product_id];
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
    history: r.history ?? null,
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
