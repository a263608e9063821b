import { encodeNpy } from '@tstar/node/npy-format';
import { MAX_BODY_BYTES } from '../src/service.js';

/** One class of bad input and the answer every host must give for it. */
export interface BadCase {
  name: string;
  body: string | Uint8Array;
  status: number;
  code: string;
  chunked?: boolean;
  /** Announce this content-length but send only `body`. */
  declaredLength?: number;
  /** Sent as content-type (default application/json). */
  contentType?: string;
  /** Appended to the URL (the .npy form carries its other fields there). */
  query?: string;
}

const NPY = 'application/x-npy';
const npy3x2 = encodeNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);

const logits = [[1, 2, 3], [0.5, -1, 2]];
const oversized = new Uint8Array(MAX_BODY_BYTES + 1024).fill(0x20);

export const BAD_CASES: BadCase[] = [
  { name: 'malformed JSON', body: '{"logits": [[1, 2', status: 400, code: 'E_JSON' },
  { name: 'a JSON array instead of an object', body: '[1, 2, 3]', status: 400, code: 'E_JSON' },
  { name: 'invalid UTF-8', body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), status: 400, code: 'E_JSON' },
  { name: 'ragged rows', body: JSON.stringify({ logits: [[1, 2, 3], [1, 2]] }), status: 400, code: 'E_SHAPE' },
  { name: 'data that does not fill its shape', body: JSON.stringify({ logits: { data: [1, 2, 3], shape: [2, 2] } }), status: 400, code: 'E_SHAPE' },
  { name: 'labels of the wrong length', body: JSON.stringify({ logits, labels: [0] }), status: 400, code: 'E_SHAPE' },
  { name: 'a string logit', body: JSON.stringify({ logits: [[1, 'two', 3]] }), status: 400, code: 'E_DTYPE' },
  { name: 'a NaN logit (JSON null)', body: '{"logits": [[1, null, 3]]}', status: 400, code: 'E_NONFINITE' },
  { name: 'a NaN logit ("NaN")', body: JSON.stringify({ logits: [[1, 'NaN', 3]] }), status: 400, code: 'E_NONFINITE' },
  { name: 'a logit beyond float32 (+Infinity)', body: '{"logits": [[1, 1e300, 3]]}', status: 400, code: 'E_NONFINITE' },
  { name: 'temperature 0', body: JSON.stringify({ logits, temperature: 0 }), status: 400, code: 'E_TEMPERATURE' },
  { name: 'a negative temperature', body: JSON.stringify({ logits, temperature: -2 }), status: 400, code: 'E_TEMPERATURE' },
  { name: 'an unknown temperature word', body: JSON.stringify({ logits, temperature: 'hot' }), status: 400, code: 'E_TEMPERATURE' },
  { name: 'a label out of range', body: JSON.stringify({ logits, labels: [0, 3] }), status: 400, code: 'E_LABEL' },
  { name: 'a negative label', body: JSON.stringify({ logits, labels: [-1, 0] }), status: 400, code: 'E_LABEL' },
  { name: 'a fractional label', body: JSON.stringify({ logits, labels: [0.5, 0] }), status: 400, code: 'E_LABEL' },
  { name: 'temperature "auto" without featureDim', body: JSON.stringify({ logits, temperature: 'auto' }), status: 400, code: 'E_ARGUMENT' },
  { name: 'a featureDim of 0', body: JSON.stringify({ logits, featureDim: 0 }), status: 400, code: 'E_ARGUMENT' },
  { name: 'an unknown field', body: JSON.stringify({ logits, temprature: 2 }), status: 400, code: 'E_ARGUMENT' },
  { name: 'a content-length over the limit (answered before the upload ends)', body: '{"logits": [[', declaredLength: MAX_BODY_BYTES + 1, status: 413, code: 'E_TOO_LARGE' },
  { name: 'a chunked body over the limit', body: oversized, status: 413, code: 'E_TOO_LARGE', chunked: true },
  { name: '.npy: bytes that are not an .npy file', body: '{"logits": [[1, 2]]}', contentType: NPY, status: 400, code: 'E_ARGUMENT' },
  { name: '.npy: a truncated file', body: npy3x2.subarray(0, npy3x2.length - 5), contentType: NPY, status: 400, code: 'E_SHAPE' },
  { name: '.npy: a 3-D array', body: encodeNpy(new Float32Array(8), [2, 2, 2]), contentType: NPY, status: 400, code: 'E_SHAPE' },
  { name: '.npy: int32 logits', body: encodeNpy(new Int32Array(6), [3, 2]), contentType: NPY, status: 400, code: 'E_DTYPE' },
  { name: '.npy: a NaN logit', body: encodeNpy(new Float32Array([1, NaN, 3, 4]), [2, 2]), contentType: NPY, status: 400, code: 'E_NONFINITE' },
  { name: '.npy: a label out of range in the query', body: npy3x2, contentType: NPY, query: '?labels=0,1,2', status: 400, code: 'E_LABEL' },
  { name: '.npy: an unknown query parameter', body: npy3x2, contentType: NPY, query: '?temp=2', status: 400, code: 'E_ARGUMENT' },
];

/** A good request and the request that exercises every optional part of the answer. */
export const GOOD = {
  logits: [[2.5, -1, 0.25, 4], [0, 0, 0, 0], [-3, 1.5, '-Infinity', 2], [1, 2, 3, 4.5], [9, -9, 0.5, 1]],
  labels: [3, 1, 1, 3, 0],
  featureDim: 512,
};
