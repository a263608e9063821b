import { TStarError, type TStarWarning } from './errors.js';
import { wasm } from './load.js';
import { alloc, arenaReset, check, f64, put } from './memory.js';
import { oneIndexedWarning } from './diagnostics.js';
import { fitInputs, fitTemperature } from './temperature.js';
import { checkInteger, checkLabels, checkMatrix, checkNumber, checkOptions, checkPositive, checkTargets, describe, typeName, type Shape2D } from './validate.js';

// --- vector scaling (Guo et al. 2017): softmax(scale ⊙ logits + bias), one scale and bias per class ---

/** A fitted vector scaling: calibrated logits = scale ⊙ logits + bias (per class); 1/scale is a per-class temperature. */
export interface VectorScaling {
  scale: number[];
  bias: number[];
}

/** Sums over rows of the vector-scaling NLL and its gradient; shards at the same parameters add up. */
export interface VectorScalingObjective {
  nllSum: number;
  gradScale: Float64Array;
  gradBias: Float64Array;
  count: number;
  /** Rows whose label has the largest scaled logit; all of them means the parameters separate the data. */
  separated: number;
}

export interface FitVectorScalingOptions {
  /** 'logits' (default) or 'probabilities' (read through their logarithms; see probabilitiesToLogits). */
  inputs?: 'logits' | 'probabilities';
  /** Starting point: 'temperature' (default: the fitted temperature, scale 1/T and bias 0) or given parameters. */
  initial?: 'temperature' | VectorScaling;
  /** λ ≥ 0 adds λ/2 · Σ_j ((scale_j − s₀)² + bias_j²) to the mean NLL, s₀ the starting scale (shrinks toward temperature scaling). Default 0. */
  regularization?: number;
  /** Stop when every component of the mean gradient is at most this. Default 1e-5. */
  tolerance?: number;
  /** Most objective evaluations (WASM passes). Default 500. */
  maxEvaluations?: number;
}

export interface VectorScalingFit extends VectorScaling {
  /** 1 / scale per class. */
  temperatures: number[];
  /** Mean NLL of the logits as they are (scale 1, bias 0) … */
  nllBefore: number;
  /** … and after the fit (without the regularization term). */
  nllAfter: number;
  /** Objective evaluations, the temperature fit's included. */
  evaluations: number;
  converged: boolean;
  /**
   * W_SEPARATED (the scaled logits rank every label first: no finite optimum), W_AT_BOUND (a scale or bias ran past
   * 1e4 / 1e6), W_NOT_CONVERGED (maxEvaluations ran out), and the input warnings.
   */
  warnings: TStarWarning[];
}

export type VectorScalingObjectiveFn = (scaling: VectorScaling) => VectorScalingObjective;

interface Evaluation {
  f: number;
  g: Float64Array;
}

interface Minimum {
  x: Float64Array;
  f: number;
  g: Float64Array;
  evaluations: number;
  converged: boolean;
  /** Why it stopped when not converged. */
  reason?: 'evaluations' | 'diverged';
}

/**
 * Limited-memory BFGS (Nocedal 1980) as a coroutine: yields each point to evaluate, receives f and ∇f there.
 * Backtracking (Armijo) line search; a pair with s·y ≤ 0 is skipped so the inverse Hessian stays positive.
 * At the f32 noise floor a line search that cannot decrease f ends the search as converged when ‖∇f‖∞ is small.
 */
function* lbfgs(x0: Float64Array, tolerance: number, maxEvaluations: number, bound: (x: Float64Array) => boolean): Generator<Float64Array, Minimum, Evaluation> {
  const m = 10;
  let x = x0;
  let { f, g } = yield x;
  let evaluations = 1;
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
  const norm = (a: Float64Array) => a.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
  for (;;) {
    if (norm(g) <= tolerance) return { x, f, g, evaluations, converged: true };
    if (bound(x)) return { x, f, g, evaluations, converged: false, reason: 'diverged' };
    // Two-loop recursion: d = −H·g.
    const d = Float64Array.from(g, (v) => -v);
    const alpha: number[] = [];
    for (let i = S.length - 1; i >= 0; i--) {
      alpha[i] = rho[i] * dot(S[i], d);
      for (let j = 0; j < d.length; j++) d[j] -= alpha[i] * Y[i][j];
    }
    const gamma = S.length ? dot(S[S.length - 1], Y[S.length - 1]) / dot(Y[S.length - 1], Y[S.length - 1]) : 1 / Math.max(1, norm(g));
    for (let j = 0; j < d.length; j++) d[j] *= gamma;
    for (let i = 0; i < S.length; i++) {
      const beta = rho[i] * dot(Y[i], d);
      for (let j = 0; j < d.length; j++) d[j] += S[i][j] * (alpha[i] - beta);
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      S.length = Y.length = rho.length = 0;
      for (let j = 0; j < d.length; j++) d[j] = -g[j] / Math.max(1, norm(g));
      slope = dot(g, d);
    }
    let t = 1, accepted: (Evaluation & { x: Float64Array }) | undefined;
    for (let tries = 0; tries < 40; tries++) {
      if (evaluations >= maxEvaluations) return { x, f, g, evaluations, converged: false, reason: 'evaluations' };
      const xn = Float64Array.from(x, (v, j) => v + t * d[j]);
      const e = yield xn;
      evaluations++;
      if (Number.isFinite(e.f) && e.f <= f + 1e-4 * t * slope) {
        accepted = { ...e, x: xn };
        break;
      }
      t *= 0.5;
    }
    if (!accepted) return { x, f, g, evaluations, converged: norm(g) <= Math.max(1e-3, tolerance), reason: 'evaluations' };
    const s = Float64Array.from(accepted.x, (v, j) => v - x[j]);
    const y = Float64Array.from(accepted.g, (v, j) => v - g[j]);
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    ({ x, f, g } = accepted);
  }
}

