import type { FitOptions } from "./types.ts";

/**
 * Checks fit options once, at start, and reports every problem together, so a
 * bad setting fails the run before the first series rather than in each one.
 */
export function checkFitOptions(options: FitOptions): Readonly<FitOptions> {
  const problems: string[] = [];
  const integer = (name: string, value: unknown, min: number) => {
    if (!Number.isInteger(value) || (value as number) < min) problems.push(`${name} must be an integer >= ${min} (got ${String(value)})`);
  };
  integer("horizon", options.horizon, 1);
  integer("holdoutDays", options.holdoutDays, 0);
  if (!(typeof options.level === "number" && options.level > 0 && options.level < 1)) {
    problems.push(`level must be a number between 0 and 1 exclusive, e.g. 0.8 (got ${String(options.level)})`);
  }
  if (options.uncertaintySamples !== undefined) integer("uncertaintySamples", options.uncertaintySamples, 0);
  if (options.seed !== undefined) integer("seed", options.seed, 0);
  if (problems.length) throw new RangeError(`invalid fit options: ${problems.join("; ")}`);
  return Object.freeze({ ...options });
}
