import { TStarError, type TStarWarning } from './errors.js';
import { wasm } from './load.js';
import { alloc, arenaReset, check, f64, put } from './memory.js';
import { checkInteger, checkLabels, checkMatrix, checkPositive, checkTargets, checkTemperature, describe, typeName, type Shape2D } from './validate.js';
import { oneIndexedWarning, probabilityWarning } from './diagnostics.js';
import { probabilitiesToLogits } from './metrics.js';

/**
 * Sufficient sums of the NLL over a set of rows at one temperature T: sums over rows of NLL(T), dNLL/dT and
 * d²NLL/dT², and the row count. Sums from disjoint shards at the same T add up to the sums of their union.
 */
export interface TemperatureObjective {
  nllSum: number;
  gradSum: number;
  hessSum: number;
  count: number;
}

/** Evaluates the summed objective (over every shard) at a temperature; see {@link fitTemperatureWith}. */
export type TemperatureObjectiveFn = (temperature: number) => TemperatureObjective;

export interface FitTemperatureOptions {
  /** Starting temperature, in [1e-6, 1e6]; nllBefore is measured here. Default 1. */
  initialTemperature?: number;
  /** Stop when a step changes ln T by at most this (a relative change in T). Default 1e-6. */
  tolerance?: number;
  /** Most objective evaluations, the one at `initialTemperature` included. Default 100. */
  maxEvaluations?: number;
}

export interface TemperatureObjectiveOptions {
  /** The temperature the sums are taken at; finite and > 0. */
  temperature: number;
}

export interface TemperatureFit {
  /** The fitted temperature: divide the logits by it. */
  temperature: number;
  /** Mean NLL at `initialTemperature`. */
  nllBefore: number;
  /** Mean NLL at `temperature`. */
  nllAfter: number;
  /** Objective evaluations used, the one at `initialTemperature` included. */
  evaluations: number;
  /**
   * False when maxEvaluations ran out, or when the optimum is not finite: the NLL still decreases at a search
   * bound (T = 1e-6 or 1e6) or has reached 0. Logits that rank every label first have their optimum at T → 0;
   * logits whose labels score below the row mean on balance have it at T → ∞.
   */
  converged: boolean;
  /**
   * Why the fit is not to be trusted as is, when it is not: `W_NOT_CONVERGED` (maxEvaluations ran out),
   * `W_AT_BOUND` (stopped at a search bound: the optimum is at T → 0 or T → ∞), `W_SEPARATED` (NLL reached 0:
   * every label is ranked first, only T → 0 does better). Empty for a converged fit.
   */
  warnings: TStarWarning[];
}

/** Copies logits and labels into the arena once; the returned function evaluates the sums at any T. */
function arenaObjective(op: string, logits: Float32Array, rows: number, cols: number, labels: Int32Array): TemperatureObjectiveFn {
  arenaReset(logits.byteLength, labels.byteLength, 24);
  const xPtr = put(logits);
  const yPtr = put(labels);
  const outPtr = alloc(24);
  const kernel = wasm().temperatureObjective;
  return (temperature) => {
    check(op, kernel(xPtr, yPtr, rows, cols, 1 / temperature, outPtr));
    const [nllSum, gradSum, hessSum] = f64(outPtr, 3);
    return { nllSum, gradSum, hessSum, count: rows };
  };
}

/**
 * Sums over rows of the NLL of `softmax(logits / temperature)` at the labels and its first and second
 * derivatives in T (analytic: dNLL/dT = (x_y − E_p[x])/T², d²NLL/dT² = Var_p[x]/T⁴ − 2(x_y − E_p[x])/T³).
 * Compute it per shard and add the fields ({@link mergeTemperatureObjectives}) to fit one temperature over
 * data spread across workers or machines. −Infinity logits are masks.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_TEMPERATURE, E_LABEL (out of range or on a masked logit),
 * E_NONFINITE (NaN or +Infinity), E_MASKED (a row of only −Infinity)
 * @example temperatureObjective(logits, [1000, 10], labels, { temperature: 1.5 }).nllSum
 */