function checkScaling(op: string, v: unknown, classes: number): VectorScaling {
  const s = v as VectorScaling;
  const ok = s !== null && typeof s === 'object' && Array.isArray(s.scale) && Array.isArray(s.bias) && s.scale.length === classes && s.bias.length === classes &&
    [...s.scale, ...s.bias].every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!ok) throw new TStarError('E_ARGUMENT', `${op}: vector scaling must be { scale, bias } of ${classes} finite numbers each, got ${describe(v)}`);
  return s;
}

function checkVectorObjective(op: string, v: unknown, classes: number): VectorScalingObjective {
  const o = v as VectorScalingObjective;
  const ok = o !== null && typeof o === 'object' && typeof o.nllSum === 'number' && o.gradScale instanceof Float64Array && o.gradBias instanceof Float64Array &&
    o.gradScale.length === classes && o.gradBias.length === classes && typeof o.count === 'number';
  if (!ok) throw new TStarError('E_ARGUMENT', `${op}: the objective must return { nllSum, gradScale, gradBias, count } for ${classes} classes, got ${typeName(v)}`);
  if (!Number.isSafeInteger(o.count) || o.count < 1) throw new TStarError('E_EMPTY', `${op}: the objective covers ${o.count} rows; a fit needs at least one`);
  if (!Number.isFinite(o.nllSum)) throw new TStarError('E_NONFINITE', `${op}: the objective is not finite (nllSum ${o.nllSum})`);
  return o;
}

/** Copies logits and labels in once; the returned function evaluates the objective at any parameters. */
function vectorArena(op: string, logits: Float32Array, rows: number, cols: number, labels: Int32Array): VectorScalingObjectiveFn {
  const scratchBytes = Math.ceil(cols / 2) * 16 + Math.ceil(cols / 4) * 16;
  arenaReset(logits.byteLength, labels.byteLength, cols * 8, cols * 8, scratchBytes, cols * 16, 16);
  const xPtr = put(logits);
  const yPtr = put(labels);
  const wPtr = alloc(cols * 8), bPtr = alloc(cols * 8);
  const scratch = alloc(scratchBytes);
  const gradPtr = alloc(cols * 16), outPtr = alloc(16);
  const kernel = wasm().vectorScalingObjective;
  return ({ scale, bias }) => {
    f64(wPtr, cols).set(scale);
    f64(bPtr, cols).set(bias);
    check(op, kernel(xPtr, yPtr, rows, cols, wPtr, bPtr, scratch, gradPtr, outPtr));
    const g = f64(gradPtr, 2 * cols);
    const [nllSum, separated] = f64(outPtr, 2);
    return { nllSum, gradScale: g.slice(0, cols), gradBias: g.slice(cols), count: rows, separated };
  };
}

/**
 * Sums over rows of the NLL of `softmax(scale ⊙ logits + bias)` and its analytic gradient
 * (∂/∂scale_j = Σ (p_j − [j = y])·x_j, ∂/∂bias_j = Σ (p_j − [j = y])). Add shards' sums
 * ({@link mergeVectorScalingObjectives}) to fit over data spread across workers. −Infinity logits are masks.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_ARGUMENT (parameters), E_LABEL, E_NONFINITE, E_MASKED
 * @example vectorScalingObjective(logits, [n, 10], labels, { scale: new Array(10).fill(1), bias: new Array(10).fill(0) }).nllSum
 */
