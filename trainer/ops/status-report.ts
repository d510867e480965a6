// What `trainer status` shows: the live version and the retained ones (from
// the store), recent runs with their stage timings, and for the latest
// published run its failed series and its least accurate ones.
import type { Redis } from "@upstash/redis";
import { keys } from "../../edge/contract/keys.ts";
import { desc, eq } from "drizzle-orm";
import { typedQueries, type Sql } from "../db/connect.ts";
import { trainingRun } from "../db/schema.ts";
import { readLiveVersion, type LiveVersion } from "./alerts.ts";
import { globalStatus, type GlobalStatus } from "../global/status.ts";

export interface RunRow {
  id: number;
  version: string;
  status: string;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  seriesTotal: number;
  seriesFailed: number;
  stageMs: Record<string, number>;
  error: string | null;
}

export interface StatusReport {
  live: LiveVersion | null;
  /** null when the store is not configured or unreachable; `storeError` says why. */
  retained: { version: string; trainedAt: string }[] | null;
  storeError?: string;
  runs: RunRow[];
  latestPublished: number | null;
  failures: { code: string; count: number; examples: { series: string; error: string }[] }[];
  outliers: { series: string; model: string; mase: number | null; wape: number | null; smape: number | null }[];
  /** The latest published run's global model; null when it had none (GLOBAL_MODEL=off). */
  global: GlobalStatus | null;
}

/** As Postgres prints a timestamptz in UTC ("2026-01-31 07:00:00.123+00"), which the report has always shown. */
const timestampText = (t: Date) => t.toISOString().replace("T", " ").replace("Z", "+00");

export async function buildStatus(sql: Sql, store: { redis: Redis; prefix: string } | null, options: { runs: number; outliers: number }): Promise<StatusReport> {
  const db = typedQueries(sql);
  const runs: RunRow[] = (await db.select({
    id: trainingRun.id, version: trainingRun.version, status: trainingRun.status, trigger: trainingRun.trigger,
    startedAt: trainingRun.startedAt, finishedAt: trainingRun.finishedAt, seriesTotal: trainingRun.seriesTotal,
    seriesFailed: trainingRun.seriesFailed, stageMs: trainingRun.stageMs, error: trainingRun.error,
  }).from(trainingRun).orderBy(desc(trainingRun.id)).limit(options.runs))
    .map((r) => ({ ...r, startedAt: timestampText(r.startedAt), finishedAt: r.finishedAt && timestampText(r.finishedAt) }));
  const [latest] = await db.select({ id: trainingRun.id }).from(trainingRun)
    .where(eq(trainingRun.status, "published")).orderBy(desc(trainingRun.id)).limit(1);
  const latestPublished = latest?.id ?? null;
  const failures = latestPublished === null ? [] : await sql<StatusReport["failures"]>`
    select r.error_code as code, count(*)::int as count,
           (array_agg(json_build_object('series', c.code || '/' || s.code || '/' || p.code, 'error', r.error) order by s.code, p.code))[1:3] as examples
    from series_result r join store s on s.id = r.store_id join city c on c.id = s.city_id join product p on p.id = r.product_id
    where r.run_id = ${latestPublished} and r.error_code is not null
    group by r.error_code order by count(*) desc`;
  const outliers = latestPublished === null ? [] : await sql<StatusReport["outliers"]>`
    select c.code || '/' || s.code || '/' || p.code as series, r.model,
           (r.metrics->>'mase')::float8 as mase, (r.metrics->>'wape')::float8 as wape, (r.metrics->>'smape')::float8 as smape
    from series_result r join store s on s.id = r.store_id join city c on c.id = s.city_id join product p on p.id = r.product_id
    where r.run_id = ${latestPublished} and r.metrics->>'mase' is not null
    order by (r.metrics->>'mase')::float8 desc limit ${options.outliers}`;

  let live: LiveVersion | null = null;
  let retained: StatusReport["retained"] = null;
  let storeError: string | undefined;
  if (store) {
    try {
      live = await readLiveVersion(store.redis, store.prefix);
      const flat = await store.redis.zrange<string[]>(keys(store.prefix).versions, 0, -1, { withScores: true });
      retained = [];
      for (let i = 0; i < flat.length; i += 2) retained.push({ version: flat[i], trainedAt: new Date(Number(flat[i + 1])).toISOString() });
    } catch (error) {
      storeError = `could not read the store: ${error instanceof Error ? error.message : String(error)}`;
    }
  } else {
    storeError = "UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are not set: live and retained versions are not shown";
  }
  const global = latestPublished === null ? null : await globalStatus(sql, latestPublished);
  return { live, retained, storeError, runs, latestPublished, failures, outliers, global };
}

const seconds = (ms: number | undefined) => (ms === undefined ? "–" : `${(ms / 1000).toFixed(1)}s`);

export function formatStatus(report: StatusReport): string {
  const out: string[] = [];
  if (report.live) {
    out.push(`live version   ${report.live.version}  trained ${report.live.trainedAt} (${(report.live.ageSeconds / 3600).toFixed(1)} h ago)`);
  } else {
    out.push(report.storeError ? `live version   unknown: ${report.storeError}` : "live version   none: nothing has been published under this KEY_PREFIX");
  }
  if (report.retained) out.push(`retained       ${report.retained.map((v) => v.version).join(", ") || "none"}`);
  out.push("", "recent runs");
  if (report.runs.length === 0) out.push("  none yet: `trainer run` or `trainer schedule`");
  else out.push(...table(["run", "status", "trigger", "started", "series", "failed", "refresh", "fetch", "fit", "record", "publish", "total"],
    report.runs.map((r) => [String(r.id), r.status, r.trigger, r.startedAt.slice(0, 19), String(r.seriesTotal), String(r.seriesFailed),
      ...["refresh", "fetch", "fit", "record", "publish", "total"].map((s) => seconds(r.stageMs[s]))])));
  for (const r of report.runs.filter((r) => r.error)) out.push(`  run ${r.id} ${r.status}: ${r.error}`);
  if (report.latestPublished !== null) {
    out.push("", `series failures in run ${report.latestPublished}`);
    if (report.failures.length === 0) out.push("  none");
    for (const f of report.failures) {
      out.push(`  ${f.code}: ${f.count}`);
      for (const e of f.examples) out.push(`    ${e.series}: ${e.error}`);
    }
    out.push("", `least accurate series in run ${report.latestPublished} (backtest MASE; above 1 is worse than a seasonal naive forecast)`);
    out.push(...table(["series", "model", "mase", "wape", "smape"],
      report.outliers.map((o) => [o.series, o.model, fixed(o.mase), fixed(o.wape), fixed(o.smape)])));
  }
  const g = report.global;
  if (g) {
    out.push("", `global model in run ${g.runId}: ${g.rows} training rows, ${g.models} models (horizon buckets × demand segments), fit ${seconds(g.fitMs ?? undefined)}`);
    out.push(`  features: ${g.features.join(", ")}`);
    out.push(`  backtest: best of every candidate on ${g.wins} of ${g.series} series; mean fold RMSSE on those series:`);
    out.push(...table(["model", "series", "rmsse"], g.scores.map((s) => [s.model, String(s.series), fixed(s.rmsse)])));
  }
  return out.join("\n");
}

const fixed = (n: number | null) => (n === null ? "–" : n.toFixed(3));

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => "  " + cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), ...rows.map(line)];
}
