import { TStarError, type TStarWarning } from './errors.js';
import { wasm } from './load.js';
import { alloc, arenaReset, check, f64, i32, put } from './memory.js';
import { oneIndexedWarning, probabilityWarning, saturatedWarning, uniqueWarnings } from './diagnostics.js';
import { fromConfidences, widthEdges, type CalibrationBin, type ConfidenceOptions, type ConfidenceCalibration } from './metrics-rows.js';
import {
  checkInteger, checkLabels, checkMatrix, checkNumber, checkOptions, checkTargets, checkTemperature, describe, typeName, type Shape2D,
} from './validate.js';

export type { CalibrationBin };

/** The output layer the scores come from: one softmax over the columns, or an independent sigmoid per column. */
export type CalibrationHead = 'softmax' | 'sigmoid';

export interface CalibrationSumsOptions {
  /** What the matrix holds: 'logits' (default) or 'probabilities' (softmax rows summing to 1, or sigmoid outputs in [0, 1]). */
  inputs?: 'logits' | 'probabilities';
  /**
   * 'softmax' (default): one class per row, `labels` holds class indices. 'sigmoid': every column is its own
   * binary forecast (a single-logit binary head is `[n, 1]`, a multi-label head `[n, K]`), `labels` holds one
   * 0/1 target per entry.
   */
  head?: CalibrationHead;
  /**
   * Divides the logits first; finite and > 0. Default 1. A sigmoid head also takes one per column. With
   * probabilities, softmax(ln p / T) — the probabilities read through their logarithms.
   */
  temperature?: number | readonly number[];
  /** Equal-width confidence bins on [0, 1] (also the count of equal-mass bins), in [1, 1e6]. Default 15 (Guo et al. 2017). */
  binCount?: number;
  /** 'upper' (default): bins (lower, upper], the first also takes 0. 'lower': [lower, upper), the last also takes 1 — numpy's and netcal's. */
  binEdges?: 'upper' | 'lower';
  /**
   * What a binary forecast's confidence is. 'top-label' (default): the predicted class's probability, correct
   * when the prediction is the label. 'positive': the probability of class 1 against the frequency of label 1
   * — netcal's convention for binary P[:, 1]. Softmax heads with 2 columns, or sigmoid heads.
   */
  binary?: 'top-label' | 'positive';
  /**
   * Also bin every class's probability (sigmoid: every label's): classwise ECE (Kull et al. 2019) and the
   * Brier decomposition (Murphy 1973). One more pass over the data. Default false.
   */
  classwise?: boolean;
  /** Probabilities only: how far a row sum may stray from 1, and an entry above 1. Default 1e-3. */
  sumTolerance?: number;
  /** Return every forecast's confidence and outcome (`confidences`, `correct`). Default false. */
  perRow?: boolean;
}

/**
 * Additive sufficient statistics of the calibration of one shard of rows: shards measured with the same options
 * add up ({@link mergeCalibrationSums}) to the sums of their union, and {@link calibrationFromSums} turns them
 * into metrics. Equal-mass bins, bootstraps and selective prediction need `perRow` sums (their rows are
 * concatenated in shard order).
 */
export interface CalibrationSums {
  head: CalibrationHead;
  binary: 'top-label' | 'positive';
  /** Rows of the matrix. */
  rows: number;
  /** Binary or multi-class forecasts ECE counts: rows (softmax) or rows × cols (sigmoid). */
  forecasts: number;
  /** Columns: classes (softmax) or labels (sigmoid). */
  classes: number;
  /** Top-label hits: forecasts whose predicted class is the label. */
  hits: number;
  /** Σ over rows of −ln p_y (sigmoid: of the summed binary cross-entropies of the row's labels). */
  nllSum: number;
  /** Σ over rows of Σ_j (p_j − onehot_j)² (sigmoid: Σ over the row's labels of (p − t)²). */
  brierSum: number;
  /** Probability inputs: rows (softmax) with a top probability of exactly 1, or entries (sigmoid) of exactly 0 or 1. */
  saturated: number;
  binCount: number;
  binEdges: 'upper' | 'lower';
  /** Equal-width bins: per bin the forecast count, Σ confidence and Σ correct. */
  bins: { count: number[]; confidence: number[]; correct: number[] };
  /** With `classwise`: per class and bin (class-major, `classes × binCount × 5`): n, Σp, Σp², Σo, Σp·o (o = 1 on the label). */
  classwise?: Float64Array;
  /** With `perRow`: every forecast's confidence … */
  confidences?: Float64Array;
  /** … and outcome (1 = correct, or label 1 under binary: 'positive'). */
  correct?: Uint8Array;
  warnings: TStarWarning[];
}

