import { TStarError, type TStarWarning } from './errors.js';
import { uniqueWarnings } from './diagnostics.js';
import { calibrationMetrics, type CalibrationHead, type CalibrationMetrics } from './metrics.js';
import { seededRandom } from './random.js';
import { fitPlatt, fitVectorScaling, applyVectorScaling, type PlattFit, type VectorScalingFit } from './scaling.js';
import { softmax } from './softmax.js';
import { fitInputs, fitSigmoidTemperature, fitTemperature, type SigmoidTemperatureFit, type TemperatureFit } from './temperature.js';
import { checkInteger, checkLabels, checkMatrix, checkNumber, checkOptions, checkTargets, checkTemperature, describe, typeName, type Shape2D } from './validate.js';

/** A fitted post-hoc scaler, plain JSON: what an adapter needs to apply it ({@link applyScaler}). */
export type Scaler =
  /** Softmax head: softmax(logits / temperature). */
  | { method: 'temperature'; temperature: number }
  /** Sigmoid head: sigmoid(z / T) with one T shared, or one per column. */
  | { method: 'sigmoid-temperature'; temperatures: number[] }
  /** Softmax head: softmax(scale ⊙ logits + bias). */
  | { method: 'vector'; scale: number[]; bias: number[] }
  /** Single-logit binary head: sigmoid(scale · z + bias). */
  | { method: 'platt'; scale: number; bias: number };

export type CalibrationMethod = 'temperature' | 'vector' | 'platt';

export interface CalibrateOptions {
  /** 'temperature' (default; a sigmoid head gets sigmoid temperature), 'vector' (softmax heads) or 'platt' (single-logit binary heads). */
  method?: CalibrationMethod;
  /** 'softmax' (default; 'platt' implies 'sigmoid') or 'sigmoid' (0/1 targets per entry, as in calibrationMetrics). */
  head?: CalibrationHead;
  /** 'logits' (default) or 'probabilities' (refitted through their logarithms). */
  inputs?: 'logits' | 'probabilities';
  /** Sigmoid temperature: one per column. Default false. */
  perLabel?: boolean;
  /** Held-out rows to measure on (same columns); without it a seeded share of the rows is held out. */
  validation?: { input: Float32Array; labels: Int32Array };
  /** Share of the rows held out when no validation set is given, in (0, 1). Default 0.2. */
  validationFraction?: number;
  /** Seed of the split (mulberry32). Default 0. */
  seed?: number;
  /** How ECE is measured before and after (as in calibrationMetrics). */
  binCount?: number;
  binning?: 'equal-width' | 'equal-mass';
  binEdges?: 'upper' | 'lower';
  /** Vector scaling's regularization (see fitVectorScaling). */
  regularization?: number;
  /** Platt's targets (see fitPlatt). */
  targets?: 'labels' | 'platt';
  /** The fit's evaluation budget and tolerance (each method's defaults otherwise). */
  maxEvaluations?: number;
  tolerance?: number;
}

/** Held-out numbers of one side of a report. */
export interface CalibrationSummary {
  accuracy: number;
  nll: number;
  brier: number;
  ece: number;
  mce: number;
}

export interface CalibrationReport {
  method: CalibrationMethod;
  head: CalibrationHead;
  scaler: Scaler;
  /** The fitter's own result (on the fit rows): parameters, in-sample NLL before and after, convergence. */
  fit: TemperatureFit | SigmoidTemperatureFit | VectorScalingFit | PlattFit;
  split: { source: 'validation' | 'split'; fitRows: number; validationRows: number; fraction?: number; seed?: number };
  /** Held-out metrics of the outputs as given … */
  before: CalibrationSummary;
  /** … and through the fitted scaler. */
  after: CalibrationSummary;
  /**
   * Everything to look at before trusting the scaler: the fit's (W_AT_BOUND, W_NOT_CONVERGED, W_SEPARATED), the
   * inputs' (W_LOOKS_LIKE_PROBABILITIES, W_LABELS_ONE_INDEXED, W_SATURATED), and W_ECE_WORSE / W_NLL_WORSE when
   * the held-out ECE / NLL got worse through the scaler.
   */
  warnings: TStarWarning[];
}

function summary(m: CalibrationMetrics): CalibrationSummary {
  return { accuracy: m.accuracy, nll: m.nll, brier: m.brier, ece: m.ece, mce: m.mce };
}

function gather(x: Float32Array, cols: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => out.set(x.subarray(r * cols, (r + 1) * cols), i * cols));
  return out;
}

