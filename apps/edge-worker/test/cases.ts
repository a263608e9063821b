import { encodeNpy } from '@tstar/node/npy-format';
import { MAX_BODY_BYTES, MAX_ELEMENTS } from '../src/service.js';

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
  // The .npy header is read as numpy reads it: a repeated key is refused, never half-believed.
  { name: '.npy: a header repeating descr', body: npyWith("{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", 24), contentType: NPY, status: 400, code: 'E_ARGUMENT' },
  { name: ".npy: 'shape' inside a comment does not count", body: npyWith("{'descr': '<f4', # 'shape': (3, 2),\n 'fortran_order': False}", 24), contentType: NPY, status: 400, code: 'E_ARGUMENT' },
  { name: '.npy: format version 1.1', body: withMinor(npy3x2, 1), contentType: NPY, status: 400, code: 'E_ARGUMENT' },
  { name: '.npy: float64 logits beyond float32', body: encodeNpy(new Float64Array([1, -1e39, 3, 4]), [2, 2]), contentType: NPY, status: 400, code: 'E_NONFINITE' },
  // Query parameters: plain decimals, each at most once, and only with a .npy body.
  { name: 'query: a hex temperature', body: npy3x2, contentType: NPY, query: '?temperature=0x10', status: 400, code: 'E_TEMPERATURE' },
  { name: 'query: a temperature with spaces', body: npy3x2, contentType: NPY, query: '?temperature=%202%20', status: 400, code: 'E_TEMPERATURE' },
  { name: 'query: a repeated temperature', body: npy3x2, contentType: NPY, query: '?temperature=1&temperature=0', status: 400, code: 'E_ARGUMENT' },
  { name: 'query: a repeated labels list', body: npy3x2, contentType: NPY, query: '?labels=0,1,1&labels=1,1,1', status: 400, code: 'E_ARGUMENT' },
  { name: 'query: a hex featureDim', body: npy3x2, contentType: NPY, query: '?featureDim=0x200', status: 400, code: 'E_ARGUMENT' },
  { name: 'query: a fractional label', body: npy3x2, contentType: NPY, query: '?labels=0,1.0,1', status: 400, code: 'E_LABEL' },
  { name: 'query: probabilities=yes', body: npy3x2, contentType: NPY, query: '?probabilities=yes', status: 400, code: 'E_ARGUMENT' },
  { name: 'query: parameters with a JSON body', body: JSON.stringify({ logits }), query: '?temperature=2', status: 400, code: 'E_ARGUMENT' },
  // JSON values float32 cannot hold would become masks (−Inf) or NaN sources.
  { name: 'a logit beyond float32 (−1e39, would be a mask)', body: '{"logits": [[1, -1e39, 3]]}', status: 400, code: 'E_NONFINITE' },
  { name: 'a string featureDim', body: JSON.stringify({ logits, featureDim: '512' }), status: 400, code: 'E_ARGUMENT' },
  { name: 'a non-boolean probabilities', body: JSON.stringify({ logits, probabilities: 0 }), status: 400, code: 'E_ARGUMENT' },
  // Bounded work: more logits than MAX_ELEMENTS, or an answer too large to send.
  { name: 'more logits than the element limit ({ data, shape })', body: JSON.stringify({ logits: { data: [], shape: [MAX_ELEMENTS + 1, 1] } }), status: 413, code: 'E_TOO_LARGE' },
  { name: 'more logits than the element limit (rows)', body: `{"logits": [${'[0,0,0,0],'.repeat(MAX_ELEMENTS / 4)}[0,0,0,0]]}`, status: 413, code: 'E_TOO_LARGE' },
  { name: 'more logits than the element limit (.npy)', body: encodeNpy(new Float32Array(MAX_ELEMENTS + 2), [2, MAX_ELEMENTS / 2 + 1]), contentType: NPY, status: 413, code: 'E_TOO_LARGE' },
  { name: 'probabilities that would outgrow the answer limit', body: JSON.stringify({ logits: { data: new Array(400_000).fill(0), shape: [40_000, 10] } }), status: 413, code: 'E_TOO_LARGE' },
];

/** .npy bytes with a hand-written header dict (v1, padded as numpy pads) and `dataBytes` of zeros. */
function npyWith(dict: string, dataBytes: number): Uint8Array {
  const text = new TextEncoder().encode(dict);
  const total = Math.ceil((10 + text.length + 1) / 64) * 64;
  const out = new Uint8Array(total + dataBytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, total - 10, true);
  out.fill(0x20, 10, total - 1);
  out.set(text, 10);
  out[total - 1] = 0x0a;
  return out;
}

function withMinor(bytes: Uint8Array, minor: number): Uint8Array {
  const copy = bytes.slice();
  copy[7] = minor;
  return copy;
}

/**
 * Raw request tails after the headers of a chunked POST, each malformed or cut short; `truncated` ends the
 * upload mid-chunk (the client half-closes), the others break the chunked framing itself.
 */
export const BROKEN_CHUNKED: { name: string; tail: string }[] = [
  { name: 'truncated', tail: '10\r\n{"logits": [[1' },
  { name: 'a chunk size that is not hex', tail: 'ZZ\r\nabc\r\n0\r\n\r\n' },
  { name: 'chunk data longer than its size', tail: '5\r\nabcdeXX3\r\nabc\r\n0\r\n\r\n' },
  { name: 'a chunk size overflowing 64 bits', tail: 'fffffffffffffffffff\r\nabc' },
  { name: 'a negative chunk size', tail: '-5\r\nabcde\r\n0\r\n\r\n' },
  { name: 'a bad trailer', tail: '2\r\n{}\r\n0\r\nno colon here\r\n' },
  { name: 'cut after the size line', tail: '20\r\n' },
];

/** A good request and the request that exercises every optional part of the answer. */
export const GOOD = {
  logits: [[2.5, -1, 0.25, 4], [0, 0, 0, 0], [-3, 1.5, '-Infinity', 2], [1, 2, 3, 4.5], [9, -9, 0.5, 1]],
  labels: [3, 1, 1, 3, 0],
  featureDim: 512,
};
