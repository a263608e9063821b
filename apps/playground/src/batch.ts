// Reading a batch (inputs and labels) from the files a user drops, and checking it against the model.
// Pure functions on bytes, so Node tests run them as the page does.
import { TStarError } from '@tstar/core';
import { parseNpy } from '@tstar/node/npy-format';
import type { Dim } from '@tstar/ort/onnx';

/** A float32 batch: flat row-major data and its shape, the first dimension being the rows. */
export interface Batch {
  data: Float32Array;
  shape: number[];
}

/** What a file held: inputs, labels, or both (a JSON `{ inputs, labels }`). */
export interface BatchParts {
  inputs?: Batch;
  labels?: Int32Array;
}

/** The one graph input the playground feeds. */
export interface InputSpec {
  name: string;
  /** onnxruntime's name for its element type ('float32', …), or undefined when the model does not say. */
  type: string | undefined;
  dims: Dim[] | undefined;
}

const NUMERIC = /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** A dropped file by kind: `.onnx` is a model, `.npy`/`.json` batch data. */
export function fileKind(name: string): 'model' | 'data' | 'unknown' {
  const lower = name.toLowerCase();
  if (lower.endsWith('.onnx')) return 'model';
  if (lower.endsWith('.npy') || lower.endsWith('.json')) return 'data';
  return 'unknown';
}

function shapeText(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** Nested JSON arrays of numbers → flat data and shape; ragged or non-numeric arrays are E_SHAPE / E_DTYPE. */
function fromNested(value: unknown, file: string, what: string): { data: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) shape.push(v.length);
  const data: number[] = [];
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new TStarError('E_DTYPE', `${file}: ${what}${path} is ${JSON.stringify(v) ?? String(v)}, not a finite number`);
      }
      data.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new TStarError('E_SHAPE', `${file}: ${what}${path} should be an array of ${shape[depth]} (the arrays are ragged)`);
    }
    v.forEach((item, i) => walk(item, depth + 1, `${path}[${i}]`));
  };
  walk(value, 0, '');
  return { data, shape };
}

function floatBatch(data: ArrayLike<number>, shape: number[]): Batch {
  return { data: data instanceof Float32Array ? data : Float32Array.from(data), shape };
}

function integerLabels(values: ArrayLike<number | bigint>, file: string): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
      throw new TStarError('E_LABEL', `${file}: label ${String(v)} at row ${i} is not an integer class index`);
    }
    out[i] = n;
  }
  return out;
}

/**
 * Reads one dropped `.npy` or `.json` file. An `.npy` of floats is inputs and one of integers labels; a JSON
 * file is `{ "inputs": [[…], …], "labels": [0, 2, …] }` (either key may be missing) or a bare nested array
 * (floats → inputs; a flat array of integers in a file named like `*label*` → labels).
 * @throws {TStarError} E_ARGUMENT (not .npy / JSON), E_SHAPE (ragged arrays), E_DTYPE, E_LABEL
 */
export function readBatchFile(bytes: Uint8Array, file: string): BatchParts {
  if (file.toLowerCase().endsWith('.npy')) {
    const array = parseNpy(bytes, file);
    if (array.dtype === 'f4' || array.dtype === 'f8') {
      if (/label/i.test(file)) throw new TStarError('E_LABEL', `${file}: labels must be integers (int32/int64 .npy), got ${array.dtype === 'f4' ? 'float32' : 'float64'}`);
      return { inputs: floatBatch(array.data as Float32Array | Float64Array, array.shape) };
    }
    if (array.dtype === 'b1') throw new TStarError('E_DTYPE', `${file}: a boolean array is neither inputs (float) nor labels (integer)`);
    if (array.shape.length !== 1) {
      throw new TStarError('E_SHAPE', `${file}: integer arrays are read as labels, one per row, so they must be 1-D; got shape ${shapeText(array.shape)}`);
    }
    return { labels: integerLabels(array.data as Int32Array | BigInt64Array | Uint8Array, file) };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new TStarError('E_ARGUMENT', `${file}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  if (Array.isArray(json)) {
    const nested = fromNested(json, file, 'the array');
    if (/label/i.test(file) && nested.shape.length === 1) return { labels: integerLabels(nested.data, file) };
    return { inputs: floatBatch(nested.data, nested.shape) };
  }
  if (json === null || typeof json !== 'object' || (!('inputs' in json) && !('labels' in json))) {
    throw new TStarError('E_ARGUMENT', `${file}: expected { "inputs": [[…]], "labels": […] } or a nested array of numbers`);
  }
  const parts: BatchParts = {};
  const record = json as { inputs?: unknown; labels?: unknown };
  if (record.inputs !== undefined) {
    const nested = fromNested(record.inputs, file, 'inputs');
    parts.inputs = floatBatch(nested.data, nested.shape);
  }
  if (record.labels !== undefined) {
    const nested = fromNested(record.labels, file, 'labels');
    if (nested.shape.length !== 1) throw new TStarError('E_SHAPE', `${file}: labels must be a flat array, one integer per row; got shape ${shapeText(nested.shape)}`);
    parts.labels = integerLabels(nested.data, file);
  }
  return parts;
}

/**
 * Checks a batch against the model's input: same rank, every fixed dimension equal (the first, the rows, may
 * be a fixed batch size: the page then runs the rows in chunks of it).
 * @throws {TStarError} E_SHAPE (naming the file, the input and both shapes), E_EMPTY (no rows)
 */
export function checkBatch(input: InputSpec, batch: Batch, file: string): void {
  const shape = batch.shape;
  if (shape.length === 0 || shape[0] === 0) throw new TStarError('E_EMPTY', `${file}: the inputs hold no rows (shape ${shapeText(shape)})`);
  const dims = input.dims;
  if (!dims) return;
  const wanted = shapeText(dims.map((d, i) => (typeof d === 'number' && d > 0 ? d : i === 0 ? 'rows' : d || '?')));
  if (dims.length !== shape.length) {
    throw new TStarError('E_SHAPE', `${file}: the model's input '${input.name}' takes ${dims.length}-D data ${wanted}, but the file holds ${shape.length}-D data ${shapeText(shape)}`);
  }
  for (let i = 1; i < dims.length; i++) {
    const d = dims[i];
    if (typeof d === 'number' && d > 0 && d !== shape[i]) {
      throw new TStarError('E_SHAPE', `${file}: the model's input '${input.name}' takes ${wanted}, but the file holds ${shapeText(shape)} (dimension ${i} is ${shape[i]}, not ${d})`);
    }
  }
}

/**
 * Checks labels: one per logits row, each a class index in [0, classes).
 * @throws {TStarError} E_SHAPE (count), E_LABEL (out of range, naming the row and the class count)
 */
export function checkLabels(labels: Int32Array, rows: number, classes: number, file: string): void {
  if (labels.length !== rows) throw new TStarError('E_SHAPE', `${file}: ${labels.length} labels for ${rows} rows of inputs; give one label per row`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] >= classes) {
      throw new TStarError('E_LABEL', `${file}: label ${labels[i]} at row ${i} is outside the model's ${classes} classes (0 … ${classes - 1})`);
    }
  }
}

/** A number typed by a user, or undefined when it is not one. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  return NUMERIC.test(t) ? Number(t) : undefined;
}
