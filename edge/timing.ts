// Collects the stages of one request for the Server-Timing header, so a
// client (or a benchmark) sees where the time went: pointer, cache, store.
// workerd advances clocks only across I/O, so pure CPU stages read as 0 ms.

export class StageTimer {
  readonly #metrics: string[] = [];

  /** Runs one stage and records its duration, also when it throws. */
  async measure<T>(name: string, run: () => Promise<T>, describe?: (result: T) => string): Promise<T> {
    const started = performance.now();
    let result: T | undefined;
    try {
      result = await run();
      return result;
    } finally {
      const desc = result !== undefined && describe ? describe(result) : undefined;
      this.add(name, performance.now() - started, desc);
    }
  }

  add(name: string, durationMs?: number, desc?: string): void {
    let metric = name;
    if (desc !== undefined) metric += `;desc="${desc}"`;
    if (durationMs !== undefined) metric += `;dur=${durationMs.toFixed(1)}`;
    this.#metrics.push(metric);
  }

  header(): string {
    return this.#metrics.join(", ");
  }
}
