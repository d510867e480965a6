// Stages of one request for the Server-Timing header (request-frame.ts writes
// it with the total), so a client or a benchmark sees where the time went:
// pointer, cache, store. Callers take the start time themselves, so recording
// a stage adds no promise to the request. workerd advances clocks only across
// I/O, so pure CPU stages read as 0 ms.
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";

// Descriptions are the Worker's own words; escaping is only for the odd one that needs it.
const quote = (s: string) => (s.includes('"') || s.includes("\\") ? `"${s.replace(/[\\"]/g, "\\$&")}"` : `"${s}"`);

/** Records the stage `name` that began at `startedAt` (performance.now()), with an optional description. */
export function stage(c: Context<AppEnv>, name: string, startedAt: number, desc?: string): void {
  const dur = (performance.now() - startedAt).toFixed(1);
  c.get("timings")?.push(desc ? `${name};dur=${dur};desc=${quote(desc)}` : `${name};dur=${dur}`);
}

/** Records a description without a duration, e.g. which cache tier answered. */
export function note(c: Context<AppEnv>, name: string, desc: string): void {
  c.get("timings")?.push(`${name};desc=${quote(desc)}`);
}

/** The header's value: every stage, then the request's total. */
export function serverTimingHeader(timings: string[], totalMs: number): string {
  timings.push(`total;dur=${totalMs.toFixed(1)}`);
  return timings.join(",");
}
