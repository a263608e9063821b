import { TStarError } from './errors.js';
import { wasm } from './load.js';
import { alloc, arenaReset, check, f64, i32, put } from './memory.js';
import { checkInteger, checkLabels, checkMatrix, checkOptions, checkTemperature, type Shape2D } from './validate.js';

export interface CalibrationOptions {
  /** What the matrix holds: 'logits' (default; softmax is applied) or 'probabilities' (rows summing to 1). */
  inputs?: 'logits' | 'probabilities';
  /** Divides the logits before the softmax; finite and > 0. Default 1. Logits only. */
  temperature?: number;
  /** Number of equal-width confidence bins on [0, 1], in [1, 1e6]. Default 15 (Guo et al. 2017). */
  binCount?: number;
  /** Probabilities only: how far a row sum may stray from 1, and an entry above 1. Default 1e-3. */
  sumTolerance?: number;
}

/** One reliability bin: confidences in (lower, upper] (the first bin also takes 0). */
export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean confidence of the bin's rows; 0 when count is 0. */
  confidence: number;
  /** Fraction of the bin's rows whose argmax is the label; 0 when count is 0. */
  accuracy: number;
}

export interface CalibrationMetrics {
  /** Fraction of rows whose first argmax equals the label. */
  accuracy: number;
  /** Mean −ln p_y (+Infinity when a probability input gives a label probability 0). */
  nll: number;
  /** Mean Σ_j (p_j − onehot_j)², in [0, 2]. */
  brier: number;
  /** Expected calibration error: Σ_b (n_b / n)·|accuracy_b − confidence_b|. */
  ece: number;
  /** Maximum calibration error over non-empty bins. */
  mce: number;
  bins: CalibrationBin[];
}

/**
 * Calibration of a classifier's softmax outputs against labels: accuracy, NLL, Brier score, and ECE / MCE over
 * equal-width confidence bins (Guo et al. 2017), where confidence is the largest probability of a row.
 * Per-row softmax, argmax, ln p_y and Brier run in one WASM pass; binning runs here.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_EMPTY (no rows), E_TEMPERATURE, E_LABEL (out of range, or on a
 * masked logit), E_NONFINITE (NaN, +Infinity, a non-finite probability), E_MASKED (a row of only −Infinity logits),
 * E_ARGUMENT (bad options, or probabilities outside [0, 1] or rows not summing to 1)
 * @example calibrationMetrics(logits, [1000, 10], labels, { temperature: fitTemperature(logits, [1000, 10], labels).temperature }).ece
 */
export function calibrationMetrics(input: Float32Array, shape: Shape2D, labels: Int32Array, options: CalibrationOptions = {}): CalibrationMetrics {
  const op = 'calibrationMetrics';
  checkOptions(op, options);
  const [rows, cols] = checkMatrix(op, 'input', input, shape);
  checkLabels(op, labels, rows, cols);
  const kind = options.inputs ?? 'logits';
  if (kind !== 'logits' && kind !== 'probabilities') throw new TStarError('E_ARGUMENT', `${op}: inputs must be 'logits' or 'probabilities', got ${String(kind)}`);
  const temperature = checkTemperature(op, options.temperature ?? 1);
  if (kind === 'probabilities' && temperature !== 1) {
    throw new TStarError('E_ARGUMENT', `${op}: temperature applies to logits; for probabilities pass their logarithms with inputs: 'logits'`);
  }
  const binCount = checkInteger(op, 'binCount', options.binCount, 15, 1, 1e6);
  const tol = options.sumTolerance ?? 1e-3;
  if (typeof tol !== 'number' || !(tol >= 0) || !(tol < 1)) throw new TStarError('E_ARGUMENT', `${op}: sumTolerance must be a number in [0, 1), got ${String(tol)}`);
  if (rows === 0) throw new TStarError('E_EMPTY', `${op}: no rows to measure`);

  arenaReset(input.byteLength, labels.byteLength, rows * 8, rows * 4, 32);
  const xPtr = put(input);
  const yPtr = put(labels);
  const confPtr = alloc(rows * 8);
  const correctPtr = alloc(rows * 4);
  const sumsPtr = alloc(32);
  const w = wasm();
  const kernel = kind === 'logits' ? w.metricsLogits : w.metricsProbabilities;
  check(op, kernel(xPtr, yPtr, rows, cols, kind === 'logits' ? 1 / temperature : tol, confPtr, correctPtr, sumsPtr));
  const [nllSum, brierSum, badRow, reason] = f64(sumsPtr, 4);
  if (kind === 'probabilities' && badRow >= 0) {
    throw new TStarError('E_ARGUMENT', reason === 1
      ? `${op}: row ${badRow} has a probability outside [0, 1]`
      : `${op}: row ${badRow} sums to ${rowSum(input, badRow, cols)}, expected 1 within ${tol}`);
  }

  const conf = f64(confPtr, rows);
  const correct = i32(correctPtr, rows);
  const count = new Float64Array(binCount), confSum = new Float64Array(binCount), hits = new Float64Array(binCount);
  let right = 0;
  for (let r = 0; r < rows; r++) {
    const b = binOf(conf[r], binCount);
    count[b]++;
    confSum[b] += conf[r];
    hits[b] += correct[r];
    right += correct[r];
  }
  const bins: CalibrationBin[] = [];
  let ece = 0, mce = 0;
  for (let b = 0; b < binCount; b++) {
    const n = count[b];
    const bin = { lower: b / binCount, upper: (b + 1) / binCount, count: n, confidence: n > 0 ? confSum[b] / n : 0, accuracy: n > 0 ? hits[b] / n : 0 };
    bins.push(bin);
    if (n === 0) continue;
    const gap = Math.abs(bin.accuracy - bin.confidence);
    ece += (n / rows) * gap;
    mce = Math.max(mce, gap);
  }
  return { accuracy: right / rows, nll: nllSum / rows, brier: brierSum / rows, ece, mce, bins };
}

/** The bin b with b/B < c ≤ (b+1)/B (c = 0 goes to bin 0), using the same edges the result reports. */
function binOf(c: number, binCount: number): number {
  let b = Math.min(binCount - 1, Math.max(0, Math.ceil(c * binCount) - 1));
  while (b > 0 && c <= b / binCount) b--;
  while (b < binCount - 1 && c > (b + 1) / binCount) b++;
  return b;
}

function rowSum(p: Float32Array, row: number, cols: number): number {
  let s = 0;
  for (let j = 0; j < cols; j++) s += p[row * cols + j];
  return s;
}
