import { TStarError } from '@tstar/core';
import { parseNpy } from '@tstar/node/npy-format';

/** What a POST carries once decoded: a row-major f32 matrix and the optional knobs. */
export interface CalibrateRequest {
  logits: Float32Array;
  shape: [rows: number, cols: number];
  labels?: Int32Array;
  temperature: number | 'auto' | 'fit';
  featureDim?: number;
}

/** An HTTP-level refusal (bad JSON, too large, wrong method) with a code in the TStarError style. */
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

const KEYS = new Set(['logits', 'labels', 'temperature', 'featureDim']);

// JSON has no NaN or ±Infinity: JSON.stringify writes them as null, so null and these three strings are
// accepted and reach the kernels, which refuse NaN/+Infinity (E_NONFINITE) and treat −Infinity as a mask.
const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function toNumber(value: unknown, where: string): number {
  if (typeof value === 'number') return value;
  if (value === null) return NaN;
  if (typeof value === 'string' && value in SPECIAL) return SPECIAL[value];
  throw new TStarError('E_DTYPE', `request: ${where} must be a number (or null, "NaN", "Infinity", "-Infinity"), got ${JSON.stringify(value)}`);
}

function fromRows(rows: unknown[]): { logits: Float32Array; shape: [number, number] } {
  const first = rows[0];
  const cols = Array.isArray(first) ? first.length : 0;
  const logits = new Float32Array(rows.length * cols);
  rows.forEach((row, r) => {
    if (!Array.isArray(row)) throw new TStarError('E_SHAPE', `request: logits[${r}] must be an array, got ${JSON.stringify(row)}`);
    if (row.length !== cols) throw new TStarError('E_SHAPE', `request: logits[${r}] has ${row.length} entries but logits[0] has ${cols}`);
    for (let c = 0; c < cols; c++) logits[r * cols + c] = toNumber(row[c], `logits[${r}][${c}]`);
  });
  return { logits, shape: [rows.length, cols] };
}

function fromFlat(value: Record<string, unknown>): { logits: Float32Array; shape: [number, number] } {
  const { data, shape } = value;
  if (!Array.isArray(data)) throw new TStarError('E_SHAPE', 'request: logits.data must be an array of numbers');
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new TStarError('E_SHAPE', `request: logits.shape must be [rows, cols] of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const [rows, cols] = shape as [number, number];
  if (data.length !== rows * cols) throw new TStarError('E_SHAPE', `request: logits.data has ${data.length} entries but shape [${rows}, ${cols}] needs ${rows * cols}`);
  return { logits: Float32Array.from(data, (v, i) => toNumber(v, `logits.data[${i}]`)), shape: [rows, cols] };
}

function toLabels(value: unknown, rows: number, cols: number): Int32Array {
  if (!Array.isArray(value)) throw new TStarError('E_LABEL', 'request: labels must be an array of integers');
  if (value.length !== rows) throw new TStarError('E_SHAPE', `request: labels has ${value.length} entries but logits have ${rows} rows`);
  // Int32Array would truncate 1.5 to 1 and wrap 2^32 to 0, so each label is checked before conversion.
  return Int32Array.from(value, (y, r) => {
    if (!Number.isInteger(y) || y < 0 || y >= cols) throw new TStarError('E_LABEL', `request: labels[${r}] is ${JSON.stringify(y)}, expected an integer in [0, ${cols})`);
    return y as number;
  });
}

function toTemperature(value: unknown): number | 'auto' | 'fit' {
  if (value === undefined) return 1;
  if (value === 'auto' || value === 'fit' || typeof value === 'number') return value;
  throw new TStarError('E_TEMPERATURE', `request: temperature must be a number > 0, "auto" or "fit", got ${JSON.stringify(value)}`);
}

/**
 * Decodes a JSON body `{ logits, labels?, temperature?, featureDim? }`, where logits are `number[][]` or
 * `{ data: number[], shape: [rows, cols] }`. Values are checked here only as far as converting them to typed
 * arrays needs; temperatures and the data itself are checked by the core.
 * @throws {HttpError} E_JSON; {TStarError} E_ARGUMENT, E_SHAPE, E_DTYPE, E_LABEL, E_TEMPERATURE
 * @example parseCalibrateRequest('{"logits":[[1,2,3]],"temperature":2}')
 */
export function parseCalibrateRequest(text: string): CalibrateRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new HttpError(400, 'E_JSON', `request: body is not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'E_JSON', 'request: body must be a JSON object { logits, labels?, temperature?, featureDim? }');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) throw new TStarError('E_ARGUMENT', `request: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; expected logits, labels, temperature, featureDim`);
  const raw = fields.logits;
  if (raw === undefined) throw new TStarError('E_ARGUMENT', 'request: logits is required');
  let matrix: { logits: Float32Array; shape: [number, number] };
  if (Array.isArray(raw)) matrix = fromRows(raw);
  else if (typeof raw === 'object' && raw !== null) matrix = fromFlat(raw as Record<string, unknown>);
  else throw new TStarError('E_SHAPE', `request: logits must be number[][] or { data, shape }, got ${JSON.stringify(raw)}`);
  const request: CalibrateRequest = { ...matrix, temperature: toTemperature(fields.temperature) };
  if (fields.labels !== undefined) request.labels = toLabels(fields.labels, matrix.shape[0], matrix.shape[1]);
  if (fields.featureDim !== undefined) {
    if (typeof fields.featureDim !== 'number') throw new TStarError('E_ARGUMENT', `request: featureDim must be an integer ≥ 1, got ${JSON.stringify(fields.featureDim)}`);
    request.featureDim = fields.featureDim;
  }
  return request;
}

