// Stage 5: the run and its per-series results in Postgres, written in batches
// (one INSERT per batch) while the fit goes on.
import { eq } from "drizzle-orm";
import type { Database } from "../db/connect.ts";
import { seriesResult, trainingRun } from "../db/schema.ts";

export type SeriesResultRow = typeof seriesResult.$inferInsert;

export type RunTrigger = "manual" | "schedule" | "request";

export async function startRun(db: Database, version: string, trigger: RunTrigger = "manual"): Promise<number> {
  const [row] = await db.insert(trainingRun).values({ version, trigger }).returning({ id: trainingRun.id });
  return row.id;
}

export async function finishRun(db: Database, runId: number, outcome: {
  status: "published" | "failed" | "abandoned" | "superseded";
  origin?: string | null;
  seriesTotal?: number;
  seriesFailed?: number;
  stageMs: Record<string, number>;
  error?: string;
}): Promise<void> {
  await db.update(trainingRun).set({
    status: outcome.status,
    finishedAt: new Date(),
    origin: outcome.origin ?? null,
    seriesTotal: outcome.seriesTotal ?? 0,
    seriesFailed: outcome.seriesFailed ?? 0,
    stageMs: outcome.stageMs,
    error: outcome.error ?? null,
  }).where(eq(trainingRun.id, runId));
}

export class ResultRecorder {
  readonly #db: Database;
  readonly #batchSize: number;
  #rows: SeriesResultRow[] = [];
  #busyMs = 0;

  constructor(db: Database, batchSize = 500) {
    this.#db = db;
    this.#batchSize = batchSize;
  }

  get busyMs(): number {
    return this.#busyMs;
  }

  async add(row: SeriesResultRow): Promise<void> {
    this.#rows.push(row);
    if (this.#rows.length >= this.#batchSize) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#rows.length === 0) return;
    const rows = this.#rows;
    this.#rows = [];
    const started = performance.now();
    await this.#db.insert(seriesResult).values(rows);
    this.#busyMs += performance.now() - started;
  }
}
