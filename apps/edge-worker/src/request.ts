import { TStarError } from '@tstar/core';
import { clip, parseNpy, shapeText, toFloat32 } from '@tstar/node/npy-format';

/** What a POST carries once decoded: a row-major f32 matrix and the optional knobs. */
export interface CalibrateRequest {
  logits: Float32Array;
  shape: [rows: number, cols: number];
  labels?: Int32Array;
  temperature: number | 'auto' | 'fit';
  featureDim?: number;
  /** Whether the answer carries the probabilities (default true; `false` keeps a large answer small). */
  probabilities: boolean;
}

/** An HTTP-level refusal (bad JSON, too large, wrong method, too slow) with a code in the TStarError style. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

/** The most logits one request may carry (rows × cols): 2^20, 4 MiB as float32. */
export const MAX_ELEMENTS = 1 << 20;

const KEYS = ['logits', 'labels', 'temperature', 'featureDim', 'probabilities'];

/** A value for an error message: kinds for containers, clipped text for the rest, never the whole input. */
export function show(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return clip(value);
  return clip(String(value));
}

function names(keys: readonly string[]): string {
  const shown = keys.slice(0, 5).map((k) => clip(k, 24));
  return shown.join(', ') + (keys.length > 5 ? ` and ${keys.length - 5} more` : '');
}

function checkElements(rows: number, cols: number, where: string): void {
  if (rows * cols > MAX_ELEMENTS) {
    throw new HttpError(413, 'E_TOO_LARGE', `request: ${where} [${rows}, ${cols}] holds ${rows * cols} values, over the limit of ${MAX_ELEMENTS}; send fewer rows per request`);
  }
}

// JSON has no NaN or ±Infinity: JSON.stringify writes them as null, so null and these three strings are
// accepted and reach the kernels, which refuse NaN/+Infinity (E_NONFINITE) and treat −Infinity as a mask.
const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function toNumber(value: unknown, where: string): number {
  if (typeof value === 'number') {
    // A finite number that float32 rounds to ±Infinity would silently become a mask (−Inf) or a NaN source.
    if (Number.isFinite(value) && !Number.isFinite(Math.fround(value))) {
      throw new TStarError('E_NONFINITE', `request: ${where} is ${value}, beyond float32's range (±3.4028235e38)`);
    }
    return value;
  }
  if (value === null) return NaN;
  if (typeof value === 'string' && Object.hasOwn(SPECIAL, value)) return SPECIAL[value];
  throw new TStarError('E_DTYPE', `request: ${where} must be a number (or null, "NaN", "Infinity", "-Infinity"), got ${show(value)}`);
}

function fromRows(rows: unknown[]): { logits: Float32Array; shape: [number, number] } {
  const first = rows[0];
  const cols = Array.isArray(first) ? first.length : 0;
  checkElements(rows.length, cols, 'logits');
  const logits = new Float32Array(rows.length * cols);
  rows.forEach((row, r) => {
    if (!Array.isArray(row)) throw new TStarError('E_SHAPE', `request: logits[${r}] must be an array, got ${show(row)}`);
    if (row.length !== cols) throw new TStarError('E_SHAPE', `request: logits[${r}] has ${row.length} entries but logits[0] has ${cols}`);
    for (let c = 0; c < cols; c++) logits[r * cols + c] = toNumber(row[c], `logits[${r}][${c}]`);
  });
  return { logits, shape: [rows.length, cols] };
}

function fromFlat(value: Record<string, unknown>): { logits: Float32Array; shape: [number, number] } {
  const { data, shape } = value;
  if (!Array.isArray(data)) throw new TStarError('E_SHAPE', `request: logits.data must be an array of numbers, got ${show(data)}`);
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new TStarError('E_SHAPE', `request: logits.shape must be [rows, cols] of non-negative integers, got ${Array.isArray(shape) && shape.length <= 4 ? clip(JSON.stringify(shape)) : show(shape)}`);
  }
  const [rows, cols] = shape as [number, number];
  checkElements(rows, cols, 'logits.shape');
  if (data.length !== rows * cols) throw new TStarError('E_SHAPE', `request: logits.data has ${data.length} entries but shape [${rows}, ${cols}] needs ${rows * cols}`);
  return { logits: Float32Array.from(data, (v, i) => toNumber(v, `logits.data[${i}]`)), shape: [rows, cols] };
}