export interface CalibrationFromSumsOptions extends Omit<ConfidenceOptions, 'binCount' | 'binEdges'> {}

export interface CalibrationOptions extends CalibrationSumsOptions, CalibrationFromSumsOptions {}

/** Murphy's (1973) decomposition, summed over classes: brier = reliability − resolution + uncertainty + withinBin. */
export interface BrierDecomposition {
  /** Σ_j (1/n) Σ_b n_b (mean p − frequency)²: miscalibration (0 is calibrated). */
  reliability: number;
  /** Σ_j (1/n) Σ_b n_b (frequency − base rate)²: how much the forecasts separate outcomes (higher is better). */
  resolution: number;
  /** Σ_j base rate·(1 − base rate): the score of always forecasting the base rates. */
  uncertainty: number;
  /** The within-bin variance minus twice the within-bin covariance of forecasts and outcomes (Stephenson et al. 2008); 0 when every bin holds one forecast value. */
  withinBin: number;
}

export interface ClasswiseCalibration {
  /** Mean over classes of each class's ECE over its equal-width bins (Kull et al. 2019). */
  ece: number;
  /** Each class's (sigmoid: label's) ECE. */
  perClass: number[];
}

export interface CalibrationMetrics extends ConfidenceCalibration {
  /** Fraction of forecasts whose prediction is the label (first argmax; sigmoid: p > ½ predicts 1). */
  accuracy: number;
  /** Mean over rows of −ln p_y (+Infinity when a probability input gives a label probability 0). */
  nll: number;
  /** Mean over rows of Σ_j (p_j − onehot_j)², in [0, 2] (sigmoid: of Σ over labels of (p − t)²). */
  brier: number;
  /** With `classwise`. */
  classwise?: ClasswiseCalibration;
  /** With `classwise`. */
  brierDecomposition?: BrierDecomposition;
  /** With `perRow`. */
  confidences?: Float64Array;
  correct?: Uint8Array;
  /** W_LOOKS_LIKE_PROBABILITIES, W_LABELS_ONE_INDEXED, W_SATURATED (see TStarWarningCode). */
  warnings: TStarWarning[];
}

// Probabilities are floored here before their logarithm: the smallest float32 (ln ≈ −103.28).
export const PROBABILITY_FLOOR = 2 ** -149;

interface Prepared {
  op: string;
  head: CalibrationHead;
  rows: number;
  cols: number;
  kind: 'logits' | 'probabilities';
  temperatures: number[];
  binCount: number;
  binEdges: 'upper' | 'lower';
  binary: 'top-label' | 'positive';
  tol: number;
}

