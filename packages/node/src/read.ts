import { extname } from 'node:path';
import { TStarError } from '@tstar/core';
import { readCsv, type CsvReadOptions } from './csv.js';
import { readJson } from './json.js';
import { shapeText, toFloat32 } from './npy-format.js';
import { readNpy, type NdArray } from './npy.js';

/** A row-major f32 matrix ready for the core, with the path it came from. */
export interface Matrix {
  data: Float32Array;
  shape: [number, number];
  path: string;
}

export interface ReadOptions {
  /** Progress for streaming formats (CSV). */
  onProgress?: CsvReadOptions['onProgress'];
}

const FORMATS = '.npy, .json, .csv or .tsv';

/**
 * Reads an array from `.npy`, `.json`, `.csv` or `.tsv`, chosen by extension.
 * @throws {TStarError} E_ARGUMENT (unknown extension, unreadable file) and the format reader's errors
 * @example const { data, shape, dtype } = await readArray('logits.npy');
 */
export async function readArray(path: string, options: ReadOptions = {}): Promise<NdArray> {
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return readNpy(path);
  if (ext === '.json') return readJson(path);
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return readCsv(path, { onProgress: options.onProgress });
  throw new TStarError('E_ARGUMENT', `${path}: unknown file type '${ext || '(none)'}', expected ${FORMATS}`);
}

/**
 * Reads a 2-D `[rows, cols]` matrix (logits, probabilities or features) as Float32.
 * @throws {TStarError} E_SHAPE (not 2-D), E_EMPTY (no rows or no columns), E_NONFINITE (a float64 value beyond
 *   float32's range, with its position), and {@link readArray}'s errors
 * @example const { data, shape } = await readMatrix('logits.npy');
 */
export async function readMatrix(path: string, options: ReadOptions = {}): Promise<Matrix> {
  const array = await readArray(path, options);
  if (array.shape.length !== 2) {
    throw new TStarError('E_SHAPE', `${path}: expected a 2-D array [rows, cols], got shape ${shapeText(array.shape)}`);
  }
  const [rows, cols] = array.shape as [number, number];
  if (rows === 0 || cols === 0) throw new TStarError('E_EMPTY', `${path}: matrix of shape ${shapeText(array.shape)} is empty`);
  return { data: toFloat32(array, path), shape: [rows, cols], path };
}

/**
 * Reads integer class labels as an Int32Array: a 1-D array or a `[n, 1]` column, of any integer dtype, or
 * floats that are whole numbers (JSON and CSV hold no integer type).
 * @throws {TStarError} E_SHAPE (not 1-D, e.g. one-hot), E_LABEL (negative, fractional or beyond int32), E_EMPTY
 * @example const labels = await readLabels('labels.npy');
 */
export async function readLabels(path: string, options: ReadOptions = {}): Promise<Int32Array> {
  const array = await readArray(path, options);
  const { shape } = array;
  const column = shape.length === 2 && shape[1] === 1;
  if (shape.length !== 1 && !column) {
    const hint = shape.length === 2 ? ' (one-hot? save labels.argmax(1))' : '';
    throw new TStarError('E_SHAPE', `${path}: labels must be a 1-D array of class indices, got shape ${shapeText(shape)}${hint}`);
  }
  const n = shape[0];
  if (n === 0) throw new TStarError('E_EMPTY', `${path}: no labels`);
  if (array.data instanceof Int32Array) return checkLabels(array.data, path);
  const out = new Int32Array(n);
  const d = array.data;
  for (let i = 0; i < n; i++) {
    const v = typeof d[i] === 'bigint' ? Number(d[i]) : (d[i] as number);
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new TStarError('E_LABEL', `${path}: label ${i} is ${String(d[i])}, expected a non-negative integer class index`);
    }
    out[i] = v;
  }
  return out;
}

function checkLabels(labels: Int32Array, path: string): Int32Array {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0) throw new TStarError('E_LABEL', `${path}: label ${i} is ${labels[i]}, expected a non-negative integer class index`);
  }
  return labels;
}