export function vectorScalingObjective(logits: Float32Array, shape: Shape2D, labels: Int32Array, scaling: VectorScaling): VectorScalingObjective {
  const op = 'vectorScalingObjective';
  const [rows, cols] = checkMatrix(op, 'logits', logits, shape);
  checkLabels(op, labels, rows, cols);
  const s = checkScaling(op, scaling, cols);
  if (rows === 0) return { nllSum: 0, gradScale: new Float64Array(cols), gradBias: new Float64Array(cols), count: 0, separated: 0 };
  return vectorArena(op, logits, rows, cols, labels)(s);
}

/**
 * Adds per-shard vector-scaling objectives taken at the same parameters.
 * @throws {TStarError} E_ARGUMENT (not an array of objectives of one class count), E_EMPTY (no parts)
 * @example mergeVectorScalingObjectives(await pool.map('vectorScalingObjective', shards.map((s) => [s.logits, s.shape, s.labels, scaling])))
 */
export function mergeVectorScalingObjectives(parts: readonly VectorScalingObjective[]): VectorScalingObjective {
  const op = 'mergeVectorScalingObjectives';
  if (!Array.isArray(parts) || parts.length === 0) throw new TStarError(Array.isArray(parts) ? 'E_EMPTY' : 'E_ARGUMENT', `${op}: expected a non-empty array of objectives, got ${describe(parts)}`);
  const k = (parts[0] as VectorScalingObjective)?.gradScale?.length;
  const total = { nllSum: 0, gradScale: new Float64Array(k), gradBias: new Float64Array(k), count: 0, separated: 0 };
  for (const [i, part] of parts.entries()) {
    if (!(part?.gradScale instanceof Float64Array) || !(part.gradBias instanceof Float64Array) || part.gradScale.length !== k || part.gradBias.length !== k || typeof part.nllSum !== 'number' || typeof part.count !== 'number') {
      throw new TStarError('E_ARGUMENT', `${op}: parts[${i}] is not a vector-scaling objective over ${k} classes, got ${typeName(part)}`);
    }
    total.nllSum += part.nllSum;
    total.count += part.count;
    total.separated += part.separated ?? 0;
    for (let j = 0; j < k; j++) {
      total.gradScale[j] += part.gradScale[j];
      total.gradBias[j] += part.gradBias[j];
    }
  }
  return total;
}

interface VectorSettings {
  regularization: number;
  tolerance: number;
  maxEvaluations: number;
}

function vectorSettings(op: string, options: FitVectorScalingOptions): VectorSettings {
  checkOptions(op, options);
  return {
    regularization: checkNumber(op, 'regularization', options.regularization ?? 0, 0, 1e12),
    tolerance: checkPositive(op, 'tolerance', options.tolerance ?? 1e-5),
    maxEvaluations: checkInteger(op, 'maxEvaluations', options.maxEvaluations, 500, 2),
  };
}

// Past these the fit is chasing a separated class, not a calibration.
const SCALE_LIMIT = 1e4;
const BIAS_LIMIT = 1e6;