function prepare(op: string, input: Float32Array, shape: Shape2D, labels: Int32Array, options: CalibrationSumsOptions): Prepared {
  checkOptions(op, options);
  const [rows, cols] = checkMatrix(op, 'input', input, shape);
  const head = options.head ?? 'softmax';
  if (head !== 'softmax' && head !== 'sigmoid') throw new TStarError('E_ARGUMENT', `${op}: head must be 'softmax' or 'sigmoid', got ${describe(head)}`);
  if (head === 'softmax') {
    if (cols === 1 && labels instanceof Int32Array && labels.some((y) => y === 1)) {
      throw new TStarError('E_LABEL', `${op}: label 1 on a single-column softmax; a single-logit binary head is head: 'sigmoid'`);
    }
    checkLabels(op, labels, rows, cols);
  } else {
    checkTargets(op, labels, rows, cols);
  }
  const kind = options.inputs ?? 'logits';
  if (kind !== 'logits' && kind !== 'probabilities') throw new TStarError('E_ARGUMENT', `${op}: inputs must be 'logits' or 'probabilities', got ${describe(kind)}`);
  const t = options.temperature ?? 1;
  let temperatures: number[];
  if (typeof t === 'number') temperatures = [checkTemperature(op, t)];
  else if (Array.isArray(t) && head === 'sigmoid') {
    if (t.length !== cols) throw new TStarError('E_SHAPE', `${op}: ${t.length} temperatures for ${cols} sigmoid columns`);
    temperatures = t.map((v) => checkTemperature(op, v));
  } else {
    throw new TStarError('E_TEMPERATURE', `${op}: temperature must be a number > 0${head === 'sigmoid' ? ' or one per column' : ''}, got ${typeName(t)}`);
  }
  if (kind === 'probabilities' && head === 'sigmoid' && temperatures.some((v) => v !== 1)) {
    throw new TStarError('E_ARGUMENT', `${op}: temperatures of sigmoid probabilities: pass their logits (probabilitiesToLogits) with inputs: 'logits'`);
  }
  const binCount = checkInteger(op, 'binCount', options.binCount, 15, 1, 1e6);
  const binEdges = options.binEdges ?? 'upper';
  if (binEdges !== 'upper' && binEdges !== 'lower') throw new TStarError('E_ARGUMENT', `${op}: binEdges must be 'upper' or 'lower', got ${describe(binEdges)}`);
  const binary = options.binary ?? 'top-label';
  if (binary !== 'top-label' && binary !== 'positive') throw new TStarError('E_ARGUMENT', `${op}: binary must be 'top-label' or 'positive', got ${describe(binary)}`);
  if (binary === 'positive' && head === 'softmax' && cols !== 2) {
    throw new TStarError('E_ARGUMENT', `${op}: binary: 'positive' needs a binary head (a 2-column softmax or a sigmoid), got ${cols} softmax columns`);
  }
  const tol = options.sumTolerance ?? 1e-3;
  if (typeof tol !== 'number' || !(tol >= 0) || !(tol < 1)) throw new TStarError('E_ARGUMENT', `${op}: sumTolerance must be a number in [0, 1), got ${describe(tol)}`);
  if (options.classwise && cols * binCount > 1 << 22) {
    throw new TStarError('E_ARGUMENT', `${op}: classwise statistics for ${cols} classes × ${binCount} bins exceed 2^22 cells; use fewer bins`);
  }
  if (rows === 0) throw new TStarError('E_EMPTY', `${op}: no rows to measure`);
  return { op, head, rows, cols, kind, temperatures, binCount, binEdges, binary, tol };
}

function probabilityError(op: string, input: Float32Array, cols: number, badRow: number, reason: number, tol: number, sigmoid: boolean): TStarError {
  if (reason === 1) return new TStarError('E_ARGUMENT', `${op}: row ${badRow} has a probability outside [0, 1]${sigmoid ? '' : ` (more than 1 + ${tol}, or negative)`}`);
  let s = 0;
  for (let j = 0; j < cols; j++) s += input[badRow * cols + j];
  return new TStarError('E_ARGUMENT', `${op}: row ${badRow} sums to ${s}, expected 1 within ${tol}`);
}

/**
 * Additive calibration statistics of one shard (see {@link CalibrationSums}): one WASM pass computes every
 * row's probabilities, confidence, outcome, NLL and Brier terms; a second (with `classwise`) bins every class.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_EMPTY (no rows), E_TEMPERATURE, E_LABEL (out of range, on a
 * masked logit, or not 0/1 for a sigmoid head), E_NONFINITE, E_MASKED (a row of only −Infinity logits),
 * E_ARGUMENT (bad options; probabilities outside [0, 1] or rows not summing to 1)
 * @example mergeCalibrationSums(shards.map((s) => calibrationSums(s.logits, s.shape, s.labels)))
 */
export function calibrationSums(input: Float32Array, shape: Shape2D, labels: Int32Array, options: CalibrationSumsOptions = {}): CalibrationSums {
  const p = prepare('calibrationSums', input, shape, labels, options);
  return sums(p, input, labels, options);
}

