import { TStarError } from './errors.js';
import { checkInteger } from './validate.js';

/**
 * Coefficients of the temperature rule T̂* = clip(α·√M + β + γ·ln(CSG) + δ·ln(CN), floor, ceiling)
 * (Hasegawa & Sakai, arXiv 2504.15594).
 */
export interface TemperatureCoefficients {
  /** α, the weight of √M. Published: 0.7239. */
  alpha: number;
  /** β, the intercept. Published: −4.706. */
  beta: number;
  /** γ, the weight of ln(CSG). Not recoverable from the paper; default 0. */
  gamma: number;
  /** δ, the weight of ln(number of classes). Not recoverable from the paper; default 0. */
  delta: number;
  /** Lower clip applied to the final sum. Not recoverable from the paper; default 1. */
  floor: number;
  /** Upper clip applied to the final sum. Not recoverable from the paper; default Infinity (no cap). */
  ceiling: number;
}

/**
 * The defaults of {@link optimalTemperature}. α = 0.7239 and β = −4.706 are the published values, fitted on
 * CIFAR and TinyImageNet with CNNs and ViTs. γ, δ and the clip bounds could not be recovered from the paper:
 * γ = δ = 0 switches the CSG and class-count terms off, floor = 1 keeps the rule positive for M ≤ 42 (where
 * α·√M + β ≤ 0), ceiling = Infinity leaves it uncapped. Refit all of them on your own sweep with
 * {@link fitCoefficients}.
 * @example optimalTemperature({ featureDim: 768, coefficients: { ...DEFAULT_COEFFICIENTS, ceiling: 20 } })
 */
export const DEFAULT_COEFFICIENTS: Readonly<TemperatureCoefficients> = Object.freeze({
  alpha: 0.7239,
  beta: -4.706,
  gamma: 0,
  delta: 0,
  floor: 1,
  ceiling: Infinity,
});

/**
 * CSG is exactly 0 for perfectly separated classes; ln takes max(CSG, CSG_FLOOR) so the term stays finite.
 * @example optimalTemperature({ featureDim: 512, csg: 0, coefficients: { gamma: 0.1 } }).csgTerm // 0.1·ln(CSG_FLOOR)
 */
export const CSG_FLOOR = 1e-12;

export interface OptimalTemperatureInput {
  /** M: the width of the feature vector entering the final linear layer. Integer ≥ 1. */
  featureDim: number;
  /** CN: the number of classes. Integer ≥ 2. The δ term is used only when this is given. */
  numClasses?: number;
  /** The task's cumulative spectral gradient, ≥ 0. The γ term is used only when this is given. */
  csg?: number;
  /** Overrides, merged over {@link DEFAULT_COEFFICIENTS}. */
  coefficients?: Partial<TemperatureCoefficients>;
}

export interface OptimalTemperature {
  /** T̂*: the clipped sum, ready to divide the logits by in training and at inference. */
  temperature: number;
  /** α·√M + β. */
  base: number;
  /** γ·ln(max(CSG, csgFloor)), or 0 when no CSG was given. */
  csgTerm: number;
  /** δ·ln(CN), or 0 when no class count was given. */
  classTerm: number;
  /** Whether the floor or the ceiling replaced the sum. */
  clipped: boolean;
  /** The coefficients used (defaults merged with overrides). */
  coefficients: TemperatureCoefficients;
  /** The floor CSG was raised to before its logarithm ({@link CSG_FLOOR}). */
  csgFloor: number;
}

const OP = 'optimalTemperature';

function checkCsg(op: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TStarError('E_ARGUMENT', `${op}: csg must be a finite number ≥ 0, got ${String(value)}`);
  }
  return value;
}

