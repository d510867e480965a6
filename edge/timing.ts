// Stages of one request for the Server-Timing header (Hono's timing middleware
// writes it), so a client or a benchmark sees where the time went: pointer,
// cache, store. Callers take the start time themselves, so recording a stage
// adds no promise to the request. workerd advances clocks only across I/O,
// so pure CPU stages read as 0 ms.
import type { Context } from "hono";
import { setMetric } from "hono/timing";

/** Records the stage `name` that began at `startedAt` (performance.now()), with an optional description. */
export function stage(c: Context, name: string, startedAt: number, desc?: string): void {
  setMetric(c, name, performance.now() - startedAt, desc);
}

/** Records a description without a duration, e.g. which cache tier answered. */
export function note(c: Context, name: string, desc: string): void {
  setMetric(c, name, desc);
}