function sums(p: Prepared, input: Float32Array, labels: Int32Array, options: CalibrationSumsOptions): CalibrationSums {
  const { op, head, rows, cols, binCount, tol } = p;
  const sigmoid = head === 'sigmoid';
  const warnings: TStarWarning[] = [];
  let x = input, kind = p.kind, saturatedRows = 0;
  if (kind === 'logits') {
    warnings.push(...probabilityWarning(op, input, rows, cols, sigmoid));
  } else if (!sigmoid && p.temperatures[0] !== 1) {
    // softmax(ln p / T): the probabilities read as logits.
    const logs = probabilitiesToLogits(input, [rows, cols], { sumTolerance: tol });
    warnings.push(...logs.warnings.map((w) => ({ ...w, message: w.message.replace('probabilitiesToLogits', op) })));
    x = logs.logits;
    kind = 'logits';
    saturatedRows = logs.saturated;
  }
  if (!sigmoid) warnings.push(...oneIndexedWarning(op, x, rows, cols, labels));

  const forecasts = sigmoid ? rows * cols : rows;
  const edges = widthEdges(binCount);
  const w = wasm();
  const classwiseBytes = options.classwise ? cols * binCount * 40 + Math.ceil(cols / 4) * 16 : 0;
  arenaReset(x.byteLength, labels.byteLength, forecasts * 8, forecasts * 4, 48, (binCount + 1) * 8, classwiseBytes, sigmoid ? cols * 16 : 0, binCount * 24);
  const xPtr = put(x);
  const yPtr = put(labels);
  const confPtr = alloc(forecasts * 8);
  const correctPtr = alloc(forecasts * 4);
  const sumsPtr = alloc(48);
  const edgesPtr = put(edges);
  const lower = p.binEdges === 'lower' ? 1 : 0;
  const statsPtr = options.classwise ? alloc(cols * binCount * 40) : 0;
  if (sigmoid) {
    const scalePtr = put(Float64Array.from({ length: cols }, (_, j) => 1 / p.temperatures[p.temperatures.length === 1 ? 0 : j]));
    const biasPtr = put(new Float64Array(cols));
    check(op, w.metricsSigmoid(xPtr, yPtr, rows, cols, kind === 'probabilities' ? 1 : 0, scalePtr, biasPtr, p.binary === 'positive' ? 1 : 0,
      confPtr, correctPtr, sumsPtr, statsPtr, edgesPtr, binCount, lower));
  } else {
    const confClass = p.binary === 'positive' ? 1 : -1;
    const kernel = kind === 'logits' ? w.metricsLogits : w.metricsProbabilities;
    check(op, kernel(xPtr, yPtr, rows, cols, kind === 'logits' ? 1 / p.temperatures[0] : tol, confClass, confPtr, correctPtr, sumsPtr));
  }
  const [nllSum, brierSum, badRow, reason, hits, saturated] = f64(sumsPtr, 6);
  if (kind === 'probabilities' && badRow >= 0) throw probabilityError(op, input, cols, badRow, reason, tol, sigmoid);
  if (kind === 'probabilities') {
    saturatedRows = saturated;
    warnings.push(...saturatedWarning(op, saturated, sigmoid ? forecasts : rows, sigmoid));
  }
  if (options.classwise && !sigmoid) {
    const scratch = alloc(Math.ceil(cols / 4) * 16);
    w.metricsClasswise(xPtr, yPtr, rows, cols, kind === 'logits' ? 1 / p.temperatures[0] : 1, kind === 'probabilities' ? 1 : 0, edgesPtr, binCount, lower, scratch, statsPtr);
  }
  const binsPtr = alloc(binCount * 24);
  w.metricsBins(confPtr, correctPtr, forecasts, edgesPtr, binCount, lower, binsPtr);
  const b = f64(binsPtr, binCount * 3);
  const bins = { count: new Array<number>(binCount), confidence: new Array<number>(binCount), correct: new Array<number>(binCount) };
  for (let j = 0; j < binCount; j++) {
    bins.count[j] = b[3 * j];
    bins.confidence[j] = b[3 * j + 1];
    bins.correct[j] = b[3 * j + 2];
  }
  const out: CalibrationSums = {
    head, binary: p.binary, rows, forecasts, classes: cols, hits, nllSum, brierSum, saturated: saturatedRows,
    binCount, binEdges: p.binEdges, bins, warnings,
  };
  if (options.classwise) out.classwise = f64(statsPtr, cols * binCount * 5).slice();
  if (options.perRow) {
    out.confidences = f64(confPtr, forecasts).slice();
    out.correct = Uint8Array.from(i32(correctPtr, forecasts));
  }
  return out;
}

