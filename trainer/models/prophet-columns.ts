// Prophet's feature columns in one order whatever the thread has fitted
// before. augurs collects seasonalities, holidays and regressors in Rust
// HashMaps, and on WebAssembly every new map's hash keys are one step on
// from the last map's in that instance, so the column order of the same
// model changes with how many fits the thread ran before it. Stan then sums
// in another order and, on a flat likelihood, stops elsewhere: the same
// series fitted first or second in a thread differed by a few percent. The
// optimizer is handed the columns sorted by what they hold, and its betas are
// put back into augurs' order.
/** The Stan data fields that have one entry per feature column (X has one per row and column). */
interface ColumnData {
  K: number;
  X: number[][];
  s_a: number[];
  s_m: number[];
  sigmas: number[];
}

export interface ColumnOrder {
  /** `canonical[i]` is augurs' index of the i-th column in sorted order. */
  canonical: number[];
  /** The Stan data with its columns sorted. */
  data: string;
}

/** Sorts the columns of Prophet's Stan data by their prior, mode and values; identical columns keep their relative order. */
export function sortColumns(data: string): ColumnOrder {
  const parsed = JSON.parse(data) as ColumnData & Record<string, unknown>;
  const { K, X, s_a, s_m, sigmas } = parsed;
  const canonical = Array.from({ length: K }, (_, j) => j);
  canonical.sort((a, b) => s_a[a] - s_a[b] || s_m[a] - s_m[b] || sigmas[a] - sigmas[b] || compareColumns(X, a, b) || a - b);
  if (canonical.every((j, i) => j === i)) return { canonical, data };
  const pick = <T>(values: T[]) => canonical.map((j) => values[j]);
  return {
    canonical,
    data: JSON.stringify({ ...parsed, X: X.map(pick), s_a: pick(s_a), s_m: pick(s_m), sigmas: pick(sigmas) }),
  };
}

function compareColumns(X: number[][], a: number, b: number): number {
  for (const row of X) {
    const d = row[a] - row[b];
    if (d !== 0) return d;
  }
  return 0;
}

/** Betas in sorted order from augurs' order (for a start point). */
export function toSorted(beta: ArrayLike<number>, order: ColumnOrder): Float64Array {
  return Float64Array.from(order.canonical, (j) => beta[j]);
}

/** Betas in augurs' order from sorted order (for what the optimizer returns). */
export function fromSorted(beta: ArrayLike<number>, order: ColumnOrder): Float64Array {
  const out = new Float64Array(beta.length);
  order.canonical.forEach((j, i) => (out[j] = beta[i]));
  return out;
}