/** The vector-scaling search as a coroutine over parameters (mean NLL + regularization, analytic gradient). */
function* vectorSearch(op: string, classes: number, start: VectorScaling, s: VectorSettings, before: number | undefined, extra: number): Generator<VectorScaling, VectorScalingFit, VectorScalingObjective> {
  const k = classes;
  const s0 = start.scale.reduce((a, b) => a + b, 0) / k;
  let nllBefore = before;
  if (nllBefore === undefined) {
    const o = checkVectorObjective(op, yield { scale: new Array(k).fill(1), bias: new Array(k).fill(0) }, k);
    nllBefore = o.nllSum / o.count;
    extra++;
  }
  const unpack = (x: Float64Array): VectorScaling => ({ scale: Array.from(x.subarray(0, k)), bias: Array.from(x.subarray(k)) });
  const bound = (x: Float64Array) => x.some((v, j) => Math.abs(v) > (j < k ? SCALE_LIMIT : BIAS_LIMIT));
  const x0 = Float64Array.from([...start.scale, ...start.bias]);
  const search = lbfgs(x0, s.tolerance, s.maxEvaluations - extra, bound);
  let nll = NaN;
  // Whether the data were separated at each point the search accepted last (tracked per evaluation).
  const separatedAt = new Map<Float64Array, boolean>();
  let step = search.next();
  while (!step.done) {
    const o = checkVectorObjective(op, yield unpack(step.value), k);
    separatedAt.set(step.value, o.separated === o.count);
    const x = step.value;
    let f = o.nllSum / o.count;
    nll = f;
    const g = new Float64Array(2 * k);
    for (let j = 0; j < k; j++) {
      g[j] = o.gradScale[j] / o.count + s.regularization * (x[j] - s0);
      g[k + j] = o.gradBias[j] / o.count + s.regularization * x[k + j];
      f += (s.regularization / 2) * ((x[j] - s0) ** 2 + x[k + j] ** 2);
    }
    step = search.next({ f, g });
  }
  const best = step.value;
  // Bias is defined up to a constant (softmax ignores it): report the one with mean 0.
  const p = unpack(best.x);
  const mean = p.bias.reduce((a, b) => a + b, 0) / k;
  p.bias = p.bias.map((b) => b - mean);
  if (s.regularization === 0) nll = best.f;
  else nll = best.f - (s.regularization / 2) * p.scale.reduce((a, v, j) => a + (v - s0) ** 2 + p.bias[j] ** 2, 0);
  const warnings: TStarWarning[] = [];
  // With regularization the optimum is finite even on separated data.
  const separated = s.regularization === 0 && (separatedAt.get(best.x) ?? false);
  if (separated) {
    warnings.push({ code: 'W_SEPARATED', message: `${op}: every label has the top scaled logit: the NLL keeps falling as the scales grow, so there is no finite optimum; add regularization` });
  } else if (best.reason === 'diverged') {
    warnings.push({ code: 'W_AT_BOUND', message: `${op}: a class's scale or bias ran past ${SCALE_LIMIT} / ${BIAS_LIMIT}: its logits separate it, so its optimum is at infinity; add regularization` });
  } else if (!best.converged) {
    warnings.push({ code: 'W_NOT_CONVERGED', message: `${op}: stopped after maxEvaluations = ${s.maxEvaluations} with the largest gradient component ${Math.max(...best.g.map(Math.abs)).toExponential(2)}` });
  }
  return { ...p, temperatures: p.scale.map((v) => 1 / v), nllBefore, nllAfter: nll, evaluations: best.evaluations + extra, converged: best.converged && !separated, warnings };
}

/**
 * Vector scaling (Guo et al. 2017): per-class scale and bias minimising the mean NLL of
 * `softmax(scale ⊙ logits + bias)`, by L-BFGS with the analytic gradient from one WASM pass per evaluation,
 * started at the fitted temperature. 2K parameters: on few rows per class it overfits — compare held-out NLL
 * (calibrate does) or set `regularization`.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_EMPTY, E_ARGUMENT (options, initial), E_LABEL, E_NONFINITE, E_MASKED
 * @example const { scale, bias } = fitVectorScaling(logits, [n, 10], labels);
 */
export function fitVectorScaling(logits: Float32Array, shape: Shape2D, labels: Int32Array, options: FitVectorScalingOptions = {}): VectorScalingFit {
  const op = 'fitVectorScaling';
  const [rows, cols] = checkMatrix(op, 'logits', logits, shape);
  checkLabels(op, labels, rows, cols);
  const s = vectorSettings(op, options);
  if (rows === 0) throw new TStarError('E_EMPTY', `${op}: logits have no rows to fit on`);
  const { x, warnings } = fitInputs(op, logits, rows, cols, options.inputs, false);
  warnings.push(...oneIndexedWarning(op, x, rows, cols, labels));
  let start: VectorScaling, extra = 0;
  if (options.initial === undefined || options.initial === 'temperature') {
    const t = fitTemperature(x, [rows, cols], labels);
    start = { scale: new Array(cols).fill(1 / t.temperature), bias: new Array(cols).fill(0) };
    extra = t.evaluations;
  } else {
    start = checkScaling(op, options.initial, cols);
  }
  const objective = vectorArena(op, x, rows, cols, labels);
  const search = vectorSearch(op, cols, start, s, undefined, extra);
  let step = search.next();
  while (!step.done) step = search.next(objective(step.value));
  return { ...step.value, warnings: [...warnings, ...step.value.warnings] };
}

export interface FitVectorScalingWithOptions extends Omit<FitVectorScalingOptions, 'inputs' | 'initial'> {
  /** Starting point. Default scale 1, bias 0. */
  initial?: VectorScaling;
}

/**
 * Vector scaling from an objective you evaluate yourself — typically the sum of {@link vectorScalingObjective}
 * over shards ({@link fitVectorScalingWithAsync} for asynchronous ones). Same search as fitVectorScaling.
 * @throws {TStarError} E_ARGUMENT, E_EMPTY, E_NONFINITE
 * @example fitVectorScalingWith((p) => mergeVectorScalingObjectives(shards.map((s) => vectorScalingObjective(s.logits, s.shape, s.labels, p))), 10)
 */
