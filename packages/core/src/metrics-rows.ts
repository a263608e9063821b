import { TStarError } from './errors.js';
import { wasm } from './load.js';
import { alloc, arenaReset, f64, put } from './memory.js';
import { checkInteger, checkNumber, checkOptions, describe, typeName } from './validate.js';

/** One reliability bin: confidences in (lower, upper] (the first bin also takes 0), or [lower, upper) with binEdges 'lower'. */
export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean confidence of the bin's forecasts; 0 when count is 0. */
  confidence: number;
  /** Fraction of the bin's forecasts that are correct (the outcome frequency under binary: 'positive'); 0 when count is 0. */
  accuracy: number;
}

export interface EceBootstrapOptions {
  /** Resamples of the rows (with replacement), in [1, 1e6]. Default 1000. */
  replicates?: number;
  /** Seed of the resampling stream (mulberry32, an unsigned 32-bit integer). Default 0. */
  seed?: number;
  /** Coverage of the percentile interval, in (0, 1). Default 0.95. */
  level?: number;
  /** Simulations of a perfectly calibrated model with these confidences, in [1, 1e6]. Default: replicates. */
  simulations?: number;
}

export interface SelectiveOptions {
  /** Report the largest-coverage threshold whose selective accuracy reaches this, in (0, 1]. */
  targetAccuracy?: number;
  /** Report the highest threshold whose coverage reaches this, in (0, 1]. */
  targetCoverage?: number;
  /** Most points on the returned curve, in [2, 1e6]. Default 101. */
  points?: number;
}

export interface ConfidenceOptions {
  /** 'equal-width' (default) bins on [0, 1]; 'equal-mass' bins at the quantiles of the confidences (Nixon et al. 2019). */
  binning?: 'equal-width' | 'equal-mass';
  /** Bins, in [1, 1e6]. Default 15. */
  binCount?: number;
  /** 'upper' (default): (lower, upper]; 'lower': [lower, upper) (numpy, netcal). */
  binEdges?: 'upper' | 'lower';
  /** A seeded bootstrap of the ECE: `true` (1000 replicates), a replicate count, or options. */
  bootstrap?: boolean | number | EceBootstrapOptions;
  /** Selective prediction (risk–coverage, AURC, thresholds): `true` or options. Needs top-label outcomes. */
  selective?: boolean | SelectiveOptions;
}

/** A threshold of selective prediction: answer when the confidence is ≥ threshold. */
export interface SelectiveThreshold {
  target: number;
  threshold: number;
  /** Fraction of forecasts answered. */
  coverage: number;
  /** Accuracy on the answered forecasts. */
  accuracy: number;
}

export interface SelectivePrediction {
  /** Area under the risk–coverage curve (Geifman et al. 2019): mean over forecasts, ranked by falling confidence, of the error rate above them; ties enter together. */
  aurc: number;
  /** AURC of a ranking that puts every error last (the same accuracy). */
  optimalAurc: number;
  /** aurc − optimalAurc: what the confidence ranking costs. */
  excessAurc: number;
  /** The curve at up to `points` thresholds: coverage rising, risk = 1 − selective accuracy. */
  curve: { coverage: number[]; risk: number[]; threshold: number[] };
  /** With targetAccuracy: the threshold, or null when no threshold reaches it. */
  atAccuracy?: SelectiveThreshold | null;
  /** With targetCoverage. */
  atCoverage?: SelectiveThreshold;
}

export interface EceBootstrap {
  replicates: number;
  seed: number;
  level: number;
  /** Percentile interval of the ECE over the replicates (numpy's 'linear' quantiles). */
  low: number;
  high: number;
  /** Standard deviation of the replicates' ECE. */
  standardError: number;
  /** Per bin (by index) the percentile interval of its accuracy over the replicates where it is not empty; NaN when always empty. */
  bins: { low: number[]; high: number[] };
  /**
   * The ECE of a perfectly calibrated model with the same confidences (each outcome drawn as Bernoulli(confidence)),
   * simulated on as many rows: its mean, its `level` quantile, and the share of simulations at or above the observed
   * ECE (a Monte Carlo p-value, (1 + k)/(1 + simulations)). An observed ECE below `high` is what calibration alone
   * produces on this many samples.
   */
  calibratedEce: { simulations: number; mean: number; high: number; pValue: number };
}

