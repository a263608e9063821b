// The .npy format without fs: safe for edge hosts and browsers (`@tstar/node/npy-format`).
import { TStarError } from '@tstar/core';

/** The element types tstar reads from and writes to `.npy`: little-endian, C order. */
export type NpyDtype = 'f4' | 'f8' | 'i4' | 'i8' | 'u1' | 'b1';

/** A typed array holding one of the supported dtypes (`i8` arrives as `BigInt64Array`, `b1` as 0/1 bytes). */
export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** An n-dimensional array as read from a file: flat row-major data, its shape and its dtype. */
export interface NdArray {
  data: NpyData;
  shape: number[];
  dtype: NpyDtype;
}

export interface NpyWriteOptions {
  /** Format version 1, 2 or 3. Default: 1, or 2 when the header outgrows v1's 16-bit length. */
  version?: 1 | 2 | 3;
  /** Stores booleans as `|b1` instead of `|u1` when the data is a Uint8Array. */
  bool?: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const ITEM: Record<NpyDtype, number> = { f4: 4, f8: 8, i4: 4, i8: 8, u1: 1, b1: 1 };

function fail(code: 'E_ARGUMENT' | 'E_DTYPE' | 'E_SHAPE', name: string, problem: string): never {
  throw new TStarError(code, `${name}: ${problem}`);
}

function view(dtype: NpyDtype, buffer: ArrayBuffer, length: number): NpyData {
  switch (dtype) {
    case 'f4': return new Float32Array(buffer, 0, length);
    case 'f8': return new Float64Array(buffer, 0, length);
    case 'i4': return new Int32Array(buffer, 0, length);
    case 'i8': return new BigInt64Array(buffer, 0, length);
    default: return new Uint8Array(buffer, 0, length);
  }
}

// The header is a Python dict literal; numpy writes exactly three keys and this parser accepts only those.
function parseHeader(text: string, name: string): { descr: string; fortran: boolean; shape: number[] } {
  const body = text.trim();
  if (!body.startsWith('{') || !body.endsWith('}')) fail('E_ARGUMENT', name, `npy header is not a dict literal: ${JSON.stringify(body.slice(0, 60))}`);
  const descrMatch = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(body);
  const fortranMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(body);
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(body);
  if (!descrMatch) {
    if (/['"]descr['"]\s*:\s*\[/.test(body)) fail('E_DTYPE', name, 'structured (record) dtypes are not supported; save a plain numeric array');
    fail('E_ARGUMENT', name, 'npy header has no descr');
  }
  if (!fortranMatch) fail('E_ARGUMENT', name, 'npy header has no fortran_order');
  if (!shapeMatch) fail('E_ARGUMENT', name, 'npy header has no shape tuple');
  const parts = shapeMatch[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const shape = parts.map((p) => {
    if (!/^\d+L?$/.test(p)) fail('E_ARGUMENT', name, `npy shape entry ${JSON.stringify(p)} is not a non-negative integer`);
    return Number.parseInt(p, 10);
  });
  return { descr: descrMatch[2], fortran: fortranMatch[1] === 'True', shape };
}

function dtypeOf(descr: string, name: string): NpyDtype {
  const order = descr[0];
  const kind = descr.slice(1);
  if (descr === 'O' || kind === 'O') fail('E_DTYPE', name, "object arrays (dtype 'O') are not supported; save numbers, e.g. arr.astype('<f4')");
  const known = kind in ITEM ? (kind as NpyDtype) : undefined;
  // Byte order is meaningless for one-byte types, so '>u1' and '|u1' are the same thing.
  if (order === '>' && (!known || ITEM[known] > 1)) {
    fail('E_DTYPE', name, `big-endian dtype '${descr}' is not supported; save little-endian, e.g. arr.astype('<${kind}')`);
  }
  if (known && ['<', '|', '=', '>'].includes(order)) return known;
  fail('E_DTYPE', name, `dtype '${descr}' is not supported; use float32, float64, int32, int64, uint8 or bool`);
}

/**
 * Parses the bytes of a `.npy` file (format versions 1, 2 and 3). The result owns a fresh, aligned buffer.
 * `name` prefixes every error so a message names the file.
 * @throws {TStarError} E_ARGUMENT (bad magic, version or header), E_DTYPE (big-endian, object, unsupported
 *   dtype), E_SHAPE (Fortran order, data shorter than the shape needs)
 * @example const { data, shape } = parseNpy(readFileSync('logits.npy'), 'logits.npy');
 */
export function parseNpy(bytes: Uint8Array, name = 'npy'): NdArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('E_ARGUMENT', name, 'not an .npy file (missing the \\x93NUMPY magic)');
  const major = bytes[6];
  if (major < 1 || major > 3) fail('E_ARGUMENT', name, `npy format version ${major}.${bytes[7]} is not supported (1, 2 and 3 are)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) fail('E_SHAPE', name, 'file is truncated inside the npy preamble');
  const headerLength = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lengthBytes;
  if (bytes.length < start + headerLength) fail('E_SHAPE', name, `file is truncated inside the npy header (${bytes.length} bytes, header ends at ${start + headerLength})`);
  const headerBytes = bytes.subarray(start, start + headerLength);
  // v3 exists only to allow utf-8 in field names; v1 and v2 are latin-1.
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const header = parseHeader(text, name);
  const dtype = dtypeOf(header.descr, name);
  const shapeText = `(${header.shape.join(', ')}${header.shape.length === 1 ? ',' : ''})`;
  const count = header.shape.reduce((a, b) => a * b, 1);
  if (header.fortran && header.shape.filter((d) => d > 1).length > 1) {
    fail('E_SHAPE', name, `Fortran-order (column-major) arrays are not supported; save np.ascontiguousarray(arr) (shape ${shapeText})`);
  }
  const dataStart = start + headerLength;
  const need = count * ITEM[dtype];
  const have = bytes.length - dataStart;
  if (have < need) fail('E_SHAPE', name, `file is truncated: shape ${shapeText} of '${header.descr}' needs ${need} data bytes, found ${have}`);
  // A fresh buffer: aligned for the typed view, and never Node's shared Buffer pool (whose slice() is a view).
  const copy = new Uint8Array(need);
  copy.set(bytes.subarray(dataStart, dataStart + need));
  return { data: view(dtype, copy.buffer, count), shape: header.shape, dtype };
}

function dtypeFor(data: NpyData, bool: boolean): NpyDtype {
  if (data instanceof Float32Array) return 'f4';
  if (data instanceof Float64Array) return 'f8';
  if (data instanceof Int32Array) return 'i4';
  if (data instanceof BigInt64Array) return 'i8';
  if (data instanceof Uint8Array) return bool ? 'b1' : 'u1';
  throw new TStarError('E_DTYPE', `encodeNpy: data must be a Float32Array, Float64Array, Int32Array, BigInt64Array or Uint8Array`);
}

/**
 * Encodes a typed array and its shape as `.npy` bytes (little-endian, C order, header padded to 64 bytes).
 * @throws {TStarError} E_DTYPE, E_SHAPE, E_ARGUMENT (unknown version)
 * @example writeFileSync('probs.npy', encodeNpy(probs, [rows, cols]));
 */
export function encodeNpy(data: NpyData, shape: readonly number[], options: NpyWriteOptions = {}): Uint8Array {
  const dtype = dtypeFor(data, options.bool ?? false);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new TStarError('E_SHAPE', `encodeNpy: shape must hold non-negative integers, got ${JSON.stringify(shape)}`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new TStarError('E_SHAPE', `encodeNpy: data has ${data.length} elements but shape ${JSON.stringify(shape)} needs ${count}`);
  const descr = ITEM[dtype] === 1 ? `|${dtype}` : `<${dtype}`;
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const dictBytes = new TextEncoder().encode(dict);
  let version = options.version ?? 1;
  if (![1, 2, 3].includes(version)) throw new TStarError('E_ARGUMENT', `encodeNpy: version must be 1, 2 or 3, got ${String(version)}`);
  const pre = (v: number) => 8 + (v === 1 ? 2 : 4);
  const padded = (v: number) => Math.ceil((pre(v) + dictBytes.length + 1) / 64) * 64 - pre(v);
  if (version === 1 && padded(1) > 0xffff) version = 2;
  const headerLength = padded(version);
  const out = new Uint8Array(pre(version) + headerLength + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, headerLength, true);
  else dv.setUint32(8, headerLength, true);
  const h = pre(version);
  out.set(dictBytes, h);
  out.fill(0x20, h + dictBytes.length, h + headerLength - 1);
  out[h + headerLength - 1] = 0x0a;
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), h + headerLength);
  return out;
}