function sameShape(op: string, a: CalibrationSums, b: CalibrationSums, i: number): void {
  const keys = ['head', 'binary', 'classes', 'binCount', 'binEdges'] as const;
  for (const k of keys) {
    if (a[k] !== b[k]) throw new TStarError('E_ARGUMENT', `${op}: parts[${i}] has ${k} ${describe(b[k])} but parts[0] has ${describe(a[k])}`);
  }
  if (!!a.classwise !== !!b.classwise || !!a.confidences !== !!b.confidences) {
    throw new TStarError('E_ARGUMENT', `${op}: parts[${i}] was measured with different classwise / perRow options than parts[0]`);
  }
}

/**
 * Adds the calibration sums of disjoint shards measured with the same options; per-row arrays are concatenated
 * in part order, warnings kept once per code.
 * @throws {TStarError} E_ARGUMENT (not sums, or sums of different heads, bins or options), E_EMPTY (no parts)
 * @example calibrationFromSums(mergeCalibrationSums(await pool.map('calibrationSums', shards)))
 */
export function mergeCalibrationSums(parts: readonly CalibrationSums[]): CalibrationSums {
  const op = 'mergeCalibrationSums';
  if (!Array.isArray(parts)) throw new TStarError('E_ARGUMENT', `${op}: expected an array of calibration sums, got ${typeName(parts)}`);
  if (parts.length === 0) throw new TStarError('E_EMPTY', `${op}: no parts to merge`);
  parts.forEach((part, i) => checkSums(op, part, `parts[${i}]`));
  const first = parts[0];
  parts.forEach((part, i) => sameShape(op, first, part, i));
  const B = first.binCount;
  const total: CalibrationSums = {
    head: first.head, binary: first.binary, rows: 0, forecasts: 0, classes: first.classes, hits: 0, nllSum: 0, brierSum: 0, saturated: 0,
    binCount: B, binEdges: first.binEdges, bins: { count: new Array(B).fill(0), confidence: new Array(B).fill(0), correct: new Array(B).fill(0) },
    warnings: uniqueWarnings(...parts.map((p) => p.warnings)),
  };
  if (first.classwise) total.classwise = new Float64Array(first.classwise.length);
  for (const part of parts) {
    total.rows += part.rows;
    total.forecasts += part.forecasts;
    total.hits += part.hits;
    total.nllSum += part.nllSum;
    total.brierSum += part.brierSum;
    total.saturated += part.saturated;
    for (let j = 0; j < B; j++) {
      total.bins.count[j] += part.bins.count[j];
      total.bins.confidence[j] += part.bins.confidence[j];
      total.bins.correct[j] += part.bins.correct[j];
    }
    if (total.classwise) for (let j = 0; j < total.classwise.length; j++) total.classwise[j] += part.classwise![j];
  }
  if (first.confidences) {
    total.confidences = new Float64Array(total.forecasts);
    total.correct = new Uint8Array(total.forecasts);
    let at = 0;
    for (const part of parts) {
      total.confidences.set(part.confidences!, at);
      total.correct.set(part.correct!, at);
      at += part.forecasts;
    }
  }
  return total;
}

function checkSums(op: string, s: unknown, name: string): asserts s is CalibrationSums {
  const v = s as CalibrationSums;
  const ok = v !== null && typeof v === 'object' && Number.isSafeInteger(v.rows) && Number.isSafeInteger(v.forecasts) && Number.isSafeInteger(v.binCount) &&
    v.binCount >= 1 && typeof v.bins === 'object' && v.bins !== null && ['count', 'confidence', 'correct'].every((k) => (v.bins as Record<string, unknown[]>)[k]?.length === v.binCount) &&
    (v.classwise === undefined || v.classwise.length === v.classes * v.binCount * 5) &&
    (v.confidences === undefined || (v.confidences.length === v.forecasts && v.correct?.length === v.forecasts)) && Array.isArray(v.warnings);
  if (!ok) throw new TStarError('E_ARGUMENT', `${op}: ${name} is not calibration sums, got ${typeName(s)}`);
}

