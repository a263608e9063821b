import { TStarError } from './errors.js';
import { wasm } from './load.js';
import { alloc, arenaReset, check, f64, put, resident, sinkOf, source, take } from './memory.js';
import {
  checkFinite, checkLabels, checkMatrix, checkNumber, checkOptions, checkOut, checkPrecision, checkResult, checkTemperature, checkVector,
  typeName, type Precision, type Shape2D,
} from './validate.js';
import { floatArg, type FloatData } from './workspace.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyOptions {
  /** Divides the logits before the softmax; finite and > 0. Default 1. */
  temperature?: number;
  /** 'mean' (default; weighted mean over non-ignored rows), 'sum', or 'none' (one loss per row). */
  reduction?: Reduction;
  /** ε in [0, 1]: the target becomes (1 − ε)·target + ε/C over the row's unmasked classes. Default 0. */
  labelSmoothing?: number;
  /** Hard-label rows with this label contribute nothing. Default −100 (PyTorch's). */
  ignoreIndex?: number;
  /** Per-class weights (length cols, finite, ≥ 0), PyTorch semantics. */
  weights?: Float32Array;
  /** Also return dL/dlogits and dL/dT. Default false. */
  grad?: boolean;
  /**
   * The gradient flowing into the loss, as an autograd system hands it to a custom gradient: a number for
   * 'mean'/'sum', a number or one value per row (Float32Array, length rows) for 'none'. `grad` and
   * `dTemperature` are multiplied by it. Default 1.
   */
  upstream?: number | Float32Array;
  /**
   * Receives dL/dlogits (same length as logits) instead of a new array; needs `grad: true`. A WorkspaceArray
   * is written in place (no copy out of wasm memory).
   */
  gradOut?: FloatData;
  /**
   * 'fast' (default) or 'accurate' (see Precision): how e^z is computed. The loss and dL/dT are log-space
   * and as accurate either way; the gradient's probabilities carry the precision's bound.
   */
  precision?: Precision;
}

export interface CrossEntropyResult<L extends number | Float32Array = number> {
  /** The reduced loss, or one loss per row for reduction 'none' (0 on ignored rows). */
  loss: L;
  /** dL/dlogits, same shape as logits (for 'none': the gradient of the sum of row losses). */
  grad?: Float32Array;
  /** dL/dT, analytic. */
  dTemperature?: number;
}

/** A result with gradients: what `crossEntropy` returns when called with `grad: true`. */
export interface CrossEntropyGradResult<L extends number | Float32Array = number> extends CrossEntropyResult<L> {
  grad: Float32Array;
  dTemperature: number;
}

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/**
 * Softmax cross-entropy of `logits / temperature` against integer labels (`Int32Array`, length rows) or soft
 * targets (`Float32Array`, same shape as logits), fused: one sweep gives the loss and, with `grad`, dL/dlogits
 * and dL/dT. Follows PyTorch's `F.cross_entropy` (class weights, ignore index, label smoothing), except that
 * smoothing mass never lands on −Infinity (masked) logits and a 'mean' over smoothed rows always divides by
 * the non-ignored weight.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_TEMPERATURE, E_NONFINITE, E_LABEL, E_EMPTY, E_ARGUMENT
 * @example crossEntropy(logits, [32, 10], labels, { temperature: 2, grad: true })
 */
