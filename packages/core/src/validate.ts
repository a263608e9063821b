import { TStarError } from './errors.js';

/**
 * A row-major matrix shape: `[rows, cols]`, any array of two safe non-negative integers (tfjs' `tensor.shape`
 * and onnxruntime's `dims` are accepted as they come; BigInt dims are rejected with E_SHAPE).
 */
export type Shape2D = readonly number[];

/** What arrived, for error messages: a constructor name, 'null', or the typeof. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value;
}

// The engine's own length of a typed array: a subclass may override `length`, but copies into wasm use this one.
const typedLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int8Array.prototype), 'length')!.get!;

/** The true element count of a typed array (ignores an overridden `length`). */
export function lengthOf(data: ArrayBufferView): number {
  return typedLength.call(data) as number;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** A short, never-throwing rendering of any value for messages (BigInt and cycles included). */
export function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `[${value.slice(0, 8).map(describe).join(', ')}${value.length > 8 ? ', …' : ''}]`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value !== null && typeof value === 'object') return typeName(value);
  return String(value);
}

/** Options must be an object or undefined (`null` and primitives are caller mistakes, not "no options"). */
export function checkOptions(op: string, options: unknown): void {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TStarError('E_ARGUMENT', `${op}: options must be an object, got ${typeName(options)}`);
  }
}

/** Checks a `[rows, cols]` shape; returns it as numbers. */
export function checkShape(op: string, shape: unknown): [number, number] {
  if (!Array.isArray(shape) || shape.length !== 2 || !isCount(shape[0]) || !isCount(shape[1])) {
    throw new TStarError('E_SHAPE', `${op}: shape must be [rows, cols] of non-negative safe integers, got ${describe(shape)}`);
  }
  return [shape[0], shape[1]];
}

/** An integer within [lo, hi]; `fallback` when undefined (required when there is no fallback). */
export function checkInteger(op: string, name: string, value: unknown, fallback: number | undefined, lo: number, hi = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < lo || value > hi) {
    const range = hi === Number.MAX_SAFE_INTEGER ? `≥ ${lo}` : `in [${lo}, ${hi}]`;
    throw new TStarError('E_ARGUMENT', `${op}: ${name} must be an integer ${range}, got ${describe(value)}`);
  }
  return value;
}

/** A finite number > 0 (not a temperature: those have their own code). */
export function checkPositive(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0)) {
    throw new TStarError('E_ARGUMENT', `${op}: ${name} must be a finite number > 0, got ${describe(value)}`);
  }
  return value;
}

/** Checks dtype, shape and length of a row-major f32 matrix; returns `[rows, cols]`. */
export function checkMatrix(op: string, name: string, data: unknown, shape: unknown, minCols = 1): [number, number] {
  if (!(data instanceof Float32Array)) throw new TStarError('E_DTYPE', `${op}: ${name} must be a Float32Array, got ${typeName(data)}`);
  const [rows, cols] = checkShape(op, shape);
  const length = lengthOf(data);
  if (length !== rows * cols || data.length !== length) {
    throw new TStarError('E_SHAPE', `${op}: ${name} has ${length} elements but shape [${rows}, ${cols}] needs ${rows * cols}`);
  }
  if (cols < minCols && rows > 0) {
    throw new TStarError('E_SHAPE', `${op}: ${name} needs at least ${minCols} column${minCols === 1 ? '' : 's'}, got shape [${rows}, ${cols}]`);
  }
  return [rows, cols];
}

/** Checks an f32 vector of an exact length. */
export function checkVector(op: string, name: string, data: unknown, length: number): Float32Array {
  if (!(data instanceof Float32Array)) throw new TStarError('E_DTYPE', `${op}: ${name} must be a Float32Array, got ${typeName(data)}`);
  if (lengthOf(data) !== length || data.length !== length) throw new TStarError('E_SHAPE', `${op}: ${name} has ${lengthOf(data)} elements, expected ${length}`);
  return data;
}

/** Checks that every entry of a vector is finite. */
export function checkFinite(op: string, name: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new TStarError('E_NONFINITE', `${op}: ${name}[${i}] is ${data[i]}, expected a finite number`);
  }
}

const FLT_MAX = 3.4028234663852886e38;

/**
 * A temperature must be a finite positive number whose reciprocal fits float32 (T ≥ 1/FLT_MAX ≈ 2.9e-39): the
 * kernels scale by 1/T in float32, and a smaller T would turn finite logits into ±Infinity and NaN.
 */
export function checkTemperature(op: string, temperature: unknown): number {
  if (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature) || !(1 / temperature <= FLT_MAX)) {
    throw new TStarError('E_TEMPERATURE', `${op}: temperature must be a finite number in [${1 / FLT_MAX}, ∞), got ${describe(temperature)}`);
  }
  return temperature;
}