function decompose(stats: Float64Array, classes: number, binCount: number, rows: number): { classwise: ClasswiseCalibration; brierDecomposition: BrierDecomposition } {
  const perClass: number[] = [];
  const d = { reliability: 0, resolution: 0, uncertainty: 0, withinBin: 0 };
  for (let j = 0; j < classes; j++) {
    let outcomes = 0, ece = 0;
    for (let b = 0; b < binCount; b++) outcomes += stats[(j * binCount + b) * 5 + 3];
    const base = outcomes / rows;
    for (let b = 0; b < binCount; b++) {
      const s = (j * binCount + b) * 5;
      const n = stats[s];
      if (n === 0) continue;
      const [sp, sp2, so, spo] = [stats[s + 1], stats[s + 2], stats[s + 3], stats[s + 4]];
      const f = sp / n, o = so / n;
      ece += Math.abs(so - sp);
      d.reliability += n * (f - o) ** 2;
      d.resolution += n * (o - base) ** 2;
      // Σ(p − f̄)² − 2Σ(p − f̄)(o − ō) within the bin, from its moments.
      d.withinBin += sp2 - sp * f - 2 * (spo - so * f);
    }
    perClass.push(ece / rows);
    d.uncertainty += base * (1 - base);
  }
  return {
    classwise: { ece: perClass.reduce((a, b) => a + b, 0) / classes, perClass },
    brierDecomposition: { reliability: d.reliability / rows, resolution: d.resolution / rows, uncertainty: d.uncertainty, withinBin: d.withinBin / rows },
  };
}

/**
 * Metrics from (merged) calibration sums: accuracy, NLL, Brier, the binned calibration errors, and what
 * `classwise` / `perRow` sums allow (classwise ECE, the Brier decomposition; equal-mass bins, the bootstrap,
 * selective prediction).
 * @throws {TStarError} E_ARGUMENT (not sums; equal-mass bins, a bootstrap or selective prediction without per-row sums)
 * @example calibrationFromSums(mergeCalibrationSums(parts), { bootstrap: 1000 })
 */
export function calibrationFromSums(sums: CalibrationSums, options: CalibrationFromSumsOptions = {}): CalibrationMetrics {
  const op = 'calibrationFromSums';
  checkOptions(op, options);
  checkSums(op, sums, 'sums');
  if (sums.rows === 0) throw new TStarError('E_EMPTY', `${op}: the sums cover no rows`);
  const needRows = options.binning === 'equal-mass' || !!options.bootstrap || !!options.selective;
  if (needRows && !sums.confidences) {
    throw new TStarError('E_ARGUMENT', `${op}: equal-mass bins, bootstraps and selective prediction need per-row sums (perRow: true)`);
  }
  if (options.selective && sums.binary === 'positive') {
    throw new TStarError('E_ARGUMENT', `${op}: selective prediction ranks top-label confidences; it does not apply to binary: 'positive'`);
  }
  const confidence = fromConfidences(
    op,
    needRows ? sums.confidences! : undefined,
    needRows ? sums.correct! : undefined,
    { ...options, binCount: sums.binCount, binEdges: sums.binEdges },
    sums.bins,
  );
  const metrics: CalibrationMetrics = {
    ...confidence,
    accuracy: sums.hits / sums.forecasts,
    nll: sums.nllSum / sums.rows,
    brier: sums.brierSum / sums.rows,
    warnings: sums.warnings,
  };
  if (sums.classwise) Object.assign(metrics, decompose(sums.classwise, sums.classes, sums.binCount, sums.rows));
  return metrics;
}

/**
 * Calibration of a classifier's outputs against labels: accuracy, NLL, Brier, and the binned calibration errors
 * ECE / MCE / RMS / ACE of the top-label confidence over equal-width or equal-mass bins (Guo et al. 2017; Nixon
 * et al. 2019), with options for classwise ECE and the Brier decomposition, a seeded bootstrap interval and the
 * ECE a perfectly calibrated model would show, and selective prediction (risk–coverage, AURC, thresholds).
 * Softmax heads (class labels) and sigmoid heads (0/1 targets per column); logits or probabilities.
 * Conventions next to netcal's: bins (lower, upper] by default (`binEdges: 'lower'` for numpy's [lower, upper));
 * binary ECE on the top label (`binary: 'positive'` for netcal's P[:, 1]); netcal's ACE is `ace` (every
 * non-empty bin weighted equally), its equal-mass ECE is `binning: 'equal-mass'`.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_EMPTY (no rows), E_TEMPERATURE, E_LABEL (out of range, on a
 * masked logit, not 0/1 for a sigmoid head), E_NONFINITE (NaN, +Infinity, a non-finite probability), E_MASKED (a row
 * of only −Infinity logits), E_ARGUMENT (bad options, or probabilities outside [0, 1] or rows not summing to 1)
 * @example calibrationMetrics(logits, [1000, 10], labels, { binning: 'equal-mass', bootstrap: 1000 }).bootstrap?.low
 */