function gatherLabels(y: Int32Array, width: number, rows: number[]): Int32Array {
  const out = new Int32Array(rows.length * width);
  rows.forEach((r, i) => out.set(y.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/**
 * Fits a post-hoc scaler and reports whether to trust it: the fit on one part of the rows, accuracy / NLL / Brier /
 * ECE / MCE before and after on held-out rows (a `validation` set, or a seeded `validationFraction` of the rows),
 * and every warning with a stable code — the fit hit a bound or did not converge, the held-out ECE or NLL got
 * worse, the inputs look like probabilities, the labels look 1-indexed, probabilities are saturated.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_EMPTY (fewer than 2 rows to split), E_LABEL, E_NONFINITE, E_MASKED, E_ARGUMENT
 * @example const report = calibrate(logits, [n, 10], labels, { method: 'vector' }); if (report.warnings.length) console.warn(report.warnings);
 */
export function calibrate(input: Float32Array, shape: Shape2D, labels: Int32Array, options: CalibrateOptions = {}): CalibrationReport {
  const op = 'calibrate';
  checkOptions(op, options);
  const [rows, cols] = checkMatrix(op, 'input', input, shape);
  const method = options.method ?? 'temperature';
  if (method !== 'temperature' && method !== 'vector' && method !== 'platt') throw new TStarError('E_ARGUMENT', `${op}: method must be 'temperature', 'vector' or 'platt', got ${describe(method)}`);
  const head = method === 'platt' ? 'sigmoid' : options.head ?? 'softmax';
  if (head !== 'softmax' && head !== 'sigmoid') throw new TStarError('E_ARGUMENT', `${op}: head must be 'softmax' or 'sigmoid', got ${describe(head)}`);
  if (method === 'vector' && head !== 'softmax') throw new TStarError('E_ARGUMENT', `${op}: vector scaling applies to softmax heads`);
  if (method === 'platt' && cols !== 1) throw new TStarError('E_SHAPE', `${op}: Platt scaling takes a single-logit binary head [n, 1], got [${rows}, ${cols}]`);
  const sigmoid = head === 'sigmoid';
  const width = sigmoid ? cols : 1;
  if (sigmoid) checkTargets(op, labels, rows, cols);
  else checkLabels(op, labels, rows, cols);

  const converted = fitInputs(op, input, rows, cols, options.inputs, sigmoid);
  let fitX: Float32Array, fitY: Int32Array, valX: Float32Array, valY: Int32Array;
  let split: CalibrationReport['split'];
  const warnings: TStarWarning[][] = [converted.warnings];
  if (options.validation !== undefined) {
    const v = options.validation;
    if (v === null || typeof v !== 'object') throw new TStarError('E_ARGUMENT', `${op}: validation must be { input, labels }, got ${typeName(v)}`);
    const [vr] = checkMatrix(op, 'validation.input', v.input, [v.input?.length / cols, cols]);
    if (!Number.isSafeInteger(vr) || vr === 0) throw new TStarError('E_EMPTY', `${op}: the validation set has no rows`);
    if (sigmoid) checkTargets(op, v.labels, vr, cols);
    else checkLabels(op, v.labels, vr, cols);
    const vc = fitInputs(op, v.input, vr, cols, options.inputs, sigmoid);
    warnings.push(vc.warnings);
    [fitX, fitY, valX, valY] = [converted.x, labels, vc.x, v.labels];
    split = { source: 'validation', fitRows: rows, validationRows: vr };
  } else {
    const fraction = checkNumber(op, 'validationFraction', options.validationFraction ?? 0.2, Number.MIN_VALUE, 1 - Number.EPSILON);
    const seed = checkInteger(op, 'seed', options.seed, 0, 0, 2 ** 32 - 1);
    if (rows < 2) throw new TStarError('E_EMPTY', `${op}: ${rows} row(s): holding some out needs at least 2 (or pass validation)`);
    const held = Math.min(rows - 1, Math.max(1, Math.round(fraction * rows)));
    // Fisher–Yates with the core's seeded stream: the same seed holds out the same rows in every host.
    const order = Array.from({ length: rows }, (_, i) => i);
    const random = seededRandom(seed);
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const valRows = order.slice(0, held).sort((a, b) => a - b);
    const fitRows = order.slice(held).sort((a, b) => a - b);
    [fitX, fitY, valX, valY] = [gather(converted.x, cols, fitRows), gatherLabels(labels, width, fitRows), gather(converted.x, cols, valRows), gatherLabels(labels, width, valRows)];
    split = { source: 'split', fitRows: fitRows.length, validationRows: held, fraction, seed };
  }

  const fitShape = [fitX.length / cols, cols], valShape = [valX.length / cols, cols];
  const budget = { maxEvaluations: options.maxEvaluations, tolerance: options.tolerance };
  let fit: CalibrationReport['fit'];
  let scaler: Scaler;
  if (method === 'vector') {
    const f = fitVectorScaling(fitX, fitShape, fitY, { ...budget, regularization: options.regularization });
    [fit, scaler] = [f, { method: 'vector', scale: f.scale, bias: f.bias }];
  } else if (method === 'platt') {
    const f = fitPlatt(fitX, fitShape, fitY, { ...budget, targets: options.targets });
    [fit, scaler] = [f, { method: 'platt', scale: f.scale, bias: f.bias }];
  } else if (sigmoid) {
    const f = fitSigmoidTemperature(fitX, fitShape, fitY, { ...budget, perLabel: options.perLabel });
    [fit, scaler] = [f, { method: 'sigmoid-temperature', temperatures: f.temperatures }];
  } else {
    const f = fitTemperature(fitX, fitShape, fitY, budget);
    [fit, scaler] = [f, { method: 'temperature', temperature: f.temperature }];
  }
  warnings.push(fit.warnings);

  const measure = { head, binCount: options.binCount, binning: options.binning, binEdges: options.binEdges } as const;
  const beforeMetrics = calibrationMetrics(valX, valShape, valY, measure);
  // Temperatures go in as the metrics' own option (no rounding of x / T to f32); the affine scalers are applied first.
  const afterMetrics = scaler.method === 'temperature' || scaler.method === 'sigmoid-temperature'
    ? calibrationMetrics(valX, valShape, valY, { ...measure, temperature: scaler.method === 'temperature' ? scaler.temperature : scaler.temperatures.length === 1 ? scaler.temperatures[0] : scaler.temperatures })
    : calibrationMetrics(applyScaler(valX, valShape, scaler, { output: 'logits' }), valShape, valY, measure);
  const before = summary(beforeMetrics), after = summary(afterMetrics);
  const worse: TStarWarning[] = [];
  if (after.ece > before.ece) {
    worse.push({ code: 'W_ECE_WORSE', message: `${op}: the ${method} scaler raised the held-out ECE from ${before.ece.toPrecision(4)} to ${after.ece.toPrecision(4)} (${split.validationRows} rows): keep the outputs as they are, or fit on more data` });
  }
  if (after.nll > before.nll) {
    worse.push({ code: 'W_NLL_WORSE', message: `${op}: the ${method} scaler raised the held-out NLL from ${before.nll.toPrecision(5)} to ${after.nll.toPrecision(5)}: it does not generalise from the ${split.fitRows} fit rows` });
  }
  warnings.push(beforeMetrics.warnings, worse);
  return { method, head, scaler, fit, split, before, after, warnings: uniqueWarnings(...warnings) };
}

const SCALER_KEYS: Record<Scaler['method'], readonly string[]> = { temperature: ['temperature'], 'sigmoid-temperature': ['temperatures'], vector: ['scale', 'bias'], platt: ['scale', 'bias'] };

// Adapters apply scalers in float32 (tensors, ONNX initializers): a larger parameter would be ±Infinity there.
function finite32(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(Math.abs(v) <= 3.4028234663852886e38)) throw new TStarError('E_ARGUMENT', `${op}: scaler ${name} must be a finite float32 number, got ${describe(v)}`);
  return v;
}

function list(op: string, name: string, v: unknown, ok: (n: number) => boolean, want: string): unknown[] {
  if (!Array.isArray(v) || !v.length || !ok(v.length)) throw new TStarError('E_ARGUMENT', `${op}: scaler ${name} must hold ${want} numbers, got ${Array.isArray(v) ? v.length : describe(v)}`);
  return v;
}

/**
 * Checks a scaler (calibrate's, or a parsed `scaler.json`), against `classes` when given; returns a clean copy.
 * Plain JS, no init; `op` names the caller in messages.
 * @throws {TStarError} E_ARGUMENT (unknown method or key, a parameter not a finite float32, a length ≠ classes),
 * E_TEMPERATURE (a temperature ≤ 0), E_SHAPE (Platt for classes ≠ 1)
 * @example const scaler = checkScaler(JSON.parse(text), 10);
 */
export function checkScaler(value: unknown, classes?: number, op = 'checkScaler'): Scaler {
  if (classes !== undefined) checkInteger(op, 'classes', classes, 1, 1, 2 ** 31 - 1);
  const v = value as Record<string, unknown>;
  const m = v?.method as Scaler['method'];
  if (typeof v !== 'object' || Array.isArray(v) || typeof m !== 'string' || !Object.prototype.hasOwnProperty.call(SCALER_KEYS, m)) {
    const hint = v && typeof v === 'object' && 'scaler' in v ? ' (a calibration report: pass its .scaler)' : '';
    throw new TStarError('E_ARGUMENT', `${op}: a scaler must be { method: 'temperature' | 'sigmoid-temperature' | 'vector' | 'platt', … }, got ${v && typeof v === 'object' && !Array.isArray(v) ? `method ${describe(m)}` : describe(v)}${hint}`);
  }
  const extra = Object.keys(v).filter((k) => k !== 'method' && !SCALER_KEYS[m].includes(k));
  if (extra.length) throw new TStarError('E_ARGUMENT', `${op}: a '${m}' scaler has ${SCALER_KEYS[m].join(', ')}; unknown: ${extra.join(', ')}`);
  const any = (n: number) => classes === undefined || n === classes;
  if (m === 'temperature') return { method: m, temperature: checkTemperature(op, v.temperature) };
  if (m === 'sigmoid-temperature') {
    return { method: m, temperatures: list(op, 'temperatures', v.temperatures, (n) => n === 1 || any(n), `1 or ${classes ?? 'more'}`).map((t) => checkTemperature(op, t)) };
  }
  if (m === 'vector') {
    const scale = list(op, 'scale', v.scale, any, `${classes ?? 'one or more'}`).map((x, i) => finite32(op, `scale[${i}]`, x));
    return { method: m, scale, bias: list(op, 'bias', v.bias, (n) => n === scale.length, `${scale.length}`).map((x, i) => finite32(op, `bias[${i}]`, x)) };
  }
  if (classes !== undefined && classes !== 1) throw new TStarError('E_SHAPE', `${op}: a Platt scaler takes [n, 1] logits, got ${classes} classes`);
  return { method: m, scale: finite32(op, 'scale', v.scale), bias: finite32(op, 'bias', v.bias) };
}

/**
 * {@link checkScaler} of JSON text (the `scaler.json` that `tstar calibrate` writes).
 * @throws {TStarError} E_ARGUMENT (not JSON), and checkScaler's codes
 * @example const scaler = parseScaler(await readFile('scaler.json', 'utf8'), 10);
 */
export function parseScaler(json: string, classes?: number): Scaler {
  const op = 'parseScaler';
  let value: unknown;
  try {
    value = JSON.parse(typeof json === 'string' ? json : '-');
  } catch (cause) {
    throw new TStarError('E_ARGUMENT', `${op}: expected the scaler as JSON text, got ${typeof json === 'string' ? `a parse error (${(cause as Error).message})` : typeName(json)}`, { cause });
  }
  return checkScaler(value, classes, op);
}

export interface ApplyScalerOptions {
  /** 'probabilities' (default): the calibrated softmax / sigmoid outputs; 'logits': the scaled logits. */
  output?: 'probabilities' | 'logits';
  out?: Float32Array;
}

function sigmoidOf(u: number): number {
  return u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u));
}

