import { wasm } from './load.js';
import { arenaReset, check, putAll, runRows, take } from './memory.js';
import { checkMatrix, checkOptions, checkOut, checkTemperature, type Shape2D } from './validate.js';

export interface SoftmaxOptions {
  /** Divides the logits before the softmax; finite and > 0. Default 1. */
  temperature?: number;
  /** Receives the result (same length as x); no allocation when given. */
  out?: Float32Array;
}

/**
 * Row-wise softmax of `x / temperature` over a row-major `[rows, cols]` matrix. −Infinity entries are
 * masks (probability exactly 0).
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_TEMPERATURE, E_NONFINITE (NaN or +Inf), E_MASKED (a row of only −Inf)
 * @example softmax(new Float32Array([1, 2, 3, 4]), [2, 2], { temperature: 2 })
 */
export function softmax(x: Float32Array, shape: Shape2D, options: SoftmaxOptions = {}): Float32Array {
  checkOptions('softmax', options);
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
  checkOptions('logSoftmax', options);
  const [rows, cols] = checkMatrix('logSoftmax', 'x', x, shape);
  const temperature = checkTemperature('logSoftmax', options.temperature ?? 1);
  const out = checkOut('logSoftmax', options.out, x.length);
  return runRows('logSoftmax', wasm().logSoftmax, x, rows, cols, 1 / temperature, out);
}

export interface SoftmaxBackwardOptions extends SoftmaxOptions {
  /** The logits y came from: also return dL/dT = −(1/T)·Σ dx ⊙ x (a learnable temperature's gradient). */
  x?: Float32Array;
}

export interface SoftmaxBackwardResult {
  dx: Float32Array;
  dTemperature: number;
}

/**
 * Gradient through `y = softmax(x / T)`: dx = y ⊙ (dy − Σ dy ⊙ y) / T, row by row. With `x` (the logits y came
 * from) it also gives dL/dT = −(1/T)·Σ dx ⊙ x, summed in f64.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_TEMPERATURE, E_NONFINITE
 * @example softmaxBackward(y, dy, [2, 3], { temperature: 2 })
 */
export function softmaxBackward(y: Float32Array, dy: Float32Array, shape: Shape2D, options: SoftmaxBackwardOptions & { x: Float32Array }): SoftmaxBackwardResult;
export function softmaxBackward(y: Float32Array, dy: Float32Array, shape: Shape2D, options?: SoftmaxBackwardOptions): Float32Array;
export function softmaxBackward(y: Float32Array, dy: Float32Array, shape: Shape2D, options: SoftmaxBackwardOptions = {}): Float32Array | SoftmaxBackwardResult {
  const op = 'softmaxBackward';
  checkOptions(op, options);
  const [rows, cols] = checkMatrix(op, 'y', y, shape);
  checkMatrix(op, 'dy', dy, shape);
  const x = options.x === undefined ? undefined : checkMatrix(op, 'x', options.x, shape) && options.x;
  const temperature = checkTemperature(op, options.temperature ?? 1);
  const out = checkOut(op, options.out, y.length);
  const n = rows * cols;
  let dx = out ?? new Float32Array(0);
  if (n > 0) {
    arenaReset(y.byteLength, dy.byteLength);
    const [yPtr, dyPtr] = putAll(y, dy);
    check(op, wasm().softmaxBackward(yPtr, dyPtr, dyPtr, rows, cols, 1 / temperature), 'row', 'NaN or ±Infinity');
    dx = take(dyPtr, n, out);
  }
  if (x === undefined) return dx;
  let sum = 0;
  for (let i = 0; i < n; i++) if (dx[i] !== 0) sum += dx[i] * x[i];
  return { dx, dTemperature: -sum / temperature };
}