export interface ConfidenceCalibration {
  /** Forecasts binned. */
  count: number;
  binning: 'equal-width' | 'equal-mass';
  /** Expected calibration error: Σ_b (n_b / n)·|accuracy_b − confidence_b|. */
  ece: number;
  /** Maximum calibration error over non-empty bins. */
  mce: number;
  /** RMS calibration error: √(Σ_b (n_b / n)·(accuracy_b − confidence_b)²). */
  rmsce: number;
  /** netcal's Average Calibration Error: the mean gap over non-empty bins, each weighted equally. */
  ace: number;
  bins: CalibrationBin[];
  bootstrap?: EceBootstrap;
  selective?: SelectivePrediction;
}

/** Equal-width edges b/B, b = 0 … B (the bins report these). */
export function widthEdges(binCount: number): Float64Array {
  return Float64Array.from({ length: binCount + 1 }, (_, b) => b / binCount);
}

/** numpy's quantile (method 'linear') of ascending values. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const k = Math.floor(h), g = h - k;
  const a = sorted[k], c = sorted[Math.min(k + 1, sorted.length - 1)];
  return g < 0.5 ? a + (c - a) * g : c - (c - a) * (1 - g);
}

/**
 * Rows sorted by ascending confidence, ties with incorrect rows first: both groups sort natively, then merge.
 */
export function sortRows(conf: Float64Array, correct: ArrayLike<number>): { conf: Float64Array; correct: Int32Array } {
  let hits = 0;
  for (let i = 0; i < correct.length; i++) hits += correct[i];
  const right = new Float64Array(hits), wrong = new Float64Array(conf.length - hits);
  let a = 0, b = 0;
  for (let i = 0; i < conf.length; i++) {
    if (correct[i]) right[a++] = conf[i];
    else wrong[b++] = conf[i];
  }
  right.sort();
  wrong.sort();
  const out = { conf: new Float64Array(conf.length), correct: new Int32Array(conf.length) };
  let i = 0, j = 0;
  for (let k = 0; k < conf.length; k++) {
    if (j >= right.length || (i < wrong.length && wrong[i] <= right[j])) out.conf[k] = wrong[i++];
    else {
      out.conf[k] = right[j++];
      out.correct[k] = 1;
    }
  }
  return out;
}

interface Settings {
  binning: 'equal-width' | 'equal-mass';
  binCount: number;
  lower: number;
  bootstrap?: Required<EceBootstrapOptions>;
  selective?: SelectiveOptions & { points: number };
}