export function temperatureObjective(logits: Float32Array, shape: Shape2D, labels: Int32Array, options: TemperatureObjectiveOptions): TemperatureObjective {
  const op = 'temperatureObjective';
  const [rows, cols] = checkMatrix(op, 'logits', logits, shape);
  checkLabels(op, labels, rows, cols);
  if (options === null || typeof options !== 'object') throw new TStarError('E_ARGUMENT', `${op}: options { temperature } are required, got ${typeName(options)}`);
  const t = checkTemperature(op, options.temperature);
  if (rows === 0) return { nllSum: 0, gradSum: 0, hessSum: 0, count: 0 };
  return arenaObjective(op, logits, rows, cols, labels)(t);
}

/**
 * Adds per-shard objectives taken at the same temperature.
 * @throws {TStarError} E_ARGUMENT (not an array of objectives)
 * @example mergeTemperatureObjectives(await Promise.all(shards.map((s) => s.objective(t))))
 */
export function mergeTemperatureObjectives(parts: readonly TemperatureObjective[]): TemperatureObjective {
  const op = 'mergeTemperatureObjectives';
  if (!Array.isArray(parts)) throw new TStarError('E_ARGUMENT', `${op}: expected an array of objectives, got ${typeName(parts)}`);
  const total = { nllSum: 0, gradSum: 0, hessSum: 0, count: 0 };
  for (const [i, part] of parts.entries()) {
    if (!isObjective(part)) throw new TStarError('E_ARGUMENT', `${op}: parts[${i}] is not { nllSum, gradSum, hessSum, count } of finite numbers, got ${typeName(part)}`);
    total.nllSum += part.nllSum;
    total.gradSum += part.gradSum;
    total.hessSum += part.hessSum;
    total.count += part.count;
  }
  return total;
}

// The search runs on s = ln T within these bounds; one step moves s by at most MAX_STEP (T by e² at most).
const LOG_T_MIN = Math.log(1e-6);
const LOG_T_MAX = Math.log(1e6);
const MAX_STEP = 2;

interface Settings {
  init: number;
  tolerance: number;
  maxEvaluations: number;
}

function isObjective(o: unknown): o is TemperatureObjective {
  if (o === null || typeof o !== 'object') return false;
  const p = o as Record<string, unknown>;
  return ['nllSum', 'gradSum', 'hessSum', 'count'].every((k) => typeof p[k] === 'number' && Number.isFinite(p[k]));
}

function settings(op: string, options: FitTemperatureOptions): Settings {
  if (typeof options !== 'object' || options === null) throw new TStarError('E_ARGUMENT', `${op}: options must be an object, got ${typeName(options)}`);
  const init = checkTemperature(op, options.initialTemperature ?? 1);
  if (init < 1e-6 || init > 1e6) throw new TStarError('E_TEMPERATURE', `${op}: initialTemperature must be in [1e-6, 1e6], got ${init}`);
  const tolerance = checkPositive(op, 'tolerance', options.tolerance ?? 1e-6);
  const maxEvaluations = checkInteger(op, 'maxEvaluations', options.maxEvaluations, 100, 1);
  return { init, tolerance, maxEvaluations };
}

function checkObjective(op: string, value: unknown, temperature: number): TemperatureObjective {
  const o = value as TemperatureObjective;
  if (typeof o !== 'object' || o === null || typeof o.count !== 'number' || typeof o.nllSum !== 'number' || typeof o.gradSum !== 'number' || typeof o.hessSum !== 'number') {
    throw new TStarError('E_ARGUMENT', `${op}: the objective must return { nllSum, gradSum, hessSum, count }, got ${typeName(value)}`);
  }
  if (!Number.isSafeInteger(o.count) || o.count < 1) throw new TStarError('E_EMPTY', `${op}: the objective covers ${o.count} rows at T = ${temperature}; a fit needs at least one`);
  if (!Number.isFinite(o.nllSum) || !Number.isFinite(o.gradSum) || !Number.isFinite(o.hessSum)) {
    throw new TStarError('E_NONFINITE', `${op}: the objective at T = ${temperature} is not finite (nllSum ${o.nllSum}, gradSum ${o.gradSum}, hessSum ${o.hessSum})`);
  }
  return o;
}