/**
 * Applies a fitted scaler (calibrate's `scaler`, or one built from a fit) to logits: the calibrated probabilities,
 * or the scaled logits. This is what the tfjs and ort adapters call on model outputs.
 * @throws {TStarError} E_SHAPE, E_DTYPE, E_TEMPERATURE, E_ARGUMENT (an unknown or malformed scaler: {@link checkScaler}), and softmax's codes
 * @example applyScaler(logits, [n, 10], calibrate(valLogits, [m, 10], valLabels).scaler)
 */
export function applyScaler(logits: Float32Array, shape: Shape2D, scaler: Scaler, options: ApplyScalerOptions = {}): Float32Array {
  const op = 'applyScaler';
  checkOptions(op, options);
  const [rows, cols] = checkMatrix(op, 'logits', logits, shape);
  const output = options.output ?? 'probabilities';
  if (output !== 'probabilities' && output !== 'logits') throw new TStarError('E_ARGUMENT', `${op}: output must be 'probabilities' or 'logits', got ${describe(output)}`);
  const out = options.out ?? new Float32Array(rows * cols);
  if (!(out instanceof Float32Array) || out.length !== rows * cols) throw new TStarError('E_SHAPE', `${op}: out must be a Float32Array of ${rows * cols}`);
  const s = checkScaler(scaler, cols, op);
  switch (s.method) {
    case 'temperature': {
      const t = s.temperature;
      if (output === 'probabilities') return softmax(logits, [rows, cols], { temperature: t, out });
      for (let i = 0; i < out.length; i++) out[i] = logits[i] / t;
      return out;
    }
    case 'vector': {
      applyVectorScaling(logits, [rows, cols], s, { out });
      return output === 'probabilities' ? softmax(out, [rows, cols], { out }) : out;
    }
    case 'sigmoid-temperature': {
      const inv = s.temperatures.map((t) => 1 / t);
      for (let i = 0; i < out.length; i++) {
        const u = logits[i] * inv[inv.length === 1 ? 0 : i % cols];
        out[i] = output === 'logits' ? u : sigmoidOf(u);
      }
      return out;
    }
    case 'platt': {
      const { scale: a, bias: b } = s;
      for (let i = 0; i < out.length; i++) {
        const u = a * logits[i] + b;
        out[i] = output === 'logits' ? u : sigmoidOf(u);
      }
      return out;
    }
  }
}