export function fitVectorScalingWith(objective: VectorScalingObjectiveFn, classes: number, options: FitVectorScalingWithOptions = {}): VectorScalingFit {
  const op = 'fitVectorScalingWith';
  const steps = vectorWith(op, objective, classes, options);
  let step = steps.next();
  while (!step.done) step = steps.next(objective(step.value));
  return step.value;
}

/**
 * {@link fitVectorScalingWith} for an objective that answers asynchronously (worker pools, remote shards).
 * @throws {TStarError} (as a rejection) E_ARGUMENT, E_EMPTY, E_NONFINITE, or what the objective throws
 * @example await fitVectorScalingWithAsync(async (p) => mergeVectorScalingObjectives(await pool.map('vectorScalingObjective', shards.map((s) => [...s, p]))), 10)
 */
export async function fitVectorScalingWithAsync(
  objective: (scaling: VectorScaling) => VectorScalingObjective | PromiseLike<VectorScalingObjective>, classes: number, options: FitVectorScalingWithOptions = {},
): Promise<VectorScalingFit> {
  const op = 'fitVectorScalingWithAsync';
  const steps = vectorWith(op, objective, classes, options);
  let step = steps.next();
  while (!step.done) step = steps.next(await objective(step.value));
  return step.value;
}

function vectorWith(op: string, objective: unknown, classes: number, options: FitVectorScalingWithOptions): Generator<VectorScaling, VectorScalingFit, VectorScalingObjective> {
  if (typeof objective !== 'function') throw new TStarError('E_ARGUMENT', `${op}: objective must be a function of { scale, bias }, got ${typeof objective}`);
  const k = checkInteger(op, 'classes', classes, undefined, 1);
  const s = vectorSettings(op, options);
  const start = options.initial === undefined ? { scale: new Array(k).fill(1), bias: new Array(k).fill(0) } : checkScaling(op, options.initial, k);
  return vectorSearch(op, k, start, s, undefined, 0);
}

/**
 * Applies a vector scaling: `scale ⊙ logits + bias` per row (softmax them for the calibrated probabilities).
 * −Infinity logits stay masks.
 * @throws {TStarError} E_SHAPE, E_DTYPE, E_ARGUMENT (parameters not of the column count)
 * @example softmax(applyVectorScaling(logits, [n, 10], fit), [n, 10])
 */
export function applyVectorScaling(logits: Float32Array, shape: Shape2D, scaling: VectorScaling, options: { out?: Float32Array } = {}): Float32Array {
  const op = 'applyVectorScaling';
  const [rows, cols] = checkMatrix(op, 'logits', logits, shape);
  const { scale, bias } = checkScaling(op, scaling, cols);
  const out = options.out ?? new Float32Array(rows * cols);
  if (out.length !== rows * cols || !(out instanceof Float32Array)) throw new TStarError('E_SHAPE', `${op}: out must be a Float32Array of ${rows * cols}`);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const v = logits[r * cols + j];
      out[r * cols + j] = v === -Infinity ? -Infinity : scale[j] * v + bias[j];
    }
  }
  return out;
}

// --- Platt scaling (Platt 1999): sigmoid(scale · z + bias) for a single-logit binary head ---

export interface PlattScaling {
  scale: number;
  bias: number;
}

/** Sums over rows of the Platt NLL, its gradient and Hessian in (scale, bias); shards at the same parameters add up. */
export interface PlattObjective {
  nllSum: number;
  /** [∂/∂scale, ∂/∂bias] */
  grad: [number, number];
  /** [∂²/∂scale², ∂²/∂scale∂bias, ∂²/∂bias²] */
  hessian: [number, number, number];
  count: number;
  /** Rows on the wrong side of scale·z + bias = 0; none means the labels are separated (no finite optimum for 0/1 targets). */
  misclassified: number;
}

export interface PlattObjectiveOptions extends PlattScaling {
  /** Targets of label 1 and label 0. Default { positive: 1, negative: 0 }. */
  targets?: { positive: number; negative: number };
}

export interface FitPlattOptions {
  /** 'logits' (default) or 'probabilities' (sigmoid outputs, read as their logits ln p − ln(1 − p)). */
  inputs?: 'logits' | 'probabilities';
  /** 'labels' (default): targets 0 and 1. 'platt': Platt's (N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2), which keep a separable set finite. */
  targets?: 'labels' | 'platt';
  /** Stop when both gradient components of the mean NLL are at most this. Default 1e-9. */
  tolerance?: number;
  /** Most objective evaluations. Default 100. */
  maxEvaluations?: number;
}

