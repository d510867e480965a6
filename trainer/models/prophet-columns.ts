// Prophet's feature columns in one order whatever the thread has fitted
// before. augurs collects seasonalities, holidays and regressors in Rust
// HashMaps, and on WebAssembly every new map's hash keys are one step on
// from the last map's in that instance, so the column order of the same
// model changes with how many fits the thread ran before it. Stan then sums
// in another order and, on a flat likelihood, stops elsewhere: the same
// series fitted first or second in a thread differed by a few percent. The
// optimizer is handed the columns in an order of their own, and its betas are
// put back into augurs' order.
//
// The order holds from one day's window to the next, so yesterday's params
// still start today's fit in the right places: Fourier terms by their
// frequency (a seasonality's sine and cosine keep augurs' order, fixed within
// it), then 0/1 columns (holidays, promotions) by their first day on.

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

interface ColumnKey {
  /** 0: a Fourier term; 1: a 0/1 column. */
  kind: number;
  /** A Fourier term's angular frequency per row (rounded), or a 0/1 column's first row that is 1. */
  position: number;
}

export function sortColumns(data: string): ColumnOrder {
  const parsed = JSON.parse(data) as ColumnData & Record<string, unknown>;
  const { K, X, s_a, s_m, sigmas } = parsed;
  const keys = Array.from({ length: K }, (_, j) => keyOf(X, j));
  const canonical = Array.from({ length: K }, (_, j) => j);
  canonical.sort((a, b) =>
    keys[a].kind - keys[b].kind || s_a[a] - s_a[b] || s_m[a] - s_m[b] || sigmas[a] - sigmas[b] ||
    keys[a].position - keys[b].position ||
    // A sine and cosine pair is one seasonality's, in the order augurs always gives it.
    (keys[a].kind === 1 ? compareColumns(X, a, b) : 0) || a - b);
  if (canonical.every((j, i) => j === i)) return { canonical, data };
  const pick = <T>(values: T[]) => canonical.map((j) => values[j]);
  return {
    canonical,
    data: JSON.stringify({ ...parsed, X: X.map(pick), s_a: pick(s_a), s_m: pick(s_m), sigmas: pick(sigmas) }),
  };
}

function keyOf(X: number[][], j: number): ColumnKey {
  if (X.every((row) => row[j] === 0 || row[j] === 1)) {
    const first = X.findIndex((row) => row[j] === 1);
    return { kind: 1, position: first === -1 ? X.length : first };
  }
  // One row a day: a sinusoid satisfies x[t-1] + x[t+1] = 2 cos(w) x[t], whatever its phase.
  let num = 0;
  let den = 0;
  for (let t = 1; t + 1 < X.length; t++) {
    num += X[t][j] * (X[t - 1][j] + X[t + 1][j]);
    den += 2 * X[t][j] * X[t][j];
  }
  const cos = den > 0 ? Math.min(1, Math.max(-1, num / den)) : 1;
  return { kind: 0, position: Math.round(Math.acos(cos) * 1e6) };
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
