// The alert hook: a JSON POST to ALERT_WEBHOOK_URL when a cycle fails, when
// the live version gets stale, or when accuracy drops against the previous
// run. Delivery problems are logged, never thrown: an alert must not stop a cycle.
import type { Redis } from "@upstash/redis";
import { keys } from "../../edge/contract/keys.ts";
import type { Manifest } from "../../edge/contract/payload.ts";
import type { Sql } from "../db/connect.ts";
import type { Logger } from "../log.ts";

export type AlertKind = "cycle_failed" | "live_stale" | "accuracy_drop";

export interface Alert {
  kind: AlertKind;
  message: string;
  [detail: string]: unknown;
}

export class Alerter {
  readonly #url: string | undefined;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  #staleVersionAlerted: string | null = null;

  constructor(options: { url?: string; log: Logger; timeoutMs?: number }) {
    this.#url = options.url;
    this.#log = options.log;
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Resolves true when the webhook took the alert (2xx). */
  async send(alert: Alert): Promise<boolean> {
    this.#log.warn({ alert }, `alert: ${alert.message}`);
    if (!this.#url) return false;
    try {
      const response = await fetch(this.#url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ source: "trainer", at: new Date().toISOString(), ...alert }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      await response.body?.cancel();
      if (!response.ok) this.#log.error({ status: response.status, kind: alert.kind }, "alert webhook refused the alert");
      return response.ok;
    } catch (error) {
      this.#log.error({ err: error, kind: alert.kind }, "alert webhook unreachable");
      return false;
    }
  }

  /** Alerts once per live version when it is older than `maxAgeHours`. */
  async checkStale(live: LiveVersion | null, maxAgeHours: number): Promise<void> {
    if (!live || live.ageSeconds <= maxAgeHours * 3600 || this.#staleVersionAlerted === live.version) return;
    this.#staleVersionAlerted = live.version;
    await this.send({
      kind: "live_stale",
      message: `live version ${live.version} is ${(live.ageSeconds / 3600).toFixed(1)} h old (threshold ${maxAgeHours} h): cycles are not publishing`,
      version: live.version, ageSeconds: Math.round(live.ageSeconds), thresholdHours: maxAgeHours,
    });
  }
}

export interface LiveVersion {
  version: string;
  trainedAt: string;
  ageSeconds: number;
}

export async function readLiveVersion(redis: Redis, prefix: string): Promise<LiveVersion | null> {
  const k = keys(prefix);
  const version = await redis.get<string>(k.live);
  if (!version) return null;
  const text = await redis.get<string>(k.manifest(version));
  if (!text) return null;
  const { trainedAt } = JSON.parse(text) as Manifest;
  return { version, trainedAt, ageSeconds: (Date.now() - Date.parse(trainedAt)) / 1000 };
}

export interface AccuracyChange {
  metric: "wape";
  current: number;
  previous: number;
  previousRunId: number;
  /** Relative change; positive is worse (WAPE is an error). */
  change: number;
}

/**
 * Mean backtest WAPE of a run's series against the previous published run's,
 * over the series both backtested. Null when either has none to compare.
 */
export async function compareAccuracy(sql: Sql, runId: number): Promise<AccuracyChange | null> {
  const [row] = await sql<{ previous_run: string | null; current: number | null; previous: number | null }[]>`
    with prev as (
      select id from training_run where status = 'published' and id < ${runId} order by id desc limit 1
    ),
    pairs as (
      select (c.metrics->>'wape')::float8 as cur, (p.metrics->>'wape')::float8 as old
      from series_result c
      join series_result p on p.store_id = c.store_id and p.product_id = c.product_id and p.run_id = (select id from prev)
      where c.run_id = ${runId} and c.metrics->>'wape' is not null and p.metrics->>'wape' is not null
    )
    select (select id from prev)::text as previous_run, avg(cur) as current, avg(old) as previous from pairs`;
  if (!row?.previous_run || row.current === null || row.previous === null || row.previous <= 0) return null;
  return {
    metric: "wape",
    current: row.current,
    previous: row.previous,
    previousRunId: Number(row.previous_run),
    change: (row.current - row.previous) / row.previous,
  };
}
