import { TStarError } from './errors.js';
import { wasm } from './load.js';
import { alloc, arenaReset, check, copyIn, f32, f64, put, resident, sinkOf, source, take } from './memory.js';
import { floatArg, type FloatData } from './workspace.js';
import { checkFinite, checkMatrix, checkNumber, checkOptions, checkOut, checkPositive, checkVector, checkResult, type Shape2D } from './validate.js';

export interface BatchNormOptions {
  /** Running (or frozen) mean per feature, length m. */
  runningMean: Float32Array;
  /** Running variance per feature, length m, ≥ 0. */
  runningVariance: Float32Array;
  /** Scale per feature (affine BN); default all ones. */
  gamma?: Float32Array;
  /** Shift per feature (affine BN); default all zeros. */
  beta?: Float32Array;
  /** Added to the variance; finite and > 0. Default 1e-5 (PyTorch's). */
  epsilon?: number;
  /** Receives y (length n·m); a WorkspaceArray is written in place (no copy out of wasm memory). */
  out?: FloatData;
}

export interface BatchNormState {
  /** Updated in place: (1 − momentum)·runningMean + momentum·batchMean. */
  runningMean: Float32Array;
  /** Updated in place with the unbiased batch variance, as PyTorch does; ≥ 0. */
  runningVariance: Float32Array;
  gamma?: Float32Array;
  beta?: Float32Array;
}

export interface BatchNormTrainOptions {
  /** Weight of the new batch in the running statistics, in [0, 1]. Default 0.1. */
  momentum?: number;
  epsilon?: number;
  out?: Float32Array;
}

/** What batchNormBackward needs; keeps a reference to x, so do not change x before the backward call. */
export interface BatchNormCache {
  readonly x: Float32Array;
  readonly shape: readonly [number, number];
  readonly mean: Float64Array;
  readonly invStd: Float64Array;
  readonly gamma: Float64Array;
}

export interface BatchNormTrainResult {
  y: Float32Array;
  /** Batch mean per feature. */
  mean: Float32Array;
  /** 1/√(biased batch variance + ε) per feature. */
  invStd: Float32Array;
  /** Biased batch variance per feature (the one used to normalise). */
  variance: Float32Array;
  cache: BatchNormCache;
}

export interface BatchNormGradients {
  dx: Float32Array;
  dGamma: Float32Array;
  dBeta: Float32Array;
}

export interface BatchNormBackwardOptions {
  /** Receives dx (length n·m). */
  out?: Float32Array;
}

// BatchNorm has no masks: −Infinity is as wrong as NaN.
const NON_FINITE = 'NaN or ±Infinity';

function paramVector(op: string, name: string, v: Float32Array | undefined, m: number, fill: number): Float32Array {
  if (v === undefined) return new Float32Array(m).fill(fill);
  checkVector(op, name, v, m);
  checkFinite(op, name, v);
  return v;
}

/**
 * Inference BatchNorm over `[n, m]` rows (feature j in column j): y = (x − mean)/√(variance + ε)·γ + β.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_NONFINITE, E_ARGUMENT
 * @example batchNorm(x, [32, 512], { runningMean, runningVariance, gamma, beta })
 */