function settings(op: string, o: ConfidenceOptions): Settings {
  checkOptions(op, o);
  const binning = o.binning ?? 'equal-width';
  if (binning !== 'equal-width' && binning !== 'equal-mass') throw new TStarError('E_ARGUMENT', `${op}: binning must be 'equal-width' or 'equal-mass', got ${describe(binning)}`);
  const binCount = checkInteger(op, 'binCount', o.binCount, 15, 1, 1e6);
  const edges = o.binEdges ?? 'upper';
  if (edges !== 'upper' && edges !== 'lower') throw new TStarError('E_ARGUMENT', `${op}: binEdges must be 'upper' or 'lower', got ${describe(edges)}`);
  const s: Settings = { binning, binCount, lower: edges === 'lower' ? 1 : 0 };
  if (o.bootstrap) {
    const b: EceBootstrapOptions = typeof o.bootstrap === 'number' ? { replicates: o.bootstrap } : o.bootstrap === true ? {} : o.bootstrap;
    if (typeof b !== 'object') throw new TStarError('E_ARGUMENT', `${op}: bootstrap must be true, a replicate count or options, got ${typeName(o.bootstrap)}`);
    const replicates = checkInteger(op, 'bootstrap replicates', b.replicates, 1000, 1, 1e6);
    const simulations = checkInteger(op, 'bootstrap simulations', b.simulations, replicates, 1, 1e6);
    const seed = checkInteger(op, 'bootstrap seed', b.seed, 0, 0, 2 ** 32 - 1);
    const level = checkNumber(op, 'bootstrap level', b.level ?? 0.95, Number.MIN_VALUE, 1 - Number.EPSILON);
    if (replicates * binCount > 2 ** 24) throw new TStarError('E_ARGUMENT', `${op}: ${replicates} replicates × ${binCount} bins exceed 2^24 per-bin accuracies`);
    s.bootstrap = { replicates, simulations, seed, level };
  }
  if (o.selective) {
    const q: SelectiveOptions = o.selective === true ? {} : o.selective;
    if (typeof q !== 'object') throw new TStarError('E_ARGUMENT', `${op}: selective must be true or options, got ${typeName(o.selective)}`);
    s.selective = {
      targetAccuracy: q.targetAccuracy === undefined ? undefined : checkNumber(op, 'targetAccuracy', q.targetAccuracy, Number.MIN_VALUE, 1),
      targetCoverage: q.targetCoverage === undefined ? undefined : checkNumber(op, 'targetCoverage', q.targetCoverage, Number.MIN_VALUE, 1),
      points: checkInteger(op, 'points', q.points, 101, 2, 1e6),
    };
  }
  return s;
}

type Totals = { count: ArrayLike<number>; confidence: ArrayLike<number>; correct: ArrayLike<number> };

function errors(edges: ArrayLike<number>, totals: Totals, n: number): Pick<ConfidenceCalibration, 'ece' | 'mce' | 'rmsce' | 'ace' | 'bins'> {
  const bins: CalibrationBin[] = [];
  let ece = 0, mce = 0, squares = 0, gaps = 0, used = 0;
  for (let b = 0; b < edges.length - 1; b++) {
    const count = totals.count[b];
    const bin = { lower: edges[b], upper: edges[b + 1], count, confidence: count > 0 ? totals.confidence[b] / count : 0, accuracy: count > 0 ? totals.correct[b] / count : 0 };
    bins.push(bin);
    if (count === 0) continue;
    const gap = Math.abs(bin.accuracy - bin.confidence);
    ece += (count / n) * gap;
    squares += (count / n) * gap * gap;
    mce = Math.max(mce, gap);
    gaps += gap;
    used++;
  }
  return { ece, mce, rmsce: Math.sqrt(squares), ace: gaps / used, bins };
}

/**
 * The binned calibration of forecasts given as confidences and outcomes. `equalWidth`: bins already summed (the
 * pass over the data made them), used for equal-width bins when no rows are given.
 */
export function fromConfidences(op: string, conf: Float64Array | undefined, correct: ArrayLike<number> | undefined, options: ConfidenceOptions, equalWidth?: Totals): ConfidenceCalibration {
  const s = settings(op, options);
  const B = s.binCount;
  let n = 0;
  if (conf) n = conf.length;
  else for (let b = 0; b < B; b++) n += equalWidth!.count[b];
  const sorted = conf && (s.binning === 'equal-mass' || s.bootstrap || s.selective) ? sortRows(conf, correct!) : undefined;
  const w = wasm();
  const resampling = s.bootstrap ? (B + 1) * 8 + (n + Math.ceil(n / 4096)) * 4 + B * 24 + Math.max(s.bootstrap.replicates, s.bootstrap.simulations) * 8 + s.bootstrap.replicates * B * 8 : 0;
  arenaReset(n * 8, n * 4, (B + 1) * 8, (B + 1) * 8, B * 24, resampling);
  let edges = widthEdges(B);
  let totals: Totals | undefined = s.binning === 'equal-width' ? equalWidth : undefined;
  const sortedPtrs = sorted ? [put(sorted.conf), put(sorted.correct)] : [];
  if (s.binning === 'equal-mass') {
    const edgesPtr = alloc((B + 1) * 8);
    w.metricsMassEdges(sortedPtrs[0], n, B, edgesPtr);
    edges = f64(edgesPtr, B + 1).slice();
  }
  if (!totals) {
    const [confPtr, correctPtr] = sorted ? sortedPtrs : [put(conf!), put(Int32Array.from(correct!))];
    const edgesPtr = put(edges), outPtr = alloc(B * 24);
    w.metricsBins(confPtr, correctPtr, n, edgesPtr, B, s.lower, outPtr);
    const b = f64(outPtr, B * 3);
    totals = { count: Array.from({ length: B }, (_, j) => b[3 * j]), confidence: Array.from({ length: B }, (_, j) => b[3 * j + 1]), correct: Array.from({ length: B }, (_, j) => b[3 * j + 2]) };
  }
  const result: ConfidenceCalibration = { count: n, binning: s.binning, ...errors(edges, totals, n) };
  if (s.bootstrap) result.bootstrap = bootstrap(sortedPtrs[0], sortedPtrs[1], n, edges, s, result.ece);
  if (s.selective) result.selective = selective(sorted!.conf, sorted!.correct, s.selective);
  return result;
}

