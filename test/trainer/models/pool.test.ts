import { afterAll, describe, expect, it, vi } from "vitest";
import { FitPool } from "../../../trainer/fit/pool.ts";
import type { FitResult, SeriesInput } from "../../../trainer/models/types.ts";
import { synthetic } from "./synthetic.ts";

const THREADS = 2;
const fit = { horizon: 60, level: 0.8, holdoutDays: 14 };
const series = (seed: number, days = 120): SeriesInput => synthetic({ id: `s${seed}`, days, seed }).series;

describe("FitPool", () => {
  const pool = new FitPool({ threads: THREADS, fit });
  afterAll(() => pool.close());

  it("fits series in parallel and reports bad ones as failures without stopping", async () => {
    const inputs: SeriesInput[] = [
      series(1),
      { ...series(2), promo: [0, 1] },
      series(3),
      series(4, 10),
      series(5),
      { ...series(6), units: series(6).units.map((u, i) => (i === 50 ? -1 : u)) },
      series(7),
      series(8),
    ];
    const results = new Map<string, FitResult>();
    const counts = await pool.fitAll(inputs, (result) => void results.set(result.id, result));

    expect(counts).toEqual({ fitted: 5, failed: 3 });
    expect([...results.keys()].sort()).toEqual(inputs.map((i) => i.id).sort());
    const code = (id: string) => {
      const result = results.get(id)!;
      return result.ok ? "ok" : result.error.code;
    };
    expect([code("s2"), code("s4"), code("s6")]).toEqual(["bad_input", "too_short", "bad_input"]);
    for (const id of ["s1", "s3", "s5", "s7", "s8"]) {
      const result = results.get(id)!;
      if (!result.ok) throw new Error(`${id} failed: ${result.error.message}`);
      expect(result.forecast.point).toHaveLength(60);
      expect(result.metrics.holdoutDays).toBe(14);
      expect(result.params).not.toBeNull();
    }
  });

  it("replaces a thread after recycleAfter series, so WASM memory cannot grow with the series count", async () => {
    const recycling = new FitPool({ threads: 1, fit, recycleAfter: 2 });
    try {
      const results = await Promise.all([0, 1, 2, 3, 4].map((i) => recycling.fit(synthetic({ id: `r${i}`, days: 60, seed: 40 + i }).series)));
      expect(results.every((r) => r.ok)).toBe(true);
      // 5 series at 2 per thread: the first thread and two replacements.
      expect(recycling.threadsStarted).toBe(3);
    } finally {
      await recycling.close();
    }
    expect(() => new FitPool({ threads: 1, fit, recycleAfter: 0 })).toThrow("recycleAfter must be an integer >= 1");
  });

  it("reads at most 2×threads series ahead of the results handled", async () => {
    let read = 0;
    let handled = 0;
    let mostAhead = 0;
    function* inputs() {
      for (let seed = 10; seed < 22; seed++) {
        read++;
        mostAhead = Math.max(mostAhead, read - handled);
        yield series(seed, 60);
      }
    }
    const counts = await pool.fitAll(inputs(), async () => {
      handled++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    });
    expect(counts.fitted).toBe(12);
    expect(mostAhead).toBeLessThanOrEqual(2 * THREADS);
  });

  it("stops reading and rethrows when the result handler fails", async () => {
    let read = 0;
    let closed = false;
    function* inputs() {
      try {
        for (let seed = 30; seed < 50; seed++) {
          read++;
          yield series(seed, 60);
        }
      } finally {
        closed = true;
      }
    }
    await expect(
      pool.fitAll(inputs(), () => {
        throw new Error("store unavailable");
      }),
    ).rejects.toThrow("store unavailable");
    expect(closed).toBe(true);
    expect(read).toBeLessThan(20);
  });

  it("fits one series on its own", async () => {
    const result = await pool.fit(series(60));
    expect(result.ok).toBe(true);
  });
});

describe("FitPool when a thread dies", () => {
  it("reports that series as worker_crashed and carries on with a new thread", async () => {
    const lines: string[] = [];
    const pool = new FitPool({
      threads: 1,
      fit,
      workerUrl: new URL("./fixtures/crash-worker.ts", import.meta.url),
      log: (line, stream) => lines.push(`${stream}: ${line}`),
    });
    try {
      const results = await Promise.all([pool.fit(series(1)), pool.fit({ ...series(2), id: "crash" }), pool.fit(series(3))]);
      expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual(["ok", "worker_crashed", "ok"]);
      // What threads print reaches `log` (one line per thread started), not the terminal.
      await vi.waitFor(() => expect(lines).toEqual(["stderr: crash-worker ready", "stderr: crash-worker ready"]));
    } finally {
      await pool.close();
    }
    await expect(pool.fit(series(4))).rejects.toThrow("closed");
  });

  it("checks its options up front", () => {
    expect(() => new FitPool({ threads: 0, fit })).toThrow("threads must be an integer >= 1");
    expect(() => new FitPool({ threads: 1, fit: { horizon: 0, level: 80, holdoutDays: 30 } })).toThrow(
      /horizon must be an integer >= 1.*level must be a number between 0 and 1/,
    );
  });
});
