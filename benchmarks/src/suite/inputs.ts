// Seeded inputs, float64 expectations and error checks per op. Every runtime builds the same inputs
// from the same seeds, and every contender's first output is checked here before it is timed.
import * as f64 from '../lib/float64.js';
import { labels, normals, rng, uniforms } from '../lib/data.js';
import { maxRelError, scalarRelError } from '../lib/reference.js';
import { TEMPERATURE, type CaseSpec, type Op } from './cases.js';

/** Error floor (fraction of max|ref|) for outputs that cross zero; see maxRelError. */
const SIGNED_FLOOR = 1e-3;
const BN_EPSILON = 1e-5;
const BN_MOMENTUM = 0.1;
const BIN_COUNT = 15;
const CSG_K = 3;
/** The temperature that generated the fit/calibration logits, so the fit has a finite optimum. */
export const TRUE_T = 2.5;

export interface RowsInput { x: Float32Array; rows: number; cols: number; temperature: number }
export interface LabelledInput extends RowsInput { labels: Int32Array }
export interface BatchNormInput {
  x: Float32Array; rows: number; cols: number;
  mean: Float32Array; variance: Float32Array; gamma: Float32Array; beta: Float32Array; epsilon: number;
}
export interface BatchNormTrainInput {
  x: Float32Array; dy: Float32Array; rows: number; cols: number;
  gamma: Float32Array; beta: Float32Array;
  /** Initial running statistics: a contender copies them, since a step updates them. */
  runningMean: Float32Array; runningVariance: Float32Array;
  momentum: number; epsilon: number;
}
export interface CsgInput { x: Float32Array; rows: number; cols: number; labels: Int32Array; classes: number; k: number }
export interface CalibrationInput extends LabelledInput { binCount: number }

/** The input each op takes. */
export interface Inputs {
  softmax: RowsInput;
  logSoftmax: RowsInput;
  crossEntropy: LabelledInput;
  crossEntropyGrad: LabelledInput;
  batchNorm: BatchNormInput;
  batchNormTrain: BatchNormTrainInput;
  fitTemperature: LabelledInput;
  calibrationMetrics: CalibrationInput;
  csg: CsgInput;
}

/** The output every contender returns for each op (peers' results are converted to it). */
export interface Outputs {
  softmax: Float32Array;
  logSoftmax: Float32Array;
  crossEntropy: number;
  crossEntropyGrad: { loss: number; grad: Float32Array };
  batchNorm: Float32Array;
  batchNormTrain: f64.BatchNormStep<Float32Array>;
  fitTemperature: number;
  calibrationMetrics: f64.Calibration;
  csg: number;
}

/** A case ready to run: its input, the check of an output against float64, and the bytes it must move. */
export interface BuiltCase<O extends Op = Op> {
  spec: CaseSpec & { op: O };
  input: Inputs[O];
  /** Largest error of an output against the float64 expectation (Infinity for NaN or a wrong shape). */
  check(output: Outputs[O]): number;
  /** What the physical-limit row streams: bytes an ideal kernel reads and writes once. */
  bytes: { read: number; write: number } | undefined;
}