/**
 * The fit as a coroutine: yields each temperature to evaluate, receives the summed objective there. Newton on
 * s = ln T, where the mean NLL f has f' = T·g and f'' = T²·h + T·g (g, h: mean dNLL/dT, d²NLL/dT²). NLL is
 * convex in 1/T (a log-sum-exp of linear functions minus a linear one), so f' changes sign at most once: each
 * evaluated point tightens a bracket [lo, hi] around the minimum, and a Newton step that leaves the bracket,
 * or a non-positive f'', is replaced by bisection or by a bounded step downhill.
 */
function* newton(op: string, s: Settings): Generator<number, TemperatureFit, unknown> {
  let x = Math.log(s.init);
  let lo = -Infinity, hi = Infinity;
  let best = { t: s.init, f: Infinity };
  let nllBefore = NaN;
  let evaluations = 0;
  const result = (temperature: number, nllAfter: number, warning?: TStarWarning): TemperatureFit =>
    ({ temperature, nllBefore, nllAfter, evaluations, converged: warning === undefined, warnings: warning ? [warning] : [] });
  for (;;) {
    const t = evaluations === 0 ? s.init : Math.exp(x);
    const o = checkObjective(op, yield t, t);
    evaluations++;
    const f = o.nllSum / o.count, g = o.gradSum / o.count, h = o.hessSum / o.count;
    if (evaluations === 1) nllBefore = f;
    if (f < best.f) best = { t, f };
    const d1 = t * g, d2 = t * t * h + t * g;
    // A flat objective (every row constant) is solved anywhere; an NLL of exactly 0 means every label is
    // separated and only T → 0 does better, so the search stops rather than crawl toward the bound.
    if (f === 0) return result(t, f, { code: 'W_SEPARATED', message: `${op}: the NLL is 0 at T = ${t}: every label is ranked first, so the optimum is at T → 0` });
    if (d1 === 0) return result(t, f);
    if (d1 < 0) lo = x;
    else hi = x;
    let step = d2 > 0 ? -d1 / d2 : -Math.sign(d1) * MAX_STEP;
    step = Math.max(-MAX_STEP, Math.min(MAX_STEP, step));
    let next = x + step;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    next = Math.max(LOG_T_MIN, Math.min(LOG_T_MAX, next));
    const done = Math.abs(next - x) <= s.tolerance || hi - lo <= s.tolerance;
    // Near the minimum the f32 exponentials leave ~1e-7 relative noise in f but not in the sign of f', so a
    // converged search returns its last point, not the lowest f seen.
    if (done) {
      const atBound = (d1 < 0 && x >= LOG_T_MAX) || (d1 > 0 && x <= LOG_T_MIN);
      return result(t, f, atBound ? { code: 'W_AT_BOUND', message: `${op}: the NLL still decreases at the search bound T = ${t.toPrecision(3)}: the optimum is at T → ${d1 < 0 ? '∞' : '0'}` } : undefined);
    }
    if (evaluations >= s.maxEvaluations) {
      return result(best.t, best.f, { code: 'W_NOT_CONVERGED', message: `${op}: stopped after maxEvaluations = ${s.maxEvaluations} without converging` });
    }
    x = next;
  }
}

/**
 * Fits one temperature from an objective you evaluate yourself — typically the sum of
 * {@link temperatureObjective} over shards held by workers or machines (see {@link fitTemperatureWithAsync}
 * for asynchronous ones). Same search and result as {@link fitTemperature}.
 * @throws {TStarError} E_ARGUMENT, E_TEMPERATURE (bad options or objective), E_EMPTY (count 0), E_NONFINITE
 * @example fitTemperatureWith((t) => mergeTemperatureObjectives(shards.map((s) => temperatureObjective(s.logits, s.shape, s.labels, { temperature: t }))))
 */