export interface PlattFit extends PlattScaling {
  /** Mean NLL of sigmoid(z) as given (scale 1, bias 0), against the fit's targets … */
  nllBefore: number;
  /** … and of sigmoid(scale·z + bias). */
  nllAfter: number;
  evaluations: number;
  converged: boolean;
  /** W_NOT_CONVERGED, W_SEPARATED (the labels are separated: the optimum is at infinite scale), and the input warnings. */
  warnings: TStarWarning[];
  /** The targets used for label 1 and label 0. */
  targets: { positive: number; negative: number };
}

export type PlattObjectiveFn = (scaling: PlattScaling) => PlattObjective;

function checkBinary(op: string, logits: Float32Array, shape: Shape2D, labels: Int32Array): number {
  const [rows, cols] = checkMatrix(op, 'logits', logits, shape);
  if (cols !== 1) throw new TStarError('E_SHAPE', `${op}: Platt scaling takes a single-logit binary head [n, 1], got [${rows}, ${cols}] (multi-label heads: fitSigmoidTemperature with perLabel)`);
  checkTargets(op, labels, rows, 1);
  return rows;
}

function plattArena(op: string, logits: Float32Array, labels: Int32Array, targets: { positive: number; negative: number }): PlattObjectiveFn {
  const n = logits.length;
  arenaReset(logits.byteLength, labels.byteLength, 56);
  const zPtr = put(logits), yPtr = put(labels), outPtr = alloc(56);
  const kernel = wasm().plattObjective;
  return ({ scale, bias }) => {
    check(op, kernel(zPtr, yPtr, n, scale, bias, targets.positive, targets.negative, outPtr));
    const o = f64(outPtr, 7);
    return { nllSum: o[0], grad: [o[1], o[2]], hessian: [o[3], o[4], o[5]], count: n, misclassified: o[6] };
  };
}

function checkTargetValues(op: string, t: unknown): { positive: number; negative: number } {
  const v = (t ?? { positive: 1, negative: 0 }) as { positive: number; negative: number };
  if (typeof v !== 'object' || v === null) throw new TStarError('E_ARGUMENT', `${op}: targets must be { positive, negative }, got ${typeName(t)}`);
  return { positive: checkNumber(op, 'targets.positive', v.positive, 0, 1), negative: checkNumber(op, 'targets.negative', v.negative, 0, 1) };
}

/**
 * Sums over rows of the NLL of `sigmoid(scale·z + bias)` against 0/1 labels (or smoothed targets), with the
 * analytic gradient and Hessian; shards at the same parameters add up ({@link mergePlattObjectives}).
 * @throws {TStarError} E_INIT, E_SHAPE (not [n, 1]), E_DTYPE, E_LABEL (not 0/1), E_NONFINITE, E_ARGUMENT
 * @example plattObjective(logits, [n, 1], labels, { scale: 1, bias: 0 }).nllSum
 */
export function plattObjective(logits: Float32Array, shape: Shape2D, labels: Int32Array, options: PlattObjectiveOptions): PlattObjective {
  const op = 'plattObjective';
  const n = checkBinary(op, logits, shape, labels);
  if (options === null || typeof options !== 'object') throw new TStarError('E_ARGUMENT', `${op}: options { scale, bias } are required, got ${typeName(options)}`);
  const p = { scale: checkNumber(op, 'scale', options.scale, -1e300, 1e300), bias: checkNumber(op, 'bias', options.bias, -1e300, 1e300) };
  const targets = checkTargetValues(op, options.targets);
  if (n === 0) return { nllSum: 0, grad: [0, 0], hessian: [0, 0, 0], count: 0, misclassified: 0 };
  return plattArena(op, logits, labels, targets)(p);
}

/**
 * Adds per-shard Platt objectives taken at the same parameters and targets.
 * @throws {TStarError} E_ARGUMENT, E_EMPTY
 * @example mergePlattObjectives(parts)
 */
export function mergePlattObjectives(parts: readonly PlattObjective[]): PlattObjective {
  const op = 'mergePlattObjectives';
  if (!Array.isArray(parts) || parts.length === 0) throw new TStarError(Array.isArray(parts) ? 'E_EMPTY' : 'E_ARGUMENT', `${op}: expected a non-empty array of objectives, got ${describe(parts)}`);
  const total: PlattObjective = { nllSum: 0, grad: [0, 0], hessian: [0, 0, 0], count: 0, misclassified: 0 };
  for (const [i, p] of parts.entries()) {
    if (!(p && typeof p.nllSum === 'number' && Array.isArray(p.grad) && p.grad.length === 2 && Array.isArray(p.hessian) && p.hessian.length === 3 && typeof p.count === 'number')) {
      throw new TStarError('E_ARGUMENT', `${op}: parts[${i}] is not a Platt objective, got ${typeName(p)}`);
    }
    total.nllSum += p.nllSum;
    total.count += p.count;
    total.misclassified += p.misclassified ?? 0;
    total.grad = [total.grad[0] + p.grad[0], total.grad[1] + p.grad[1]];
    total.hessian = [total.hessian[0] + p.hessian[0], total.hessian[1] + p.hessian[1], total.hessian[2] + p.hessian[2]];
  }
  return total;
}

