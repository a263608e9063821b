import { writeFile } from 'node:fs/promises';
import { TStarError } from '@tstar/core';
import { readBytes, type NdArray } from './npy.js';

function fail(code: 'E_ARGUMENT' | 'E_SHAPE' | 'E_DTYPE', name: string, problem: string): never {
  throw new TStarError(code, `${name}: ${problem}`);
}

// Walks a nested array once to find its shape, then fills a flat buffer; ragged rows and non-numbers fail with a path.
function nestedShape(value: unknown): number[] {
  const shape: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

function fill(value: unknown, shape: number[], depth: number, out: Float64Array, at: { i: number }, path: string, name: string): void {
  if (depth === shape.length) {
    if (typeof value !== 'number') fail('E_DTYPE', name, `${path || 'value'} is ${value === null ? 'null' : typeof value}, expected a number`);
    out[at.i++] = value;
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[depth]) {
    const got = Array.isArray(value) ? `${value.length} entries` : typeof value;
    fail('E_SHAPE', name, `${path || 'array'} has ${got}, expected ${shape[depth]} entries (ragged nesting)`);
  }
  for (let k = 0; k < value.length; k++) fill(value[k], shape, depth + 1, out, at, `${path}[${k}]`, name);
}

/**
 * Turns parsed JSON into an array: nested arrays (`[[1, 2], [3, 4]]`) or `{ "data": [...], "shape": [...] }`
 * with `data` flat or nested. Numbers become a Float64Array (dtype `f8`).
 * @throws {TStarError} E_ARGUMENT (not an array or {data, shape}), E_SHAPE (ragged, shape mismatch), E_DTYPE (non-number)
 * @example fromJson({ data: [1, 2, 3, 4], shape: [2, 2] })
 */
export function fromJson(value: unknown, name = 'json'): NdArray {
  if (Array.isArray(value)) {
    const shape = nestedShape(value);
    const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
    fill(value, shape, 0, out, { i: 0 }, '', name);
    return { data: out, shape, dtype: 'f8' };
  }
  if (value !== null && typeof value === 'object' && 'data' in value) {
    const { data, shape } = value as { data: unknown; shape?: unknown };
    const inner = fromJson(data, name);
    if (shape === undefined) return inner;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail('E_SHAPE', name, `"shape" must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (count !== inner.data.length) fail('E_SHAPE', name, `"data" has ${inner.data.length} numbers but "shape" ${JSON.stringify(shape)} needs ${count}`);
    return { data: inner.data, shape: [...(shape as number[])], dtype: 'f8' };
  }
  fail('E_ARGUMENT', name, 'expected a JSON array (nested for a matrix) or an object { "data": [...], "shape": [...] }');
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