export function calibrationMetrics(input: Float32Array, shape: Shape2D, labels: Int32Array, options: CalibrationOptions = {}): CalibrationMetrics {
  const op = 'calibrationMetrics';
  const p = prepare(op, input, shape, labels, options);
  const needRows = options.binning === 'equal-mass' || !!options.bootstrap || !!options.selective;
  const s = sums(p, input, labels, { ...options, perRow: needRows || options.perRow });
  const metrics = calibrationFromSums(s, options);
  if (options.perRow) {
    metrics.confidences = s.confidences;
    metrics.correct = s.correct;
  }
  return metrics;
}

export interface ProbabilitiesToLogitsOptions {
  /** 'softmax' (default): ln p per entry, rows checked to sum to 1. 'sigmoid': ln p − ln(1 − p) per entry. */
  head?: CalibrationHead;
  /** Softmax: how far a row sum may stray from 1, and an entry above 1. Default 1e-3. */
  sumTolerance?: number;
}

export interface LogitsFromProbabilities {
  /** Logits whose softmax (sigmoid) gives back the probabilities; zero probabilities floored at 2^−149. */
  logits: Float32Array;
  /** Softmax: rows with a top probability of exactly 1. Sigmoid: entries of exactly 0 or 1. */
  saturated: number;
  /** W_SATURATED when any are. */
  warnings: TStarWarning[];
}

/**
 * Logits from probabilities so temperature and vector scaling can refit them: softmax(ln p / T) is the
 * temperature-scaled distribution of p. Probabilities of 0 become ln 2^−149 ≈ −103.3 (the smallest float32), so
 * a label on one gives a large, finite NLL; rows saturated at exactly 1 are counted and warned about.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_NONFINITE, E_ARGUMENT (an entry outside [0, 1], a row not summing to 1)
 * @example fitTemperature(probabilitiesToLogits(probs, [n, 10]).logits, [n, 10], labels)
 */
export function probabilitiesToLogits(probabilities: Float32Array, shape: Shape2D, options: ProbabilitiesToLogitsOptions = {}): LogitsFromProbabilities {
  const op = 'probabilitiesToLogits';
  checkOptions(op, options);
  const [rows, cols] = checkMatrix(op, 'probabilities', probabilities, shape);
  const head = options.head ?? 'softmax';
  if (head !== 'softmax' && head !== 'sigmoid') throw new TStarError('E_ARGUMENT', `${op}: head must be 'softmax' or 'sigmoid', got ${describe(head)}`);
  const tol = checkNumber(op, 'sumTolerance', options.sumTolerance ?? 1e-3, 0, 0.999999);
  const sigmoid = head === 'sigmoid';
  if (rows * cols === 0) return { logits: new Float32Array(0), saturated: 0, warnings: [] };
  arenaReset(probabilities.byteLength, probabilities.byteLength, 24);
  const pPtr = put(probabilities);
  const outPtr = alloc(probabilities.byteLength);
  const sumsPtr = alloc(24);
  check(op, wasm().metricsLogProbabilities(pPtr, outPtr, rows, cols, tol, PROBABILITY_FLOOR, sigmoid ? 1 : 0, sumsPtr));
  const [badRow, reason, saturated] = f64(sumsPtr, 3);
  if (badRow >= 0) throw probabilityError(op, probabilities, cols, badRow, reason, tol, sigmoid);
  const logits = new Float32Array(rows * cols);
  logits.set(new Float32Array(wasm().memory.buffer, outPtr, rows * cols));
  return { logits, saturated, warnings: saturatedWarning(op, saturated, sigmoid ? rows * cols : rows, sigmoid) };
}