const NPY_PARAMS = new Set(['labels', 'temperature', 'featureDim']);

/**
 * Decodes a `.npy` body (a 2-D float32 or float64 array of logits, as `np.save` writes it) with the other
 * fields in the query string: `?labels=3,1,0&temperature=fit&featureDim=512`.
 * @throws {TStarError} E_ARGUMENT (not an .npy file, unknown parameter), E_DTYPE (not float32/float64),
 *   E_SHAPE (not 2-D, labels of the wrong length), E_LABEL, E_TEMPERATURE
 * @example parseNpyRequest(npyBytes, new URL('http://x/?temperature=2').searchParams)
 */
export function parseNpyRequest(bytes: Uint8Array, params: URLSearchParams): CalibrateRequest {
  const unknown = [...params.keys()].filter((k) => !NPY_PARAMS.has(k));
  if (unknown.length > 0) throw new TStarError('E_ARGUMENT', `request: unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; expected labels, temperature, featureDim`);
  const array = parseNpy(bytes, 'request body');
  if (array.shape.length !== 2) throw new TStarError('E_SHAPE', `request body: logits must be 2-D [rows, cols], got shape (${array.shape.join(', ')})`);
  const [rows, cols] = array.shape as [number, number];
  let logits: Float32Array;
  if (array.data instanceof Float32Array) logits = array.data;
  else if (array.data instanceof Float64Array) logits = Float32Array.from(array.data);
  else throw new TStarError('E_DTYPE', `request body: logits must be float32 or float64, got ${array.dtype}`);
  const request: CalibrateRequest = { logits, shape: [rows, cols], temperature: toTemperature(queryNumber(params.get('temperature'))) };
  const labels = params.get('labels');
  if (labels !== null) request.labels = toLabels(labels === '' ? [] : labels.split(',').map((v) => queryNumber(v.trim())), rows, cols);
  const featureDim = params.get('featureDim');
  if (featureDim !== null) {
    const m = queryNumber(featureDim);
    if (typeof m !== 'number') throw new TStarError('E_ARGUMENT', `request: featureDim must be an integer ≥ 1, got ${JSON.stringify(featureDim)}`);
    request.featureDim = m;
  }
  return request;
}

// Query values are strings: numeric ones become numbers, words stay words (so "auto" and "fit" pass through).
function queryNumber(value: string | null): unknown {
  if (value === null) return undefined;
  return value !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
}