export function fitTemperatureWith(objective: TemperatureObjectiveFn, options: FitTemperatureOptions = {}): TemperatureFit {
  const op = 'fitTemperatureWith';
  if (typeof objective !== 'function') throw new TStarError('E_ARGUMENT', `${op}: objective must be a function of the temperature, got ${typeof objective}`);
  const steps = newton(op, settings(op, options));
  let step = steps.next();
  while (!step.done) step = steps.next(objective(step.value));
  return step.value;
}

/**
 * {@link fitTemperatureWith} for an objective that answers asynchronously (worker pools, remote shards).
 * Evaluations run one after another; parallelism belongs inside the objective (evaluate shards concurrently,
 * then add them with {@link mergeTemperatureObjectives}).
 * @throws {TStarError} (as a rejection) E_ARGUMENT, E_TEMPERATURE, E_EMPTY, E_NONFINITE, or what the objective throws
 * @example await fitTemperatureWithAsync(async (t) => mergeTemperatureObjectives(await pool.map((shard) => shard.objective(t))))
 */
export async function fitTemperatureWithAsync(
  objective: (temperature: number) => TemperatureObjective | PromiseLike<TemperatureObjective>,
  options: FitTemperatureOptions = {},
): Promise<TemperatureFit> {
  const op = 'fitTemperatureWithAsync';
  if (typeof objective !== 'function') throw new TStarError('E_ARGUMENT', `${op}: objective must be a function of the temperature, got ${typeof objective}`);
  const steps = newton(op, settings(op, options));
  let step = steps.next();
  while (!step.done) step = steps.next(await objective(step.value));
  return step.value;
}

/**
 * Post-hoc temperature scaling (Guo et al. 2017): the T > 0 minimising the mean NLL of
 * `softmax(logits / T)` at the labels. Safeguarded Newton on ln T with analytic derivatives from one WASM
 * pass per evaluation (typically 4–8 passes); the logits are copied into wasm memory once.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_EMPTY (no rows), E_TEMPERATURE (initialTemperature), E_ARGUMENT
 * (tolerance, maxEvaluations), E_LABEL (out of range or on a masked logit), E_NONFINITE (NaN, +Infinity), E_MASKED (a row of only −Infinity)
 * @example fitTemperature(logits, [10000, 100], labels).temperature
 */
export function fitTemperature(logits: Float32Array, shape: Shape2D, labels: Int32Array, options: FitTemperatureDataOptions = {}): TemperatureFit {
  const op = 'fitTemperature';
  const [rows, cols] = checkMatrix(op, 'logits', logits, shape);
  checkLabels(op, labels, rows, cols);
  const s = settings(op, options);
  if (rows === 0) throw new TStarError('E_EMPTY', `${op}: logits have no rows to fit on`);
  const { x, warnings } = fitInputs(op, logits, rows, cols, options.inputs, false);
  warnings.push(...oneIndexedWarning(op, x, rows, cols, labels));
  const objective = arenaObjective(op, x, rows, cols, labels);
  const steps = newton(op, s);
  let step = steps.next();
  while (!step.done) step = steps.next(objective(step.value));
  return { ...step.value, warnings: [...warnings, ...step.value.warnings] };
}

export interface FitTemperatureDataOptions extends FitTemperatureOptions {
  /** 'logits' (default), or 'probabilities': refit softmax(ln p / T) (see probabilitiesToLogits). */
  inputs?: 'logits' | 'probabilities';
}

/** Logits to fit on, and the input warnings: W_LOOKS_LIKE_PROBABILITIES for logits, W_SATURATED for probabilities. */
export function fitInputs(op: string, x: Float32Array, rows: number, cols: number, inputs: unknown, sigmoid: boolean): { x: Float32Array; warnings: TStarWarning[] } {
  if (inputs === undefined || inputs === 'logits') return { x, warnings: probabilityWarning(op, x, rows, cols, sigmoid) };
  if (inputs !== 'probabilities') throw new TStarError('E_ARGUMENT', `${op}: inputs must be 'logits' or 'probabilities', got ${describe(inputs)}`);
  const converted = probabilitiesToLogits(x, [rows, cols], { head: sigmoid ? 'sigmoid' : 'softmax' });
  return { x: converted.logits, warnings: converted.warnings.map((w) => ({ ...w, message: w.message.replace('probabilitiesToLogits', op) })) };
}

