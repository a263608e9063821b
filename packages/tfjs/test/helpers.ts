import * as tf from '@tensorflow/tfjs';
import { TStarError } from '@tstar/core';
import { expect } from 'vitest';
import { rng } from '../../core/test/rng.js';

export { rng };
export * as ref from '../../core/test/reference.js';

/** The backends whose numbers come from @tstar/core. */
export const HOST_BACKENDS = ['cpu', 'wasm'] as const;
export type HostBackend = (typeof HOST_BACKENDS)[number];

export async function useBackend(name: string): Promise<void> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} did not initialise`);
  await tf.ready();
}

/** A seeded [rows, cols] matrix, uniform in [lo, hi). */
export function mat(rows: number, cols: number, seed = 1, lo = -5, hi = 5): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: rows * cols }, () => lo + (hi - lo) * r());
}

export function labels(rows: number, cols: number, seed = 2): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: rows }, () => Math.floor(r() * cols));
}

/** Largest |a − e| / max(|e|, floor): relative above `floor`, absolute below. */
export function maxError(actual: ArrayLike<number>, expected: ArrayLike<number>, floor: number): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (!Number.isFinite(a) || !Number.isFinite(e)) {
      if (a !== e) return Infinity;
      continue;
    }
    worst = Math.max(worst, Math.abs(a - e) / Math.max(Math.abs(e), floor));
  }
  return worst;
}

/** Elementwise: |a − e| ≤ tol · max(|e|, floor). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, floor = 1): void {
  const err = maxError(actual, expected, floor);
  if (!(err <= tol)) expect.fail(`max error ${err.toExponential(2)} > ${tol} (floor ${floor})`);
}

/** Asserts a TStarError with `code` (sync or async). */
export async function expectCode(fn: () => unknown, code: string, message?: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) expect.fail(`expected a TStarError ${code}, nothing was thrown`);
  expect(caught, String(caught)).toBeInstanceOf(TStarError);
  expect((caught as TStarError).code).toBe(code);
  if (message) expect((caught as TStarError).message).toMatch(message);
}

/** Runs `fn` and asserts that the live tensor count is back where it started (errors under test are caught by expectCode inside). */
export async function expectNoLeak<T>(fn: () => T | Promise<T>): Promise<T | undefined> {
  const before = tf.memory().numTensors;
  let result: T | undefined;
  let failure: unknown;
  try {
    result = await fn();
  } catch (error) {
    failure = error;
  }
  // A failed assertion inside skips its disposals: report it, not the leak it causes.
  if (failure !== undefined) throw failure;
  expect(tf.memory().numTensors, 'live tensors after the call').toBe(before);
  return result;
}
