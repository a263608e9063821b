import { writeFile } from 'node:fs/promises';
import { TStarError } from '@tstar/core';
import { clip, shapeText } from './npy-format.js';
import { readBytes, type NdArray } from './npy.js';

function fail(code: 'E_ARGUMENT' | 'E_SHAPE' | 'E_DTYPE', name: string, problem: string): never {
  throw new TStarError(code, `${name}: ${problem}`);
}

// As many axes as numpy allows; deeper nesting is refused before any work is done.
const MAX_AXES = 64;

/** The index path of an element for messages, cut in the middle when the nesting is deep. */
function pathText(index: readonly number[]): string {
  const parts = index.map((k) => `[${k}]`);
  return parts.length > 8 ? `${parts.slice(0, 3).join('')}…${parts.slice(-3).join('')}` : parts.join('');
}

function what(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? `an array of ${value.length}` : typeof value === 'string' ? `the string ${clip(value)}` : typeof value;
}

// The shape is read off the first element of each level; every element is then checked against it.
function nestedShape(value: unknown, name: string): number[] {
  const shape: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    if (shape.length === MAX_AXES) fail('E_SHAPE', name, `arrays are nested more than ${MAX_AXES} deep`);
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

// Iterative depth-first fill (no recursion, so no stack limit): `index` is the path to the current element.
function fill(value: unknown[], shape: readonly number[], out: Float64Array, name: string): void {
  const stack: unknown[][] = [value];
  const index: number[] = [0];
  let i = 0;
  if (value.length !== shape[0]) fail('E_SHAPE', name, `array has ${value.length} entries, expected ${shape[0]}`);
  while (stack.length > 0) {
    const depth = stack.length - 1;
    const level = stack[depth];
    const k = index[depth];
    if (k === level.length) {
      stack.pop();
      index.pop();
      if (index.length > 0) index[index.length - 1]++;
      continue;
    }
    const v = level[k];
    if (depth + 1 === shape.length) {
      if (typeof v !== 'number') fail('E_DTYPE', name, `${pathText(index)} is ${what(v)}, expected a number`);
      // JSON has no Infinity: one here is a literal like 1e400 that overflowed float64.
      if (!Number.isFinite(v)) throw new TStarError('E_NONFINITE', `${name}: ${pathText(index)} is beyond float64's range`);
      out[i++] = v;
      index[depth]++;
    } else if (!Array.isArray(v) || v.length !== shape[depth + 1]) {
      fail('E_SHAPE', name, `${pathText(index)} is ${what(v)}, expected ${shape[depth + 1]} entries (ragged nesting)`);
    } else {
      stack.push(v);
      index.push(0);
    }
  }
}

/**
 * Turns parsed JSON into an array: nested arrays (`[[1, 2], [3, 4]]`, at most 64 deep) or
 * `{ "data": [...], "shape": [...] }` with `data` flat or nested. Numbers become a Float64Array (dtype `f8`).
 * @throws {TStarError} E_ARGUMENT (not an array or {data, shape}), E_SHAPE (ragged, too deep, shape mismatch), E_DTYPE (non-number)
 * @example fromJson({ data: [1, 2, 3, 4], shape: [2, 2] })
 */
export function fromJson(value: unknown, name = 'json'): NdArray {
  let shape: unknown;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'data' in value) {
    ({ data: value, shape } = value as { data: unknown; shape?: unknown });
    if (!Array.isArray(value)) fail('E_ARGUMENT', name, `"data" must be an array of numbers, got ${what(value)}`);
  }
  if (!Array.isArray(value)) fail('E_ARGUMENT', name, 'expected a JSON array (nested for a matrix) or an object { "data": [...], "shape": [...] }');
  const nested = nestedShape(value, name);
  const data = new Float64Array(nested.reduce((a, b) => a * b, 1));
  if (data.length > 0 || nested.length > 0) fill(value, nested, data, name);
  if (shape === undefined) return { data, shape: nested, dtype: 'f8' };
  if (!Array.isArray(shape) || shape.length > MAX_AXES || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail('E_SHAPE', name, `"shape" must be an array of at most ${MAX_AXES} non-negative integers, got ${clip(JSON.stringify(shape))}`);
  }
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (count !== data.length) fail('E_SHAPE', name, `"data" has ${data.length} numbers but "shape" ${shapeText(shape as number[])} needs ${count}`);
  return { data, shape: [...(shape as number[])], dtype: 'f8' };
}

/**
 * Reads a `.json` array file; errors name the path.
 * @throws {TStarError} as {@link fromJson}; E_ARGUMENT for unreadable files or invalid JSON
 * @example const { data, shape } = await readJson('logits.json');
 */
export async function readJson(path: string): Promise<NdArray> {
  const text = new TextDecoder().decode(await readBytes(path));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new TStarError('E_ARGUMENT', `${path}: invalid JSON (${(cause as Error).message})`, { cause });
  }
  return fromJson(value, path);
}

/**
 * Serialises an array as `{ "shape": [...], "data": [...] }` (flat data; round-trips through {@link fromJson}).
 * @throws {TStarError} E_SHAPE when data and shape disagree
 * @example await writeJson('probs.json', probs, [rows, cols]);
 */
export async function writeJson(path: string, data: ArrayLike<number>, shape: readonly number[]): Promise<void> {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new TStarError('E_SHAPE', `writeJson: data has ${data.length} elements but shape ${JSON.stringify(shape)} needs ${count}`);
  await writeFile(path, `${JSON.stringify({ shape, data: Array.from(data) })}\n`);
}