interface PlattSettings {
  tolerance: number;
  maxEvaluations: number;
}

/**
 * Damped Newton on (scale, bias): the NLL is convex in them (a logistic regression on z), so a Newton step with
 * backtracking converges in a handful of passes. Starts at the identity (1, 0).
 */
function* plattSearch(op: string, s: PlattSettings, targets: { positive: number; negative: number }): Generator<PlattScaling, PlattFit, PlattObjective> {
  const hard = targets.positive === 1 && targets.negative === 0;
  let p: PlattScaling = { scale: 1, bias: 0 };
  let o = checkPlatt(op, yield p);
  let evaluations = 1;
  const nllBefore = o.nllSum / o.count;
  const done = (converged: boolean, warning?: TStarWarning): PlattFit =>
    ({ ...p, nllBefore, nllAfter: o.nllSum / o.count, evaluations, converged, warnings: warning ? [warning] : [], targets });
  for (;;) {
    const n = o.count;
    const [ga, gb] = [o.grad[0] / n, o.grad[1] / n];
    const [haa, hab, hbb] = [o.hessian[0] / n, o.hessian[1] / n, o.hessian[2] / n];
    // Hard targets that one line separates have no finite optimum: the NLL falls as the scale grows.
    if ((o.misclassified === 0 && hard) || Math.abs(p.scale) > 1e8) {
      return done(false, { code: 'W_SEPARATED', message: `${op}: scale·z + bias = 0 separates the labels (at scale ${p.scale.toPrecision(3)}, bias ${p.bias.toPrecision(3)}): the optimum is at infinite scale; use targets: 'platt'` });
    }
    if (Math.max(Math.abs(ga), Math.abs(gb)) <= s.tolerance) return done(true);
    // Solve H·d = −g; a tiny ridge keeps a flat direction (all z equal) solvable.
    const ridge = 1e-12 * (haa + hbb) + 1e-300;
    const det = (haa + ridge) * (hbb + ridge) - hab * hab;
    let da = -((hbb + ridge) * ga - hab * gb) / det;
    let db = -((haa + ridge) * gb - hab * ga) / det;
    if (!Number.isFinite(da) || !Number.isFinite(db) || ga * da + gb * db >= 0) {
      da = -ga;
      db = -gb;
    }
    const f = o.nllSum / n, slope = ga * da + gb * db;
    // Newton decrement λ²/2 = −g·d/2 bounds what the step can still gain (Boyd & Vandenberghe 9.5.1); below the
    // f64 resolution of f there is nothing left to find.
    if (-slope / 2 <= 1e-15 * Math.max(1, f)) {
      // The Newton step is exact to f64 here but its decrease is below f's resolution: take it unchecked.
      if (evaluations < s.maxEvaluations) {
        p = { scale: p.scale + da, bias: p.bias + db };
        o = checkPlatt(op, yield p);
        evaluations++;
      }
      return done(true);
    }
    let t = 1, next: { p: PlattScaling; o: PlattObjective } | undefined;
    for (let tries = 0; tries < 50 && evaluations < s.maxEvaluations; tries++) {
      const q = { scale: p.scale + t * da, bias: p.bias + t * db };
      const e = checkPlatt(op, yield q);
      evaluations++;
      if (e.nllSum / e.count <= f + 1e-4 * t * slope) {
        next = { p: q, o: e };
        break;
      }
      t *= 0.5;
    }
    if (!next) {
      // No decrease left: the f64 noise floor of a converged fit, or the evaluation budget.
      const floor = Math.max(Math.abs(ga), Math.abs(gb)) <= Math.max(1e-6, s.tolerance);
      return done(floor, floor ? undefined : { code: 'W_NOT_CONVERGED', message: `${op}: stopped after ${evaluations} evaluations without converging` });
    }
    ({ p, o } = next);
  }
}

function checkPlatt(op: string, v: unknown): PlattObjective {
  const o = v as PlattObjective;
  if (!(o && typeof o.nllSum === 'number' && Array.isArray(o.grad) && Array.isArray(o.hessian) && typeof o.count === 'number')) {
    throw new TStarError('E_ARGUMENT', `${op}: the objective must return { nllSum, grad, hessian, count }, got ${typeName(v)}`);
  }
  if (!Number.isSafeInteger(o.count) || o.count < 1) throw new TStarError('E_EMPTY', `${op}: the objective covers ${o.count} rows; a fit needs at least one`);
  if (![o.nllSum, ...o.grad, ...o.hessian].every(Number.isFinite)) throw new TStarError('E_NONFINITE', `${op}: the objective is not finite`);
  return o;
}

