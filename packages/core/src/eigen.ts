import { TStarError } from './errors.js';
import { wasm } from './load.js';
import { f64 } from './memory.js';

const MAX_SWEEPS = 100;

/**
 * Eigen-decomposition of the symmetric f64 matrix a [n, n] through the wasm Jacobi kernel, in arena blocks
 * the caller allocated (aPtr: n² f64; vPtr: n² f64 for the eigenvectors as columns, or 0 for values only).
 */
export function symmetricEigen(op: string, a: Float64Array, n: number, aPtr: number, vPtr: number): { values: Float64Array; vectors?: Float64Array } {
  f64(aPtr, n * n).set(a);
  const sweeps = wasm().csgJacobi(aPtr, n, vPtr, MAX_SWEEPS);
  if (sweeps < 0) throw new TStarError('E_INTERNAL', `${op}: Jacobi eigen-solver did not converge in ${MAX_SWEEPS} sweeps (n = ${n})`);
  const m = f64(aPtr, n * n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i];
  return { values, vectors: vPtr ? f64(vPtr, n * n).slice() : undefined };
}