export interface SigmoidTemperatureObjectiveOptions {
  /** One temperature for every column, or one per column; finite and > 0. */
  temperature: number | readonly number[];
}

/** One column's sums of a sigmoid head's NLL at its temperature. */
export interface SigmoidTemperatureObjective extends TemperatureObjective {
  /** Entries whose logit is on the wrong side of 0 (or at 0); none means the column is separated: its optimum is T → 0. */
  misclassified: number;
}

/**
 * Per-column sums of a sigmoid head's binary cross-entropy at its temperature(s) and their first and second
 * derivatives in T: each column is a TemperatureObjective over its rows (add columns for a shared T, shards to merge).
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_LABEL (targets not 0/1), E_NONFINITE, E_TEMPERATURE, E_ARGUMENT
 * @example sigmoidTemperatureObjective(logits, [n, 3], targets, { temperature: [1, 2, 0.5] })[0].nllSum
 */
export function sigmoidTemperatureObjective(logits: Float32Array, shape: Shape2D, targets: Int32Array, options: SigmoidTemperatureObjectiveOptions): SigmoidTemperatureObjective[] {
  const op = 'sigmoidTemperatureObjective';
  const [rows, cols] = checkMatrix(op, 'logits', logits, shape);
  checkTargets(op, targets, rows, cols);
  if (options === null || typeof options !== 'object') throw new TStarError('E_ARGUMENT', `${op}: options { temperature } are required, got ${typeName(options)}`);
  const t = options.temperature;
  const ts = typeof t === 'number' ? new Array<number>(cols).fill(checkTemperature(op, t)) : Array.isArray(t) && t.length === cols ? t.map((v) => checkTemperature(op, v)) : undefined;
  if (!ts) throw new TStarError('E_TEMPERATURE', `${op}: temperature must be a number > 0 or ${cols} of them, got ${describe(t)}`);
  if (rows === 0) return ts.map(() => ({ nllSum: 0, gradSum: 0, hessSum: 0, count: 0, misclassified: 0 }));
  return sigmoidArena(op, logits, rows, cols, targets)(ts);
}

function sigmoidArena(op: string, logits: Float32Array, rows: number, cols: number, targets: Int32Array): (temperatures: readonly number[]) => SigmoidTemperatureObjective[] {
  arenaReset(logits.byteLength, targets.byteLength, cols * 8, cols * 32);
  const zPtr = put(logits);
  const tPtr = put(targets);
  const invPtr = alloc(cols * 8);
  const outPtr = alloc(cols * 32);
  const kernel = wasm().sigmoidTemperatureObjective;
  return (temperatures) => {
    f64(invPtr, cols).set(temperatures.map((t) => 1 / t));
    check(op, kernel(zPtr, tPtr, rows, cols, invPtr, outPtr));
    const o = f64(outPtr, cols * 4);
    return Array.from({ length: cols }, (_, j) => ({ nllSum: o[4 * j], gradSum: o[4 * j + 1], hessSum: o[4 * j + 2], count: rows, misclassified: o[4 * j + 3] }));
  };
}

/** A search that is not run: the column is separated, T stays where it started. */
function* separatedFit(op: string, init: number, o: TemperatureObjective): Generator<number, TemperatureFit, unknown> {
  const f = o.nllSum / o.count;
  return {
    temperature: init, nllBefore: f, nllAfter: f, evaluations: 1, converged: false,
    warnings: [{ code: 'W_SEPARATED', message: `${op}: the sign of every logit already matches its target, at any T: the NLL only falls toward T → 0, so T stays at ${init}` }],
  };
}

export interface FitSigmoidTemperatureOptions extends FitTemperatureDataOptions {
  /** One temperature per column (label) instead of one shared. Default false. */
  perLabel?: boolean;
}

