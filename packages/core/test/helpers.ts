import { expect } from 'vitest';
import { TStarError } from '../src/index.js';
import { rng } from './rng.js';

export { rng };

/** A seeded [rows, cols] matrix with entries uniform in [lo, hi). */
export function mat(rows: number, cols: number, seed = 1, lo = -10, hi = 10): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = lo + (hi - lo) * r();
  return x;
}

export function labels(rows: number, cols: number, seed = 2): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: rows }, () => Math.floor(r() * cols));
}

export interface Tolerance {
  /** Relative tolerance, applied where |expected| ≥ `floor`. */
  rel?: number;
  /** Absolute tolerance, applied where |expected| < `floor` (default: rel). */
  abs?: number;
  floor?: number;
}

/** Largest error of `actual` against `expected` under the tolerance's rule; exact match for ±Inf/0 masks. */
export function maxError(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = {}): { worst: number; index: number } {
  const floor = tol.floor ?? 0;
  let worst = 0, index = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) return { worst: Infinity, index: i };
      continue;
    }
    const err = Math.abs(e) >= floor && e !== 0 ? Math.abs(a - e) / Math.abs(e) : Math.abs(a - e);
    if (err > worst) { worst = err; index = i; }
  }
  return { worst, index };
}

/** Asserts elementwise closeness: relative where |expected| ≥ floor, absolute below it. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): void {
  expect(actual.length).toBe(expected.length);
  const floor = tol.floor ?? 0;
  const rel = tol.rel ?? 0, abs = tol.abs ?? tol.rel ?? 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (!Number.isFinite(e) || !Number.isFinite(a) || e === 0) {
      if (e === 0 && Number.isFinite(a) && Math.abs(a) <= abs) continue;
      if (a !== e) expect.fail(`index ${i}: got ${a}, expected ${e}`);
      continue;
    }
    const err = Math.abs(e) >= floor ? Math.abs(a - e) / Math.abs(e) : Math.abs(a - e);
    const limit = Math.abs(e) >= floor ? rel : abs;
    if (!(err <= limit)) expect.fail(`index ${i}: got ${a}, expected ${e} (error ${err.toExponential(2)} > ${limit})`);
  }
}

export function expectScalarClose(actual: number, expected: number, rel: number, abs = 0): void {
  const err = Math.abs(actual - expected);
  if (!(err <= rel * Math.abs(expected) + abs)) expect.fail(`got ${actual}, expected ${expected} (error ${err.toExponential(2)}, allowed rel ${rel} abs ${abs})`);
}

/** Asserts that `fn` throws a TStarError with `code`. */
export function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TStarError);
    expect((error as TStarError).code).toBe(code);
    return;
  }
  expect.fail(`expected a TStarError ${code}, nothing was thrown`);
}

/** Ragged shapes: 1 row, 1 column, columns not a multiple of 4, wide and tall. */
export const SHAPES: ReadonlyArray<readonly [number, number]> = [
  [1, 1], [1, 3], [3, 1], [2, 4], [5, 7], [4, 17], [16, 33], [7, 1000], [1, 4099],
];

/** fast-check run count: ≥ 1,000 cases per property in CI. */
export const RUNS = 1000;