function plattSettings(op: string, options: { tolerance?: number; maxEvaluations?: number }): PlattSettings {
  checkOptions(op, options);
  return { tolerance: checkPositive(op, 'tolerance', options.tolerance ?? 1e-9), maxEvaluations: checkInteger(op, 'maxEvaluations', options.maxEvaluations, 100, 1) };
}

/**
 * Platt scaling (Platt 1999) of a single-logit binary head `[n, 1]`: the scale and bias minimising the mean NLL
 * of `sigmoid(scale·z + bias)` at the 0/1 labels — a logistic regression on the logit, by Newton's method with
 * the analytic gradient and Hessian from one WASM pass per evaluation.
 * @throws {TStarError} E_INIT, E_SHAPE (not [n, 1]), E_DTYPE, E_EMPTY, E_LABEL (labels not 0/1: multi-class labels need a softmax head), E_NONFINITE, E_ARGUMENT
 * @example const { scale, bias } = fitPlatt(logits, [n, 1], labels);
 */
export function fitPlatt(logits: Float32Array, shape: Shape2D, labels: Int32Array, options: FitPlattOptions = {}): PlattFit {
  const op = 'fitPlatt';
  const n = checkBinary(op, logits, shape, labels);
  const s = plattSettings(op, options);
  if (n === 0) throw new TStarError('E_EMPTY', `${op}: logits have no rows to fit on`);
  const kind = options.targets ?? 'labels';
  if (kind !== 'labels' && kind !== 'platt') throw new TStarError('E_ARGUMENT', `${op}: targets must be 'labels' or 'platt', got ${describe(kind)}`);
  let positives = 0;
  for (const y of labels) positives += y;
  const targets = kind === 'platt' ? { positive: (positives + 1) / (positives + 2), negative: 1 / (n - positives + 2) } : { positive: 1, negative: 0 };
  const { x, warnings } = fitInputs(op, logits, n, 1, options.inputs, true);
  const objective = plattArena(op, x, labels, targets);
  const search = plattSearch(op, s, targets);
  let step = search.next();
  while (!step.done) step = search.next(objective(step.value));
  return { ...step.value, warnings: [...warnings, ...step.value.warnings] };
}

/**
 * Platt scaling from an objective you evaluate yourself (the sum of {@link plattObjective} over shards, all at the
 * same `targets`); {@link fitPlattWithAsync} for asynchronous ones.
 * @throws {TStarError} E_ARGUMENT, E_EMPTY, E_NONFINITE
 * @example fitPlattWith((p) => mergePlattObjectives(shards.map((s) => plattObjective(s.logits, s.shape, s.labels, p))))
 */
export function fitPlattWith(objective: PlattObjectiveFn, options: Omit<FitPlattOptions, 'inputs' | 'targets'> & { targets?: { positive: number; negative: number } } = {}): PlattFit {
  const op = 'fitPlattWith';
  if (typeof objective !== 'function') throw new TStarError('E_ARGUMENT', `${op}: objective must be a function of { scale, bias }, got ${typeof objective}`);
  const search = plattSearch(op, plattSettings(op, options), checkTargetValues(op, options.targets));
  let step = search.next();
  while (!step.done) step = search.next(objective(step.value));
  return step.value;
}

/**
 * {@link fitPlattWith} for an objective that answers asynchronously.
 * @throws {TStarError} (as a rejection) E_ARGUMENT, E_EMPTY, E_NONFINITE, or what the objective throws
 * @example await fitPlattWithAsync(async (p) => mergePlattObjectives(await pool.map('plattObjective', shards.map((s) => [...s, p]))))
 */
export async function fitPlattWithAsync(
  objective: (scaling: PlattScaling) => PlattObjective | PromiseLike<PlattObjective>,
  options: Omit<FitPlattOptions, 'inputs' | 'targets'> & { targets?: { positive: number; negative: number } } = {},
): Promise<PlattFit> {
  const op = 'fitPlattWithAsync';
  if (typeof objective !== 'function') throw new TStarError('E_ARGUMENT', `${op}: objective must be a function of { scale, bias }, got ${typeof objective}`);
  const search = plattSearch(op, plattSettings(op, options), checkTargetValues(op, options.targets));
  let step = search.next();
  while (!step.done) step = search.next(await objective(step.value));
  return step.value;
}

