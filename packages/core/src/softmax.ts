import { wasm } from './load.js';
import { arenaReset, alloc, check, f32, runRows, take } from './memory.js';
import { checkMatrix, checkOut, checkTemperature, type Shape2D } from './validate.js';

export interface SoftmaxOptions {
  /** Divides the logits before the softmax; finite and > 0. Default 1. */
  temperature?: number;
  /** Receives the result (same length as x); no allocation when given. */
  out?: Float32Array;
}

/**
 * Row-wise softmax of `x / temperature` over a row-major `[rows, cols]` matrix. −Infinity entries are
 * masks (probability exactly 0).
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_TEMPERATURE, E_NONFINITE (NaN, +Inf, or a row of only −Inf)
 * @example softmax(new Float32Array([1, 2, 3, 4]), [2, 2], { temperature: 2 })
 */
export function softmax(x: Float32Array, shape: Shape2D, options: SoftmaxOptions = {}): Float32Array {
  const [rows, cols] = checkMatrix('softmax', 'x', x, shape);
  const temperature = checkTemperature('softmax', options.temperature ?? 1);
  const out = checkOut('softmax', options.out, x.length);
  return runRows('softmax', wasm().softmax, x, rows, cols, 1 / temperature, out);
}

/**
 * Row-wise log-softmax of `x / temperature`; masked (−Infinity) entries give −Infinity.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_TEMPERATURE, E_NONFINITE
 * @example logSoftmax(new Float32Array([1, 2, 3]), [1, 3])
 */
export function logSoftmax(x: Float32Array, shape: Shape2D, options: SoftmaxOptions = {}): Float32Array {
  const [rows, cols] = checkMatrix('logSoftmax', 'x', x, shape);
  const temperature = checkTemperature('logSoftmax', options.temperature ?? 1);
  const out = checkOut('logSoftmax', options.out, x.length);
  return runRows('logSoftmax', wasm().logSoftmax, x, rows, cols, 1 / temperature, out);
}

/**
 * Gradient through `y = softmax(x / T)`: dx = y ⊙ (dy − Σ dy ⊙ y) / T, row by row.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_TEMPERATURE, E_NONFINITE
 * @example softmaxBackward(y, dy, [2, 3], { temperature: 2 })
 */
export function softmaxBackward(y: Float32Array, dy: Float32Array, shape: Shape2D, options: SoftmaxOptions = {}): Float32Array {
  const [rows, cols] = checkMatrix('softmaxBackward', 'y', y, shape);
  checkMatrix('softmaxBackward', 'dy', dy, shape);
  const temperature = checkTemperature('softmaxBackward', options.temperature ?? 1);
  const out = checkOut('softmaxBackward', options.out, y.length);
  const n = rows * cols;
  if (n === 0) return out ?? new Float32Array(0);
  arenaReset();
  const yPtr = alloc(n * 4);
  const dyPtr = alloc(n * 4);
  f32(yPtr, n).set(y);
  f32(dyPtr, n).set(dy);
  check('softmaxBackward', wasm().softmaxBackward(yPtr, dyPtr, dyPtr, rows, cols, 1 / temperature));
  return take(dyPtr, n, out);
}