export function batchNorm(x: FloatData, shape: Shape2D, options: BatchNormOptions): Float32Array {
  const op = 'batchNorm';
  const data = floatArg(op, 'x', x) as Float32Array;
  const [n, m] = checkMatrix(op, 'x', data, shape);
  if (!options || typeof options !== 'object' || options.runningMean === undefined || options.runningVariance === undefined) {
    throw new TStarError('E_ARGUMENT', `${op}: options { runningMean, runningVariance } are required`);
  }
  const mean = paramVector(op, 'runningMean', options.runningMean, m, 0);
  const variance = checkVariance(op, paramVector(op, 'runningVariance', options.runningVariance, m, 0));
  const gamma = paramVector(op, 'gamma', options.gamma, m, 1);
  const beta = paramVector(op, 'beta', options.beta, m, 0);
  const epsilon = checkEpsilon(op, options.epsilon);
  const out = checkOut(op, floatArg(op, 'out', options.out), n * m);
  if (n === 0) return out ?? new Float32Array(0);

  const outAt = sinkOf(op, out);
  const input = resident(op, 'x', data);
  arenaReset(input.at !== undefined && outAt !== undefined ? 0 : n * m * 4, m * 4, m * 4, m * 4);
  const xPtr = source(input, outAt, n * m * 4, true);
  // A resident x stays untouched (y goes elsewhere); an arena copy is overwritten in place.
  const yPtr = outAt ?? (xPtr === input.at ? alloc(n * m * 4) : xPtr);
  const meanPtr = put(mean);
  const scalePtr = alloc(m * 4);
  const shiftPtr = put(beta);
  const scale = f32(scalePtr, m);
  for (let j = 0; j < m; j++) scale[j] = gamma[j] / Math.sqrt(variance[j] + epsilon);
  check(op, wasm().batchNormApply(xPtr, yPtr, n, m, meanPtr, scalePtr, shiftPtr), 'row', NON_FINITE);
  return take(yPtr, n * m, out, outAt);
}

function checkEpsilon(op: string, epsilon: unknown): number {
  return checkPositive(op, 'epsilon', epsilon ?? 1e-5);
}

function checkVariance(op: string, variance: Float32Array): Float32Array {
  for (let j = 0; j < variance.length; j++) {
    if (variance[j] < 0) throw new TStarError('E_ARGUMENT', `${op}: runningVariance[${j}] is ${variance[j]}, expected ≥ 0`);
  }
  return variance;
}

/**
 * Training-mode BatchNorm: normalises with the batch's own mean and biased variance, updates
 * `state.runningMean`/`state.runningVariance` in place (PyTorch semantics: unbiased variance in the running
 * estimate), and returns what `batchNormBackward` needs. Nothing is updated when it throws.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_NONFINITE, E_EMPTY (fewer than 2 rows), E_ARGUMENT
 * @example const { y, cache } = batchNormTrain(x, [64, 512], { runningMean, runningVariance }, { momentum: 0.1 })
 */
export function batchNormTrain(x: Float32Array, shape: Shape2D, state: BatchNormState, options: BatchNormTrainOptions = {}): BatchNormTrainResult {
  const op = 'batchNormTrain';
  const [n, m] = checkMatrix(op, 'x', x, shape);
  if (n < 2) throw new TStarError('E_EMPTY', `${op}: batch statistics need at least 2 rows, got ${n}`);
  if (!state || typeof state !== 'object') throw new TStarError('E_ARGUMENT', `${op}: state { runningMean, runningVariance } is required`);
  checkOptions(op, options);
  const runningMean = checkVector(op, 'runningMean', state.runningMean, m);
  const runningVar = checkVariance(op, checkVector(op, 'runningVariance', state.runningVariance, m));
  checkFinite(op, 'runningMean', runningMean);
  checkFinite(op, 'runningVariance', runningVar);
  const gamma = paramVector(op, 'gamma', state.gamma, m, 1);
  const beta = paramVector(op, 'beta', state.beta, m, 0);
  const momentum = checkNumber(op, 'momentum', options.momentum ?? 0.1, 0, 1);
  const epsilon = checkEpsilon(op, options.epsilon);
  const out = checkOut(op, options.out, x.length);

  const outAt = sinkOf(op, out);
  const input = resident(op, 'x', x);
  arenaReset(x.byteLength, m * 8, m * 8, m * 4, m * 4, m * 4);
  // Always a copy: the kernel normalises it in place and the cache keeps the caller's x.
  const xPtr = copyIn(input);
  const mean64Ptr = alloc(m * 8);
  const var64Ptr = alloc(m * 8);
  const meanPtr = alloc(m * 4);
  const scalePtr = alloc(m * 4);
  const shiftPtr = alloc(m * 4);
  check(op, wasm().batchNormStats(xPtr, n, m, mean64Ptr, var64Ptr), 'row', NON_FINITE);
  const mean64 = f64(mean64Ptr, m).slice();
  const var64 = f64(var64Ptr, m).slice();
  const invStd = var64.map((v) => 1 / Math.sqrt(v + epsilon));
  const meanF = f32(meanPtr, m), scale = f32(scalePtr, m), shift = f32(shiftPtr, m);
  for (let j = 0; j < m; j++) {
    meanF[j] = mean64[j];
    scale[j] = invStd[j] * gamma[j];
    // The f32 mean is off by μ − μ_f32; fold that into the shift so y keeps f64 accuracy.
    shift[j] = beta[j] + (meanF[j] - mean64[j]) * scale[j];
  }
  check(op, wasm().batchNormApply(xPtr, xPtr, n, m, meanPtr, scalePtr, shiftPtr), 'row', NON_FINITE);

  const unbiased = n / (n - 1);
  const nextMean = runningMean.map((v, j) => (1 - momentum) * v + momentum * mean64[j]);
  const nextVar = runningVar.map((v, j) => (1 - momentum) * v + momentum * var64[j] * unbiased);
  // Statistics of finite data can still overflow float32 (|x| near 3.4e38): fail before any state changes.
  checkResult(op, 'runningMean', nextMean);
  checkResult(op, 'runningVariance', nextVar);
  checkResult(op, 'invStd', invStd);
  // The batch variance is returned in f32 too; momentum 0 keeps the running state finite while it overflows.
  const variance = Float32Array.from(var64);
  checkResult(op, 'variance', variance);
  const y = take(xPtr, n * m, out, outAt);
  runningMean.set(nextMean);
  runningVar.set(nextVar);
  return {
    y,
    mean: Float32Array.from(mean64),
    invStd: Float32Array.from(invStd),
    variance,
    cache: { x, shape: [n, m], mean: mean64, invStd, gamma: Float64Array.from(gamma) },
  };
}