function resolveCoefficients(op: string, overrides: unknown): TemperatureCoefficients {
  if (overrides !== undefined && (typeof overrides !== 'object' || overrides === null)) {
    throw new TStarError('E_ARGUMENT', `${op}: coefficients must be an object, got ${String(overrides)}`);
  }
  const c: TemperatureCoefficients = { ...DEFAULT_COEFFICIENTS, ...(overrides as Partial<TemperatureCoefficients> | undefined) };
  for (const key of ['alpha', 'beta', 'gamma', 'delta'] as const) {
    if (typeof c[key] !== 'number' || !Number.isFinite(c[key])) {
      throw new TStarError('E_ARGUMENT', `${op}: coefficients.${key} must be a finite number, got ${String(c[key])}`);
    }
  }
  if (typeof c.floor !== 'number' || Number.isNaN(c.floor) || c.floor === Infinity) {
    throw new TStarError('E_ARGUMENT', `${op}: coefficients.floor must be a number below Infinity, got ${String(c.floor)}`);
  }
  if (typeof c.ceiling !== 'number' || Number.isNaN(c.ceiling) || c.ceiling === -Infinity) {
    throw new TStarError('E_ARGUMENT', `${op}: coefficients.ceiling must be a number above -Infinity, got ${String(c.ceiling)}`);
  }
  if (c.floor > c.ceiling) {
    throw new TStarError('E_ARGUMENT', `${op}: coefficients.floor (${c.floor}) exceeds coefficients.ceiling (${c.ceiling})`);
  }
  return c;
}

/**
 * The training temperature from the feature dimension (Hasegawa & Sakai, arXiv 2504.15594):
 * T̂* = clip(α·√M + β + γ·ln(CSG) + δ·ln(CN), floor, ceiling), natural logarithms. Intended for a network
 * with BatchNorm right before its final linear layer; divide the logits by T̂* in training and at inference.
 * Only α = 0.7239 and β = −4.706 are published. γ, δ and the clip bounds are not recoverable from the paper
 * and default to γ = δ = 0, floor = 1, ceiling = Infinity; the CSG and class terms are added only when their
 * input is given. CSG (exactly 0 for perfectly separated classes) is raised to {@link CSG_FLOOR} before ln.
 * @throws {TStarError} E_ARGUMENT (featureDim not an integer ≥ 1, numClasses not an integer ≥ 2, csg negative
 * or non-finite, a non-finite coefficient, floor > ceiling)
 * @example optimalTemperature({ featureDim: 512 }).temperature // 11.674…
 */
export function optimalTemperature(input: OptimalTemperatureInput): OptimalTemperature {
  if (typeof input !== 'object' || input === null) throw new TStarError('E_ARGUMENT', `${OP}: expected { featureDim, numClasses?, csg?, coefficients? }, got ${String(input)}`);
  const featureDim = checkInteger(OP, 'featureDim', input.featureDim, undefined, 1);
  const numClasses = input.numClasses === undefined ? undefined : checkInteger(OP, 'numClasses', input.numClasses, undefined, 2);
  const csg = input.csg === undefined ? undefined : checkCsg(OP, input.csg);
  const coefficients = resolveCoefficients(OP, input.coefficients);
  const base = coefficients.alpha * Math.sqrt(featureDim) + coefficients.beta;
  // A zero coefficient gives exactly 0 (not −0 from 0·ln of a small CSG).
  const csgTerm = csg === undefined || coefficients.gamma === 0 ? 0 : coefficients.gamma * Math.log(Math.max(csg, CSG_FLOOR));
  const classTerm = numClasses === undefined || coefficients.delta === 0 ? 0 : coefficients.delta * Math.log(numClasses);
  const sum = base + csgTerm + classTerm;
  const temperature = Math.min(Math.max(sum, coefficients.floor), coefficients.ceiling);
  if (!Number.isFinite(temperature) || !(temperature > 0)) {
    throw new TStarError('E_ARGUMENT', `${OP}: T̂* = ${temperature} from these coefficients is not a finite temperature > 0 (raise coefficients.floor, or check α, β)`);
  }
  return { temperature, base, csgTerm, classTerm, clipped: temperature !== sum, coefficients, csgFloor: CSG_FLOOR };
}

/** One point of a user's sweep: the task's M (and optionally CSG, CN) and the best temperature found. */
export interface CoefficientRow {
  featureDim: number;
  csg?: number;
  numClasses?: number;
  /** The best training temperature observed for this configuration; finite and > 0. */
  temperature: number;
}