export function crossEntropy(logits: FloatData, shape: Shape2D, target: Int32Array | Float32Array, options: CrossEntropyOptions & { reduction: 'none'; grad: true }): CrossEntropyGradResult<Float32Array>;
export function crossEntropy(logits: FloatData, shape: Shape2D, target: Int32Array | Float32Array, options: CrossEntropyOptions & { reduction: 'none' }): CrossEntropyResult<Float32Array>;
export function crossEntropy(logits: FloatData, shape: Shape2D, target: Int32Array | Float32Array, options: CrossEntropyOptions & { grad: true }): CrossEntropyGradResult<number>;
export function crossEntropy(logits: FloatData, shape: Shape2D, target: Int32Array | Float32Array, options?: CrossEntropyOptions): CrossEntropyResult<number>;
export function crossEntropy(logits: FloatData, shape: Shape2D, target: Int32Array | Float32Array, options: CrossEntropyOptions = {}): CrossEntropyResult<number | Float32Array> {
  const op = 'crossEntropy';
  checkOptions(op, options);
  const x = floatArg(op, 'logits', logits) as Float32Array;
  const [rows, cols] = checkMatrix(op, 'logits', x, shape);
  const fast = checkPrecision(op, options.precision);
  const temperature = checkTemperature(op, options.temperature ?? 1);
  const reduction = options.reduction ?? 'mean';
  if (!REDUCTIONS.includes(reduction)) throw new TStarError('E_ARGUMENT', `${op}: reduction must be 'mean', 'sum' or 'none', got ${String(reduction)}`);
  const smoothing = checkNumber(op, 'labelSmoothing', options.labelSmoothing ?? 0, 0, 1);
  const ignoreIndex = options.ignoreIndex ?? -100;
  if (!Number.isSafeInteger(ignoreIndex) || ignoreIndex < -(2 ** 31) || ignoreIndex >= 2 ** 31) {
    throw new TStarError('E_ARGUMENT', `${op}: ignoreIndex must be a 32-bit integer, got ${String(ignoreIndex)}`);
  }
  const weights = options.weights === undefined ? undefined : checkWeights(op, options.weights, cols);
  const soft = checkTarget(op, target, rows, cols, ignoreIndex);
  const wantGrad = options.grad === true;
  const upstream = checkUpstream(op, options.upstream, reduction, rows);
  if (options.gradOut !== undefined && !wantGrad) throw new TStarError('E_ARGUMENT', `${op}: gradOut needs grad: true`);
  const gradOut = checkOut(op, floatArg(op, 'gradOut', options.gradOut), rows * cols);

  let denominator = rows;
  if (!soft) {
    denominator = 0;
    for (let r = 0; r < rows; r++) {
      const y = target[r];
      if (y !== ignoreIndex) denominator += weights ? weights[y] : 1;
    }
  }
  if (reduction === 'mean' && !(denominator > 0)) {
    throw new TStarError('E_EMPTY', `${op}: a mean needs at least one non-ignored row with non-zero weight, got ${rows} row(s)`);
  }
  const lossScale = reduction === 'mean' ? 1 / denominator : 1;
  const gScale = lossScale * (typeof upstream === 'number' ? upstream : 1);
  const n = rows * cols;
  if (n === 0) {
    return { loss: reduction === 'none' ? new Float32Array(0) : 0, ...(wantGrad ? { grad: gradOut ?? new Float32Array(0), dTemperature: 0 } : {}) };
  }

  const outAt = sinkOf(op, gradOut);
  const input = resident(op, 'logits', x);
  const targetIn = soft ? resident(op, 'target', target) : undefined;
  const weightsIn = weights ? resident(op, 'weights', weights) : undefined;
  const rowScale = wantGrad && upstream instanceof Float32Array ? Float64Array.from(upstream) : undefined;
  arenaReset(input.at === undefined ? n * 4 : 0, targetIn?.at === undefined ? target.byteLength : 0, weights ? weights.byteLength : 0, rows * 8, wantGrad && outAt === undefined ? n * 4 : 0, 8, rowScale ? rows * 8 : 0);
  // The kernel keeps e^z in the gradient buffer while it still reads the logits: they must not overlap at all.
  const xPtr = source(input, outAt, n * 4);
  const tPtr = targetIn ? source(targetIn, outAt, n * 4) : put(target);
  const wPtr = weightsIn ? source(weightsIn, outAt, n * 4) : 0;
  const lossPtr = alloc(rows * 8);
  const gPtr = wantGrad ? outAt ?? alloc(n * 4) : 0;
  const dTPtr = wantGrad ? alloc(8) : 0;
  const rowScalePtr = rowScale ? put(rowScale) : 0;
  const w = wasm();
  const status = soft
    ? w.crossEntropySoft(xPtr, rows, cols, 1 / temperature, tPtr, wPtr, smoothing, lossPtr, gPtr, gScale, rowScalePtr, dTPtr, fast ? 1 : 0)
    : w.crossEntropyLabels(xPtr, rows, cols, 1 / temperature, tPtr, wPtr, smoothing, ignoreIndex, lossPtr, gPtr, gScale, rowScalePtr, dTPtr, fast ? 1 : 0);
  check(op, status);

  const rowLoss = f64(lossPtr, rows);
  let loss: number | Float32Array;
  if (reduction === 'none') {
    loss = Float32Array.from(rowLoss);
    checkResult(op, 'loss', loss);
  } else {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += rowLoss[r];
    loss = sum * lossScale;
  }
  if (!wantGrad) return { loss };
  const dTemperature = f64(dTPtr, 1)[0];
  const grad = take(gPtr, n, gradOut, outAt);
  // |dL/dz| ≤ q·|scale|/T (q: a row's target mass times weight): scan only where that can leave float32.
  let maxW = 1;
  if (weights) for (let j = 0; j < cols; j++) maxW = Math.max(maxW, weights[j]);
  if (soft || rowScale || (maxW * Math.abs(gScale)) / temperature > 1e37) checkResult(op, 'grad', grad);
  checkResult(op, 'dTemperature', [dTemperature]);
  return { loss, grad, dTemperature };
}