/**
 * Gradients of training-mode BatchNorm from the upstream gradient `dy` and `batchNormTrain`'s cache.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_NONFINITE, E_ARGUMENT
 * @example const { dx, dGamma, dBeta } = batchNormBackward(dy, cache)
 */
export function batchNormBackward(dy: Float32Array, cache: BatchNormCache, options: BatchNormBackwardOptions = {}): BatchNormGradients {
  const op = 'batchNormBackward';
  checkOptions(op, options);
  if (!cache || !(cache.mean instanceof Float64Array) || !(cache.invStd instanceof Float64Array) || !(cache.gamma instanceof Float64Array)) {
    throw new TStarError('E_ARGUMENT', `${op}: cache must be the one returned by batchNormTrain`);
  }
  const [n, m] = checkMatrix(op, 'x', cache.x, cache.shape);
  checkMatrix(op, 'dy', dy, cache.shape);
  const out = checkOut(op, options.out, n * m);
  const outAt = sinkOf(op, out);
  const dyIn = resident(op, 'dy', dy), xIn = resident(op, 'x', cache.x);
  arenaReset(dy.byteLength, cache.x.byteLength, n * m * 4, m * 8, m * 8, m * 8, m * 8, m * 8);
  const dyPtr = copyIn(dyIn);
  const xPtr = copyIn(xIn);
  const dxPtr = alloc(n * m * 4);
  const meanPtr = put(cache.mean);
  const invPtr = put(cache.invStd);
  const gammaPtr = put(cache.gamma);
  const dgPtr = alloc(m * 8);
  const dbPtr = alloc(m * 8);
  check(op, wasm().batchNormBackward(dyPtr, xPtr, dxPtr, n, m, meanPtr, invPtr, gammaPtr, dgPtr, dbPtr), 'row', NON_FINITE);
  const dGamma = Float32Array.from(f64(dgPtr, m)), dBeta = Float32Array.from(f64(dbPtr, m));
  checkResult(op, 'dGamma', dGamma);
  checkResult(op, 'dBeta', dBeta);
  checkResult(op, 'dx', f32(dxPtr, n * m));
  return { dx: take(dxPtr, n * m, out, outAt), dGamma, dBeta };
}