function bootstrap(confPtr: number, correctPtr: number, n: number, edges: Float64Array, s: Settings, observed: number): EceBootstrap {
  const { replicates: R, simulations: S, seed, level } = s.bootstrap!;
  const B = s.binCount;
  const w = wasm();
  const edgesPtr = alloc((B + 1) * 8);
  const countsPtr = alloc((n + Math.ceil(n / 4096)) * 4), binsPtr = alloc(B * 24);
  const ecePtr = alloc(Math.max(R, S) * 8), accPtr = alloc(R * B * 8);
  const mass = s.binning === 'equal-mass' ? 1 : 0;
  f64(edgesPtr, B + 1).set(edges);
  w.metricsResample(confPtr, correctPtr, n, edgesPtr, B, mass, s.lower, R, seed, 0, countsPtr, binsPtr, ecePtr, accPtr);
  const eces = f64(ecePtr, R).slice().sort();
  const acc = f64(accPtr, R * B).slice();
  // The simulation keeps the rows, so it keeps the full sample's edges; its stream is seeded apart.
  f64(edgesPtr, B + 1).set(edges);
  w.metricsResample(confPtr, correctPtr, n, edgesPtr, B, mass, s.lower, S, (seed ^ 0x9e3779b9) >>> 0, 1, countsPtr, binsPtr, ecePtr, 0);
  const sims = f64(ecePtr, S).slice().sort();
  const lo = (1 - level) / 2, hi = (1 + level) / 2;
  const binLow: number[] = [], binHigh: number[] = [];
  for (let b = 0; b < B; b++) {
    const v: number[] = [];
    for (let r = 0; r < R; r++) if (!Number.isNaN(acc[r * B + b])) v.push(acc[r * B + b]);
    v.sort((x, y) => x - y);
    binLow.push(v.length ? quantile(v, lo) : NaN);
    binHigh.push(v.length ? quantile(v, hi) : NaN);
  }
  const mean = eces.reduce((a, b) => a + b, 0) / R;
  const sd = Math.sqrt(eces.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, R - 1));
  let above = 0;
  for (const e of sims) if (e >= observed) above++;
  return {
    replicates: R, seed, level, low: quantile(eces, lo), high: quantile(eces, hi), standardError: sd, bins: { low: binLow, high: binHigh },
    calibratedEce: { simulations: S, mean: sims.reduce((a, b) => a + b, 0) / S, high: quantile(sims, level), pValue: (1 + above) / (1 + S) },
  };
}