function checkUpstream(op: string, upstream: unknown, reduction: Reduction, rows: number): number | Float32Array {
  if (upstream === undefined) return 1;
  if (typeof upstream === 'number') {
    if (!Number.isFinite(upstream)) throw new TStarError('E_NONFINITE', `${op}: upstream must be a finite number, got ${upstream}`);
    return upstream;
  }
  if (!(upstream instanceof Float32Array)) throw new TStarError('E_DTYPE', `${op}: upstream must be a number or a Float32Array, got ${typeName(upstream)}`);
  if (reduction !== 'none') throw new TStarError('E_SHAPE', `${op}: a per-row upstream gradient needs reduction 'none' (got '${reduction}'); pass a number`);
  checkVector(op, 'upstream', upstream, rows);
  checkFinite(op, 'upstream', upstream);
  return upstream;
}

function checkWeights(op: string, weights: unknown, cols: number): Float32Array {
  const w = checkVector(op, 'weights', weights, cols);
  for (let j = 0; j < cols; j++) {
    if (!Number.isFinite(w[j])) throw new TStarError('E_NONFINITE', `${op}: weights[${j}] is ${w[j]}, expected a finite number`);
    if (w[j] < 0) throw new TStarError('E_ARGUMENT', `${op}: weights[${j}] is ${w[j]}, expected ≥ 0`);
  }
  return w;
}

/** Returns true for soft targets; validates labels (range) or soft targets (finite, ≥ 0). */
function checkTarget(op: string, target: unknown, rows: number, cols: number, ignoreIndex: number): target is Float32Array {
  if (target instanceof Int32Array) {
    checkLabels(op, target, rows, cols, ignoreIndex);
    return false;
  }
  if (target instanceof Float32Array) {
    if (target.length !== rows * cols) throw new TStarError('E_SHAPE', `${op}: soft targets have ${target.length} elements but logits have ${rows * cols}`);
    for (let i = 0; i < target.length; i++) {
      const t = target[i];
      if (!Number.isFinite(t)) throw new TStarError('E_NONFINITE', `${op}: soft target at row ${Math.floor(i / cols)}, class ${i % cols} is ${t}`);
      if (t < 0) throw new TStarError('E_ARGUMENT', `${op}: soft target at row ${Math.floor(i / cols)}, class ${i % cols} is ${t}, expected ≥ 0`);
    }
    return true;
  }
  throw new TStarError('E_DTYPE', `${op}: target must be an Int32Array of labels or a Float32Array of soft targets, got ${typeName(target)}`);
}