function toLabels(value: unknown, rows: number, cols: number): Int32Array {
  if (!Array.isArray(value)) throw new TStarError('E_LABEL', `request: labels must be an array of integers, got ${show(value)}`);
  if (value.length !== rows) throw new TStarError('E_SHAPE', `request: labels has ${value.length} entries but logits have ${rows} rows`);
  // Int32Array would truncate 1.5 to 1 and wrap 2^32 to 0, so each label is checked before conversion.
  return Int32Array.from(value, (y, r) => {
    if (!Number.isInteger(y) || y < 0 || y >= cols) throw new TStarError('E_LABEL', `request: labels[${r}] is ${show(y)}, expected an integer in [0, ${cols})`);
    return y as number;
  });
}

function toTemperature(value: unknown): number | 'auto' | 'fit' {
  if (value === undefined) return 1;
  if (value === 'auto' || value === 'fit' || typeof value === 'number') return value;
  throw new TStarError('E_TEMPERATURE', `request: temperature must be a number > 0, "auto" or "fit", got ${show(value)}`);
}

function toFeatureDim(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new TStarError('E_ARGUMENT', `request: featureDim must be an integer ≥ 1, got ${show(value)}`);
  return value;
}

function toSwitch(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new TStarError('E_ARGUMENT', `request: ${name} must be true or false, got ${show(value)}`);
  return value;
}

/**
 * Decodes a JSON body `{ logits, labels?, temperature?, featureDim?, probabilities? }`, where logits are
 * `number[][]` or `{ data: number[], shape: [rows, cols] }` (at most {@link MAX_ELEMENTS} values). Values are
 * checked here as far as converting them to typed arrays needs; temperatures and the data itself are the core's.
 * @throws {HttpError} E_JSON, E_TOO_LARGE; {TStarError} E_ARGUMENT, E_SHAPE, E_DTYPE, E_NONFINITE, E_LABEL, E_TEMPERATURE
 * @example parseCalibrateRequest('{"logits":[[1,2,3]],"temperature":2}')
 */
export function parseCalibrateRequest(text: string): CalibrateRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new HttpError(400, 'E_JSON', `request: body is not valid JSON (${clip(cause instanceof Error ? cause.message : String(cause), 80)})`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'E_JSON', `request: body must be a JSON object { ${KEYS.join(', ')} }, got ${show(body)}`);
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) throw new TStarError('E_ARGUMENT', `request: unknown field${unknown.length > 1 ? 's' : ''} ${names(unknown)}; expected ${KEYS.join(', ')}`);
  const raw = fields.logits;
  if (raw === undefined) throw new TStarError('E_ARGUMENT', 'request: logits is required');
  let matrix: { logits: Float32Array; shape: [number, number] };
  if (Array.isArray(raw)) matrix = fromRows(raw);
  else if (typeof raw === 'object' && raw !== null) matrix = fromFlat(raw as Record<string, unknown>);
  else throw new TStarError('E_SHAPE', `request: logits must be number[][] or { data, shape }, got ${show(raw)}`);
  const request: CalibrateRequest = { ...matrix, temperature: toTemperature(fields.temperature), probabilities: true };
  if (fields.labels !== undefined) request.labels = toLabels(fields.labels, matrix.shape[0], matrix.shape[1]);
  if (fields.featureDim !== undefined) request.featureDim = toFeatureDim(fields.featureDim);
  if (fields.probabilities !== undefined) request.probabilities = toSwitch(fields.probabilities, 'probabilities');
  return request;
}

