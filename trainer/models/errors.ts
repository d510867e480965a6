import type { FitErrorCode, FitFailure } from "./types.ts";

/** Why one series could not be fitted. Never stops a run: it becomes a FitFailure. */
export class SeriesError extends Error {
  override name = "SeriesError";
  readonly code: FitErrorCode;
  constructor(code: FitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Anything that is not a SeriesError is a model failure: `fit_failed`. */
export function fitFailure(id: string, error: unknown, fitMs: number): FitFailure {
  const code = error instanceof SeriesError ? error.code : "fit_failed";
  return { id, ok: false, error: { code, message: oneLine(error) }, fitMs };
}

/** Results are stored per series in Postgres: keep messages short and free of stacks. */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, " ").trim().slice(0, 500);
}
