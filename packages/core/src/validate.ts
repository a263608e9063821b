import { TStarError } from './errors.js';

/** A row-major matrix shape: `[rows, cols]`. */
export type Shape2D = readonly [rows: number, cols: number];

/** What arrived, for error messages: a constructor name, 'null', or the typeof. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** Checks dtype, shape and length of a row-major f32 matrix; returns `[rows, cols]`. */
export function checkMatrix(op: string, name: string, data: unknown, shape: unknown, minCols = 1): [number, number] {
  if (!(data instanceof Float32Array)) throw new TStarError('E_DTYPE', `${op}: ${name} must be a Float32Array, got ${typeName(data)}`);
  if (!Array.isArray(shape) || shape.length !== 2 || !isCount(shape[0]) || !isCount(shape[1])) {
    throw new TStarError('E_SHAPE', `${op}: shape must be [rows, cols] of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const [rows, cols] = shape as [number, number];
  if (data.length !== rows * cols) {
    throw new TStarError('E_SHAPE', `${op}: ${name} has ${data.length} elements but shape [${rows}, ${cols}] needs ${rows * cols}`);
  }
  if (cols < minCols && rows > 0) {
    throw new TStarError('E_SHAPE', `${op}: ${name} needs at least ${minCols} column${minCols === 1 ? '' : 's'}, got shape [${rows}, ${cols}]`);
  }
  return [rows, cols];
}

/** Checks an f32 vector of an exact length. */
export function checkVector(op: string, name: string, data: unknown, length: number): Float32Array {
  if (!(data instanceof Float32Array)) throw new TStarError('E_DTYPE', `${op}: ${name} must be a Float32Array, got ${typeName(data)}`);
  if (data.length !== length) throw new TStarError('E_SHAPE', `${op}: ${name} has ${data.length} elements, expected ${length}`);
  return data;
}

/** Checks that every entry of a vector is finite. */
export function checkFinite(op: string, name: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new TStarError('E_NONFINITE', `${op}: ${name}[${i}] is ${data[i]}, expected a finite number`);
  }
}

/** A temperature must be a finite positive number whose reciprocal is finite too. */
export function checkTemperature(op: string, temperature: unknown): number {
  if (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature) || !Number.isFinite(1 / temperature)) {
    throw new TStarError('E_TEMPERATURE', `${op}: temperature must be a finite number > 0, got ${String(temperature)}`);
  }
  return temperature;
}

/** A finite number within [lo, hi]. */
export function checkNumber(op: string, name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi) {
    throw new TStarError('E_ARGUMENT', `${op}: ${name} must be a finite number in [${lo}, ${hi}], got ${String(value)}`);
  }
  return value;
}

/** An output buffer supplied by the caller must be an f32 array of the exact length. */
export function checkOut(op: string, out: unknown, length: number): Float32Array | undefined {
  if (out === undefined) return undefined;
  return checkVector(op, 'out', out, length);
}

/** Checks an Int32Array of `rows` labels, each in [0, cols) or equal to `ignoreIndex` when one is given. */
export function checkLabels(op: string, labels: unknown, rows: number, cols: number, ignoreIndex?: number): Int32Array {
  if (!(labels instanceof Int32Array)) throw new TStarError('E_DTYPE', `${op}: labels must be an Int32Array, got ${typeName(labels)}`);
  if (labels.length !== rows) throw new TStarError('E_SHAPE', `${op}: labels has ${labels.length} entries but the matrix has ${rows} rows`);
  for (let r = 0; r < rows; r++) {
    const y = labels[r];
    if ((y < 0 || y >= cols) && y !== ignoreIndex) {
      const ignored = ignoreIndex === undefined ? '' : ` and is not ignoreIndex (${ignoreIndex})`;
      throw new TStarError('E_LABEL', `${op}: label ${y} at row ${r} is outside [0, ${cols})${ignored}`);
    }
  }
  return labels;
}