const NPY_PARAMS = ['labels', 'temperature', 'featureDim', 'probabilities'];
// Query values are text: numbers must be plain decimals (no 0x10, no spaces, no "Infinity").
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^\d+$/;

/** The single value of a query parameter; a repeated one is refused, never first- or last-wins. */
function single(params: URLSearchParams, name: string): string | undefined {
  const all = params.getAll(name);
  if (all.length > 1) throw new TStarError('E_ARGUMENT', `request: query parameter ${name} is given ${all.length} times; give it once`);
  return all[0];
}

function queryTemperature(text: string | undefined): number | 'auto' | 'fit' {
  if (text === undefined) return 1;
  if (text === 'auto' || text === 'fit') return text;
  if (!DECIMAL.test(text)) throw new TStarError('E_TEMPERATURE', `request: temperature must be a decimal number > 0, "auto" or "fit", got ${clip(text)}`);
  return Number(text);
}

/**
 * Decodes a `.npy` body (a 2-D float32 or float64 array of logits, as `np.save` writes it) with the other
 * fields in the query string: `?labels=3,1,0&temperature=fit&featureDim=512&probabilities=false`. Each
 * parameter at most once; numbers in plain decimal.
 * @throws {HttpError} E_TOO_LARGE; {TStarError} E_ARGUMENT (not an .npy file, unknown or repeated parameter),
 *   E_DTYPE (not float32/float64), E_SHAPE (not 2-D, labels of the wrong length), E_NONFINITE, E_LABEL, E_TEMPERATURE
 * @example parseNpyRequest(npyBytes, new URL('http://x/?temperature=2').searchParams)
 */
export function parseNpyRequest(bytes: Uint8Array, params: URLSearchParams): CalibrateRequest {
  const unknown = [...new Set(params.keys())].filter((k) => !NPY_PARAMS.includes(k));
  if (unknown.length > 0) throw new TStarError('E_ARGUMENT', `request: unknown query parameter${unknown.length > 1 ? 's' : ''} ${names(unknown)}; expected ${NPY_PARAMS.join(', ')}`);
  const temperature = queryTemperature(single(params, 'temperature'));
  const array = parseNpy(bytes, 'request body');
  if (array.shape.length !== 2) throw new TStarError('E_SHAPE', `request body: logits must be 2-D [rows, cols], got shape ${shapeText(array.shape)}`);
  const [rows, cols] = array.shape as [number, number];
  checkElements(rows, cols, 'body shape');
  if (array.dtype !== 'f4' && array.dtype !== 'f8') throw new TStarError('E_DTYPE', `request body: logits must be float32 or float64, got ${array.dtype}`);
  const request: CalibrateRequest = { logits: toFloat32(array, 'request body'), shape: [rows, cols], temperature, probabilities: true };
  const labels = single(params, 'labels');
  if (labels !== undefined) {
    const parts = labels === '' ? [] : labels.split(',');
    if (parts.length !== rows) throw new TStarError('E_SHAPE', `request: labels has ${parts.length} entries but logits have ${rows} rows`);
    request.labels = toLabels(parts.map((v, r) => {
      if (!INTEGER.test(v)) throw new TStarError('E_LABEL', `request: labels[${r}] is ${clip(v)}, expected an integer in [0, ${cols})`);
      return Number(v);
    }), rows, cols);
  }
  const featureDim = single(params, 'featureDim');
  if (featureDim !== undefined) {
    if (!INTEGER.test(featureDim)) throw new TStarError('E_ARGUMENT', `request: featureDim must be an integer ≥ 1, got ${clip(featureDim)}`);
    request.featureDim = toFeatureDim(Number(featureDim));
  }
  const probabilities = single(params, 'probabilities');
  if (probabilities !== undefined) {
    if (probabilities !== 'true' && probabilities !== 'false') throw new TStarError('E_ARGUMENT', `request: probabilities must be true or false, got ${clip(probabilities)}`);
    request.probabilities = probabilities === 'true';
  }
  return request;
}