export interface SigmoidTemperatureFit {
  /** One shared temperature, or one per column with perLabel: divide each column's logits by its own. */
  temperatures: number[];
  perLabel: boolean;
  /** Mean over rows of the summed binary cross-entropy at initialTemperature … */
  nllBefore: number;
  /** … and at the fitted temperatures. */
  nllAfter: number;
  /** Passes over the data (per-label fits share each pass). */
  evaluations: number;
  converged: boolean;
  /** As fitTemperature's, per label when perLabel (the message names the column), plus the input warnings. */
  warnings: TStarWarning[];
}

/**
 * Temperature scaling of sigmoid heads: a single-logit binary head `[n, 1]` (sigmoid(z / T)) or a multi-label
 * head `[n, K]` with one 0/1 target per entry, one temperature shared by every label or one per label
 * (`perLabel`, K fits sharing each WASM pass). The same safeguarded Newton on ln T as fitTemperature, with the
 * analytic derivatives of the binary cross-entropy.
 * @throws {TStarError} E_INIT, E_SHAPE, E_DTYPE, E_EMPTY, E_LABEL (targets not 0/1, e.g. class indices), E_NONFINITE, E_TEMPERATURE, E_ARGUMENT
 * @example fitSigmoidTemperature(logits, [n, 1], labels).temperatures[0]
 */
export function fitSigmoidTemperature(logits: Float32Array, shape: Shape2D, targets: Int32Array, options: FitSigmoidTemperatureOptions = {}): SigmoidTemperatureFit {
  const op = 'fitSigmoidTemperature';
  const [rows, cols] = checkMatrix(op, 'logits', logits, shape);
  checkTargets(op, targets, rows, cols);
  const s = settings(op, options);
  if (rows === 0) throw new TStarError('E_EMPTY', `${op}: logits have no rows to fit on`);
  const perLabel = options.perLabel ?? false;
  if (typeof perLabel !== 'boolean') throw new TStarError('E_ARGUMENT', `${op}: perLabel must be a boolean, got ${describe(perLabel)}`);
  const { x, warnings } = fitInputs(op, logits, rows, cols, options.inputs, true);
  const objective = sigmoidArena(op, x, rows, cols, targets);
  // The sign of z/T does not depend on T: a column (or, shared, every column) that sign(z) already gets right is
  // separated at every T, and its NLL only falls toward T → 0. Those searches are not run.
  const first = objective(new Array<number>(cols).fill(s.init));
  const separated = perLabel ? first.map((o) => o.misclassified === 0) : [first.every((o) => o.misclassified === 0)];
  const fits = separated.map((sep, j) => {
    const name = perLabel ? `${op} (column ${j})` : op;
    return sep ? separatedFit(name, s.init, perLabel ? first[j] : { ...mergeTemperatureObjectives(first), count: rows }) : newton(name, s);
  });
  let steps = fits.map((g) => g.next());
  let evaluations = 1;
  // Lockstep: every unfinished search proposes a T, one pass evaluates them all (finished columns keep theirs).
  const current = new Array<number>(fits.length).fill(s.init);
  while (steps.some((st) => !st.done)) {
    steps.forEach((st, j) => { if (!st.done) current[j] = st.value; });
    const parts = objective(perLabel ? current : new Array<number>(cols).fill(current[0]));
    evaluations++;
    // Shared: the sums over every column, per row (count = rows), so the NLL is the row's summed cross-entropy.
    steps = steps.map((st, j) => (st.done ? st : fits[j].next(perLabel ? parts[j] : { ...mergeTemperatureObjectives(parts), count: rows })));
  }
  const results = steps.map((st) => st.value as TemperatureFit);
  // Per label, each column's mean NLL; their sum is the row's summed cross-entropy.
  const total = (key: 'nllBefore' | 'nllAfter') => results.reduce((a, r) => a + r[key], 0);
  return {
    temperatures: perLabel ? results.map((r) => r.temperature) : new Array<number>(1).fill(results[0].temperature),
    perLabel,
    nllBefore: total('nllBefore'),
    nllAfter: total('nllAfter'),
    evaluations,
    converged: results.every((r) => r.converged),
    warnings: [...warnings, ...results.flatMap((r) => r.warnings)],
  };
}