export interface FitCoefficientsOptions {
  /** Fit γ: true requires csg on every row, false leaves γ = 0. Default: fit when every row has csg. */
  csg?: boolean;
  /** Fit δ: true requires numClasses on every row, false leaves δ = 0. Default: fit when every row has it. */
  numClasses?: boolean;
  /** Clip bounds copied into the returned coefficients (the fit itself is unclipped). Defaults 1 and Infinity. */
  floor?: number;
  ceiling?: number;
}

export type CoefficientName = 'alpha' | 'beta' | 'gamma' | 'delta';

export interface CoefficientFit {
  /** Fitted α, β (and γ, δ when fitted; 0 otherwise), ready for {@link optimalTemperature}. */
  coefficients: TemperatureCoefficients;
  /** Which coefficients were fitted, in design-matrix order. */
  fitted: CoefficientName[];
  /** temperature − fitted value, one per row, unclipped. */
  residuals: number[];
  /** Coefficient of determination 1 − SS_res / SS_tot (1 when every temperature is equal and fitted exactly). */
  r2: number;
  /** Number of rows used. */
  rows: number;
}

const FIT = 'fitCoefficients';
// Columns whose R diagonal is below this fraction of the column's own norm are linear combinations of the
// earlier ones (e.g. every row has the same M): the fit would be arbitrary, so it is refused.
const RANK_TOLERANCE = 1e-10;

function wants(name: 'csg' | 'numClasses', option: unknown, rows: readonly CoefficientRow[]): boolean {
  const all = rows.every((row) => row[name] !== undefined);
  if (option === undefined) return all;
  if (typeof option !== 'boolean') throw new TStarError('E_ARGUMENT', `${FIT}: options.${name} must be a boolean, got ${String(option)}`);
  if (option && !all) {
    const at = rows.findIndex((row) => row[name] === undefined);
    throw new TStarError('E_ARGUMENT', `${FIT}: options.${name} is true but row ${at} has no ${name}`);
  }
  return option;
}

/**
 * Least-squares fit of the rule's coefficients to a sweep: temperature ≈ α·√M + β [+ γ·ln(max(CSG, 1e-12))]
 * [+ δ·ln(CN)] — the paper's own coefficient-fitting step, so the rule can be refit on another domain. Solved
 * by Householder QR in float64 (no normal equations, so no squared condition number), with a rank check.
 * @throws {TStarError} E_ARGUMENT (bad row values, fewer rows than coefficients, or a degenerate sweep such as
 * every row sharing one M)
 * @example fitCoefficients([{ featureDim: 64, temperature: 2 }, { featureDim: 256, temperature: 7 }, { featureDim: 1024, temperature: 18 }])
 */
