import { wasm } from './load.js';
import { alloc, arenaReset, check, resident, runRows, sinkOf, source, take } from './memory.js';
import { checkMatrix, checkOptions, checkOut, checkPrecision, checkTemperature, type Precision, type Shape2D } from './validate.js';
import { floatArg, type FloatData } from './workspace.js';

export interface SoftmaxOptions {
  /** Divides the logits before the softmax; finite and > 0. Default 1. */
  temperature?: number;
  /**
   * Receives the result (same length as x); no allocation when given, and no copy out of wasm memory when it
   * is a WorkspaceArray (or its view).
   */
  out?: FloatData;
  /** 'fast' (default) or 'accurate'; see Precision. logSoftmax's output is as accurate either way. */
  precision?: Precision;
}

/**
 * Row-wise softmax of `x / temperature` over a row-major `[rows, cols]` matrix. −Infinity entries are
 * masks (probability exactly 0). x may be a WorkspaceArray (read in place, no copy).
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_TEMPERATURE, E_NONFINITE (NaN or +Inf), E_MASKED (a row of only −Inf), E_ARGUMENT
 * @example softmax(new Float32Array([1, 2, 3, 4]), [2, 2], { temperature: 2 })
 */
export function softmax(x: FloatData, shape: Shape2D, options: SoftmaxOptions = {}): Float32Array {
  return rowOp('softmax', wasm().softmax, x, shape, options);
}

/**
 * Row-wise log-softmax of `x / temperature`; masked (−Infinity) entries give −Infinity. The output is formed
 * in f64 in both precisions; 'fast' only speeds up the sum inside ln Σ, whose terms near the max dominate.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_TEMPERATURE, E_NONFINITE, E_MASKED, E_ARGUMENT
 * @example logSoftmax(new Float32Array([1, 2, 3]), [1, 3])
 */
export function logSoftmax(x: FloatData, shape: Shape2D, options: SoftmaxOptions = {}): Float32Array {
  return rowOp('logSoftmax', wasm().logSoftmax, x, shape, options);
}

function rowOp(op: string, kernel: Parameters<typeof runRows>[1], x: FloatData, shape: Shape2D, options: SoftmaxOptions): Float32Array {
  checkOptions(op, options);
  const data = floatArg(op, 'x', x);
  const [rows, cols] = checkMatrix(op, 'x', data, shape);
  const temperature = checkTemperature(op, options.temperature ?? 1);
  const fast = checkPrecision(op, options.precision);
  const out = checkOut(op, floatArg(op, 'out', options.out), rows * cols);
  return runRows(op, kernel, data as Float32Array, rows, cols, 1 / temperature, out, fast);
}

export interface SoftmaxBackwardOptions {
  /** The temperature of the forward softmax; finite and > 0. Default 1. */
  temperature?: number;
  /** Receives dx (same length as y); a WorkspaceArray is written in place. */
  out?: FloatData;
  /** The logits y came from: also return dL/dT = −(1/T)·Σ dx ⊙ x (a learnable temperature's gradient). */
  x?: Float32Array;
}

export interface SoftmaxBackwardResult {
  dx: Float32Array;
  dTemperature: number;
}

/**
 * Gradient through `y = softmax(x / T)`: dx = y ⊙ (dy − Σ dy ⊙ y) / T, row by row. With `x` (the logits y came
 * from) it also gives dL/dT = −(1/T)·Σ dx ⊙ x, summed in f64. y and dy may be WorkspaceArrays (read in place).
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_TEMPERATURE, E_NONFINITE, E_ARGUMENT
 * @example softmaxBackward(y, dy, [2, 3], { temperature: 2 })
 */
export function softmaxBackward(y: FloatData, dy: FloatData, shape: Shape2D, options: SoftmaxBackwardOptions & { x: Float32Array }): SoftmaxBackwardResult;
export function softmaxBackward(y: FloatData, dy: FloatData, shape: Shape2D, options?: SoftmaxBackwardOptions): Float32Array;
export function softmaxBackward(y: FloatData, dy: FloatData, shape: Shape2D, options: SoftmaxBackwardOptions = {}): Float32Array | SoftmaxBackwardResult {
  const op = 'softmaxBackward';
  checkOptions(op, options);
  const yData = floatArg(op, 'y', y), dyData = floatArg(op, 'dy', dy);
  const [rows, cols] = checkMatrix(op, 'y', yData, shape);
  checkMatrix(op, 'dy', dyData, shape);
  const x = options.x === undefined ? undefined : checkMatrix(op, 'x', options.x, shape) && options.x;
  const temperature = checkTemperature(op, options.temperature ?? 1);
  const out = checkOut(op, floatArg(op, 'out', options.out), rows * cols);
  const n = rows * cols;
  let dx = out ?? new Float32Array(0);
  if (n > 0) {
    const outAt = sinkOf(op, out);
    const yIn = resident(op, 'y', yData as Float32Array), dyIn = resident(op, 'dy', dyData as Float32Array);
    // Arena: y's and dy's copies (dx overwrites dy's in place), or dx when dy is resident, unless out is.
    arenaReset(yIn.at === undefined ? n * 4 : 0, dyIn.at === undefined || outAt === undefined ? n * 4 : 0);
    // The kernel reads y[i] and dy[i] before writing dx[i], so dx may alias either exactly, not shifted.
    const yPtr = source(yIn, outAt, n * 4, true);
    const dyPtr = source(dyIn, outAt, n * 4, true);
    const dxPtr = outAt ?? (dyPtr === dyIn.at ? alloc(n * 4) : dyPtr);
    check(op, wasm().softmaxBackward(yPtr, dyPtr, dxPtr, rows, cols, 1 / temperature), 'row', 'NaN or ±Infinity, or its dx overflows float32');
    dx = take(dxPtr, n, out, outAt);
  }
  if (x === undefined) return dx;
  let sum = 0;
  for (let i = 0; i < n; i++) if (dx[i] !== 0) sum += dx[i] * x[i];
  return { dx, dTemperature: -sum / temperature };
}