function selective(conf: Float64Array, correct: Int32Array, o: SelectiveOptions & { points: number }): SelectivePrediction {
  const n = conf.length;
  // Groups of equal confidence, falling: cumulative count and errors at each group's end.
  const cover: number[] = [], risk: number[] = [], threshold: number[] = [];
  let k = 0, e = 0, aurc = 0;
  for (let i = n - 1; i >= 0;) {
    const c = conf[i];
    let size = 0;
    for (; i >= 0 && conf[i] === c; i--, size++) e += 1 - correct[i];
    k += size;
    aurc += (size / n) * (e / k);
    cover.push(k / n);
    risk.push(e / k);
    threshold.push(c);
  }
  let optimal = 0;
  for (let j = n - e + 1; j <= n; j++) optimal += (j - (n - e)) / j;
  optimal /= n;
  const curve = { coverage: [] as number[], risk: [] as number[], threshold: [] as number[] };
  let g = 0;
  for (let q = 1; q <= o.points; q++) {
    const target = q / o.points;
    while (g < cover.length - 1 && cover[g] < target - 1e-12) g++;
    if (curve.threshold.length && curve.threshold[curve.threshold.length - 1] === threshold[g]) continue;
    curve.coverage.push(cover[g]);
    curve.risk.push(risk[g]);
    curve.threshold.push(threshold[g]);
  }
  const at = (target: number, j: number): SelectiveThreshold => ({ target, threshold: threshold[j], coverage: cover[j], accuracy: 1 - risk[j] });
  const result: SelectivePrediction = { aurc, optimalAurc: optimal, excessAurc: aurc - optimal, curve };
  if (o.targetAccuracy !== undefined) {
    let best = -1;
    for (let j = 0; j < cover.length; j++) if (1 - risk[j] >= o.targetAccuracy) best = j;
    result.atAccuracy = best < 0 ? null : at(o.targetAccuracy, best);
  }
  if (o.targetCoverage !== undefined) {
    let j = 0;
    while (j < cover.length - 1 && cover[j] < o.targetCoverage - 1e-12) j++;
    result.atCoverage = at(o.targetCoverage, j);
  }
  return result;
}

/**
 * The binned calibration of any forecasts from their confidences and outcomes — to bin your own way, or to
 * bin rows gathered from shards (`calibrationSums(…, { perRow: true })`): ECE, MCE, RMS and ACE over
 * equal-width or equal-mass bins, the bootstrap and selective prediction as in calibrationMetrics.
 * @throws {TStarError} E_DTYPE, E_SHAPE, E_EMPTY, E_NONFINITE (a confidence not finite), E_ARGUMENT (a confidence
 * outside [0, 1], an outcome not 0/1, bad options)
 * @example calibrationFromConfidences(m.confidences, m.correct, { binning: 'equal-mass', binCount: 10 }).ece
 */
export function calibrationFromConfidences(confidences: Float64Array, correct: Uint8Array | Int32Array, options: ConfidenceOptions = {}): ConfidenceCalibration {
  const op = 'calibrationFromConfidences';
  if (!(confidences instanceof Float64Array)) throw new TStarError('E_DTYPE', `${op}: confidences must be a Float64Array, got ${typeName(confidences)}`);
  if (!(correct instanceof Uint8Array || correct instanceof Int32Array)) throw new TStarError('E_DTYPE', `${op}: correct must be a Uint8Array or Int32Array, got ${typeName(correct)}`);
  if (correct.length !== confidences.length) throw new TStarError('E_SHAPE', `${op}: ${confidences.length} confidences but ${correct.length} outcomes`);
  if (confidences.length === 0) throw new TStarError('E_EMPTY', `${op}: no forecasts`);
  for (let i = 0; i < confidences.length; i++) {
    const c = confidences[i];
    if (!Number.isFinite(c)) throw new TStarError('E_NONFINITE', `${op}: confidence ${i} is ${c}`);
    if (c < 0 || c > 1) throw new TStarError('E_ARGUMENT', `${op}: confidence ${i} is ${c}, outside [0, 1]`);
    if (correct[i] !== 0 && correct[i] !== 1) throw new TStarError('E_ARGUMENT', `${op}: outcome ${i} is ${correct[i]}, expected 0 or 1`);
  }
  return fromConfidences(op, confidences, correct, options);
}