export function fitCoefficients(rows: readonly CoefficientRow[], options: FitCoefficientsOptions = {}): CoefficientFit {
  if (!Array.isArray(rows)) throw new TStarError('E_ARGUMENT', `${FIT}: rows must be an array, got ${String(rows)}`);
  rows.forEach((row, i) => {
    if (typeof row !== 'object' || row === null) throw new TStarError('E_ARGUMENT', `${FIT}: row ${i} must be an object, got ${String(row)}`);
    checkInteger(`${FIT}: row ${i}`, 'featureDim', row.featureDim, undefined, 1);
    if (row.numClasses !== undefined) checkInteger(`${FIT}: row ${i}`, 'numClasses', row.numClasses, undefined, 2);
    if (row.csg !== undefined) checkCsg(`${FIT}: row ${i}`, row.csg);
    if (typeof row.temperature !== 'number' || !Number.isFinite(row.temperature) || row.temperature <= 0) {
      throw new TStarError('E_ARGUMENT', `${FIT}: row ${i}: temperature must be a finite number > 0, got ${String(row.temperature)}`);
    }
  });
  const clip = resolveCoefficients(FIT, { floor: options.floor ?? DEFAULT_COEFFICIENTS.floor, ceiling: options.ceiling ?? DEFAULT_COEFFICIENTS.ceiling });
  const fitted: CoefficientName[] = ['alpha', 'beta'];
  const columns: Array<(row: CoefficientRow) => number> = [(row) => Math.sqrt(row.featureDim), () => 1];
  if (wants('csg', options.csg, rows)) {
    fitted.push('gamma');
    columns.push((row) => Math.log(Math.max(row.csg!, CSG_FLOOR)));
  }
  if (wants('numClasses', options.numClasses, rows)) {
    fitted.push('delta');
    columns.push((row) => Math.log(row.numClasses!));
  }
  const n = rows.length, p = columns.length;
  if (n < p) throw new TStarError('E_ARGUMENT', `${FIT}: fitting ${fitted.join(', ')} needs at least ${p} rows, got ${n}`);

  const a = columns.map((column) => Float64Array.from(rows, column));
  const b = Float64Array.from(rows, (row) => row.temperature);
  const solution = solveLeastSquares(a, b, fitted);
  if (!solution.every(Number.isFinite)) {
    throw new TStarError('E_ARGUMENT', `${FIT}: the fitted coefficients overflow (${Array.from(solution).join(', ')}); the sweep's values are too large to fit in float64`);
  }

  const coefficients: TemperatureCoefficients = { alpha: 0, beta: 0, gamma: 0, delta: 0, floor: clip.floor, ceiling: clip.ceiling };
  fitted.forEach((name, j) => { coefficients[name] = solution[j]; });
  const residuals = rows.map((row) => {
    let fit = 0;
    for (let j = 0; j < p; j++) fit += solution[j] * columns[j](row);
    return row.temperature - fit;
  });
  let mean = 0, scale = 0;
  for (const row of rows) {
    mean += row.temperature / n;
    scale = Math.max(scale, row.temperature);
  }
  let ssRes = 0, ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += residuals[i] ** 2;
    ssTot += (rows[i].temperature - mean) ** 2;
  }
  // Equal temperatures leave SS_tot at rounding level; the intercept then fits them exactly.
  const r2 = ssTot > n * (1e-12 * scale) ** 2 ? 1 - ssRes / ssTot : 1;
  return { coefficients, fitted, residuals, r2, rows: n };
}

/** Householder QR least squares on column-major `a` (columns of length n); `a` and `b` are overwritten. */
function solveLeastSquares(a: Float64Array[], b: Float64Array, names: readonly string[]): Float64Array {
  const p = a.length, n = b.length;
  const norms = a.map((col) => Math.sqrt(col.reduce((s, v) => s + v * v, 0)));
  const diag = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    const col = a[k];
    let squares = 0;
    for (let i = k; i < n; i++) squares += col[i] * col[i];
    const norm = Math.sqrt(squares);
    if (!(norm > RANK_TOLERANCE * norms[k])) {
      throw new TStarError('E_ARGUMENT', `${FIT}: the sweep cannot determine ${names[k]}: its column is a linear combination of ${names.slice(0, k).join(', ') || 'nothing'} (e.g. every row has the same featureDim, csg or numClasses)`);
    }
    const alpha = col[k] > 0 ? -norm : norm;
    // v = x − alpha·e1, stored in place; H = I − 2vvᵀ/(vᵀv).
    col[k] -= alpha;
    let vv = 0;
    for (let i = k; i < n; i++) vv += col[i] * col[i];
    const reflect = (target: Float64Array): void => {
      let dot = 0;
      for (let i = k; i < n; i++) dot += col[i] * target[i];
      const s = (2 * dot) / vv;
      for (let i = k; i < n; i++) target[i] -= s * col[i];
    };
    for (let j = k + 1; j < p; j++) reflect(a[j]);
    reflect(b);
    diag[k] = alpha;
  }
  const x = new Float64Array(p);
  for (let k = p - 1; k >= 0; k--) {
    let s = b[k];
    for (let j = k + 1; j < p; j++) s -= a[j][k] * x[j];
    x[k] = s / diag[k];
  }
  return x;
}