/** Each case gets its own seeds, derived from its shape and op, so cases are independent and replayable. */
function seedOf(spec: CaseSpec, salt: number): number {
  let h = 2166136261;
  for (const ch of `${spec.id}#${salt}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** Logits of a confident, imperfect classifier whose labels were drawn from softmax(z) and logits = 2.5·z. */
export function calibratedLogits(rows: number, cols: number, seed: number): { x: Float32Array; labels: Int32Array } {
  const z = normals(rows * cols, seed, 0, 1);
  const u = rng(seed + 1);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = z.subarray(r * cols, (r + 1) * cols);
    row[Math.floor(u() * cols)] += 4;
    let m = -Infinity;
    for (const v of row) m = Math.max(m, v);
    let s = 0;
    for (const v of row) s += Math.exp(v - m);
    let pick = u() * s, label = 0;
    for (; label < cols - 1; label++) {
      pick -= Math.exp(row[label] - m);
      if (pick <= 0) break;
    }
    y[r] = label;
  }
  const x = new Float32Array(z.length);
  for (let i = 0; i < z.length; i++) x[i] = TRUE_T * z[i];
  return { x, labels: y };
}

/** A Gaussian mixture in `cols` dimensions, class means 2 apart on average so classes overlap in part. */
function mixture(rows: number, cols: number, classes: number, seed: number): { x: Float32Array; labels: Int32Array } {
  const x = normals(rows * cols, seed, 0, 1);
  const means = normals(classes * cols, seed + 1, 0, 1.2);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    y[i] = i % classes;
    for (let j = 0; j < cols; j++) x[i * cols + j] += means[y[i] * cols + j];
  }
  return { x, labels: y };
}

const f32Bytes = (n: number): number => n * 4;

/** Builds a case's inputs and its float64 expectation (computed once here, in the runtime that runs it). */
export function buildCase(spec: CaseSpec): BuiltCase {
  const { rows, cols } = spec;
  const n = rows * cols;
  const s = (salt: number): number => seedOf(spec, salt);
  switch (spec.op) {
    case 'softmax':
    case 'logSoftmax': {
      const input: RowsInput = { x: normals(n, s(1), 0, 4), rows, cols, temperature: TEMPERATURE };
      const softmax = spec.op === 'softmax';
      const expected = (softmax ? f64.softmax : f64.logSoftmax)(input.x, rows, cols, TEMPERATURE);
      return { spec, input, bytes: { read: f32Bytes(n), write: f32Bytes(n) }, check: (y: Float32Array) => maxRelError(y, expected, softmax ? 0 : SIGNED_FLOOR) } as BuiltCase;
    }
    case 'crossEntropy':
    case 'crossEntropyGrad': {
      const input: LabelledInput = { x: normals(n, s(1), 0, 4), labels: labels(rows, cols, s(2)), rows, cols, temperature: TEMPERATURE };
      const expected = f64.crossEntropy(input.x, rows, cols, input.labels, TEMPERATURE);
      if (spec.op === 'crossEntropy') {
        return { spec, input, bytes: { read: f32Bytes(n) + 4 * rows, write: 0 }, check: (loss: number) => scalarRelError(loss, expected.loss) } as BuiltCase;
      }
      return {
        spec, input, bytes: { read: f32Bytes(n) + 4 * rows, write: f32Bytes(n) },
        check: (o: Outputs['crossEntropyGrad']) => Math.max(scalarRelError(o.loss, expected.loss), maxRelError(o.grad, expected.grad, SIGNED_FLOOR)),
      } as BuiltCase;
    }
    case 'batchNorm': {
      const input: BatchNormInput = {
        x: normals(n, s(1), 0.5, 2), rows, cols,
        mean: uniforms(cols, s(2), -1, 1), variance: uniforms(cols, s(3), 0.5, 4),
        gamma: uniforms(cols, s(4), 0.5, 1.5), beta: uniforms(cols, s(5), -0.5, 0.5), epsilon: BN_EPSILON,
      };
      const expected = f64.batchNorm(input.x, rows, cols, input);
      return { spec, input, bytes: { read: f32Bytes(n), write: f32Bytes(n) }, check: (y: Float32Array) => maxRelError(y, expected, SIGNED_FLOOR) } as BuiltCase;
    }
    case 'batchNormTrain': {
      const input: BatchNormTrainInput = {
        x: normals(n, s(1), 0.5, 2), dy: normals(n, s(2), 0, 1), rows, cols,
        gamma: uniforms(cols, s(3), 0.5, 1.5), beta: uniforms(cols, s(4), -0.5, 0.5),
        runningMean: uniforms(cols, s(5), -1, 1), runningVariance: uniforms(cols, s(6), 0.5, 4),
        momentum: BN_MOMENTUM, epsilon: BN_EPSILON,
      };
      const e = f64.batchNormTrainStep(input.x, input.dy, rows, cols, input);
      return {
        spec, input,
        // Forward reads x and writes y; backward reads x and dy and writes dx: at least 2 reads and 2 writes.
        bytes: { read: 2 * f32Bytes(n), write: 2 * f32Bytes(n) },
        check: (o: Outputs['batchNormTrain']) => Math.max(
          maxRelError(o.y, e.y, SIGNED_FLOOR), maxRelError(o.dx, e.dx, SIGNED_FLOOR),
          maxRelError(o.dGamma, e.dGamma, SIGNED_FLOOR), maxRelError(o.dBeta, e.dBeta, SIGNED_FLOOR),
          maxRelError(o.runningMean, e.runningMean, SIGNED_FLOOR), maxRelError(o.runningVariance, e.runningVariance),
        ),
      } as BuiltCase;
    }
    case 'fitTemperature': {
      const { x, labels: y } = calibratedLogits(rows, cols, s(1));
      const input: LabelledInput = { x, labels: y, rows, cols, temperature: 1 };
      const expected = f64.fitTemperatureGolden(x, rows, cols, y);
      // Bandwidth floor: one read of the logits (a fit reads them once per evaluation).
      return { spec, input, bytes: { read: f32Bytes(n) + 4 * rows, write: 0 }, check: (t: number) => scalarRelError(t, expected) } as BuiltCase;
    }
    case 'calibrationMetrics': {
      const { x, labels: y } = calibratedLogits(rows, cols, s(1));
      const input: CalibrationInput = { x, labels: y, rows, cols, temperature: TRUE_T, binCount: BIN_COUNT };
      const e = f64.calibrationMetrics(x, rows, cols, y, TRUE_T, BIN_COUNT);
      // Accuracy, ECE and MCE are fractions in [0, 1]: absolute error; NLL and Brier: relative.
      const check = (o: f64.Calibration): number => {
        const errors = [Math.abs(o.accuracy - e.accuracy), Math.abs(o.ece - e.ece), Math.abs(o.mce - e.mce), scalarRelError(o.nll, e.nll), scalarRelError(o.brier, e.brier)];
        return errors.some((v) => Number.isNaN(v)) ? Infinity : Math.max(...errors);
      };
      return { spec, input, bytes: { read: f32Bytes(n) + 4 * rows, write: 0 }, check } as BuiltCase;
    }
    case 'csg': {
      const classes = spec.classes ?? 10;
      const { x, labels: y } = mixture(rows, cols, classes, s(1));
      const input: CsgInput = { x, labels: y, rows, cols, classes, k: CSG_K };
      const expected = f64.cumulativeSpectralGradient(x, rows, cols, y, classes, CSG_K);
      // CSG is a kNN search (quadratic in points), not a stream: no bandwidth row.
      return { spec, input, bytes: undefined, check: (v: number) => scalarRelError(v, expected) } as BuiltCase;
    }
  }
}

/** Largest error a contender may show before the report flags it. */
export const ERROR_FLAG = 1e-4;
