// Ridge regression from sufficient statistics: (X'X + λD) β = X'y, solved by
// ml-matrix, with D the diagonal of X'X off the intercept so the penalty does
// not depend on a feature's units, and the residual spread from the same sums.
import { CholeskyDecomposition, Matrix, solve } from "ml-matrix";

export interface RidgeFit {
  coefficients: number[];
  /** Residual standard deviation, in the target's (scaled) units. */
  sigma: number;
}

/** `xx` is the upper triangle of X'X row by row, as gram.ts returns it. */
export function ridge(xx: readonly number[], xy: readonly number[], yy: number, rows: number, lambda: number): RidgeFit | null {
  const p = xy.length;
  if (rows <= p) return null;
  const gram = Matrix.zeros(p, p);
  let k = 0;
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      gram.set(i, j, xx[k]);
      gram.set(j, i, xx[k]);
      k++;
    }
  }
  const penalised = gram.clone();
  // A feature constant at zero (no holiday in the data) has a zero diagonal: a floor keeps the system solvable.
  for (let i = 1; i < p; i++) penalised.set(i, i, gram.get(i, i) * (1 + lambda) + 1e-9 * rows);
  const b = Matrix.columnVector([...xy]);
  const cholesky = new CholeskyDecomposition(penalised);
  const beta = cholesky.isPositiveDefinite() ? cholesky.solve(b) : solve(penalised, b, true);
  const coefficients = beta.to1DArray();
  if (!coefficients.every(Number.isFinite)) return null;
  const fitted = beta.transpose().mmul(gram).mmul(beta).get(0, 0);
  const cross = coefficients.reduce((s, c, i) => s + c * xy[i], 0);
  const rss = Math.max(0, yy - 2 * cross + fitted);
  return { coefficients, sigma: Math.sqrt(rss / (rows - p)) };
}