/**
 * How exp's argument is reduced. 'fast' (the default): in f32, so a probability p = e^z/Σ is within
 * 2.5e-7 + 6e-8·|z| relative of float64 (≤ 1.1e-6 for p ≥ 1e-6, ≤ 4.4e-6 for p ≥ 1e-30). 'accurate': in f64,
 * within 2e-7 everywhere (1e-6 guaranteed down to 1e-30). Rows shorter than 16 entries always take the accurate one.
 */
export type Precision = 'fast' | 'accurate';

/** Checks a precision option; returns whether it asks for the fast path (the default). */
export function checkPrecision(op: string, precision: unknown): boolean {
  if (precision === undefined || precision === 'fast') return true;
  if (precision === 'accurate') return false;
  throw new TStarError('E_ARGUMENT', `${op}: precision must be 'fast' or 'accurate', got ${describe(precision)}`);
}

/** A float32 result that overflowed (finite inputs, out-of-range output) is an error, never a silent Infinity. */
export function checkResult(op: string, name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new TStarError('E_NONFINITE', `${op}: ${name}[${i}] overflows float32 (${values[i]}); the inputs are finite but too large`);
    }
  }
}

/** A finite number within [lo, hi]. */
export function checkNumber(op: string, name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi) {
    throw new TStarError('E_ARGUMENT', `${op}: ${name} must be a finite number in [${lo}, ${hi}], got ${describe(value)}`);
  }
  return value;
}

/** An output buffer supplied by the caller must be an f32 array of the exact length. */
export function checkOut(op: string, out: unknown, length: number): Float32Array | undefined {
  if (out === undefined) return undefined;
  return checkVector(op, 'out', out, length);
}

/** Rewrites "row N" in a message from a call on rows [offset, …) so it names the caller's row. */
export function shiftRowMessage(message: string, offset: number): string {
  return offset === 0 ? message : message.replace(/\brow (\d+)\b/, (_, r: string) => `row ${Number(r) + offset}`);
}

/** Checks an Int32Array of `rows` labels, each in [0, cols) or equal to `ignoreIndex` when one is given. */
export function checkLabels(op: string, labels: unknown, rows: number, cols: number, ignoreIndex?: number): Int32Array {
  if (!(labels instanceof Int32Array)) throw new TStarError('E_DTYPE', `${op}: labels must be an Int32Array, got ${typeName(labels)}`);
  if (lengthOf(labels) !== rows || labels.length !== rows) throw new TStarError('E_SHAPE', `${op}: labels has ${lengthOf(labels)} entries but the matrix has ${rows} rows`);
  for (let r = 0; r < rows; r++) {
    const y = labels[r];
    if ((y < 0 || y >= cols) && y !== ignoreIndex) {
      const ignored = ignoreIndex === undefined ? '' : ` and is not ignoreIndex (${ignoreIndex})`;
      throw new TStarError('E_LABEL', `${op}: label ${y} at row ${r} is outside [0, ${cols})${ignored}${y === cols ? oneIndexedHint(labels, cols) : ''}`);
    }
  }
  return labels;
}

// Labels 1…K against K columns: the commonest off-by-one, named in the error rather than left to the caller.
function oneIndexedHint(labels: Int32Array, cols: number): string {
  let lo = Infinity, hi = -Infinity;
  for (const y of labels) {
    lo = Math.min(lo, y);
    hi = Math.max(hi, y);
  }
  return lo >= 1 && hi === cols ? ` (the labels look 1-indexed: none is 0 and the largest equals the class count ${cols}; subtract 1)` : '';
}

/**
 * Checks 0/1 targets of a sigmoid head: an Int32Array with one entry per logit (`rows × cols`). Class indices
 * (one label per row for several columns, or values above 1) are E_SHAPE / E_LABEL naming the mix-up.
 */
export function checkTargets(op: string, targets: unknown, rows: number, cols: number): Int32Array {
  if (!(targets instanceof Int32Array)) throw new TStarError('E_DTYPE', `${op}: targets of a sigmoid head must be an Int32Array of 0/1, got ${typeName(targets)}`);
  if (targets.length !== rows * cols) {
    const hint = targets.length === rows && cols > 1 ? '; one class index per row belongs to a softmax head (head: \'softmax\')' : '';
    throw new TStarError('E_SHAPE', `${op}: a sigmoid head needs one 0/1 target per logit (${rows} × ${cols} = ${rows * cols}), got ${targets.length}${hint}`);
  }
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (t !== 0 && t !== 1) {
      throw new TStarError('E_LABEL', `${op}: a sigmoid head takes 0/1 targets, got ${t} at row ${Math.floor(i / cols)}${t > 1 ? ' (a class index: multi-class labels need a softmax head)' : ''}`);
    }
  }
  return targets;
}
