import { TStarError } from '@tstar/core';

// 2^-24, the value of the smallest float16 subnormal's unit (exact in float32).
const SUBNORMAL_UNIT = 5.960464477539063e-8;

/**
 * Decodes IEEE 754 binary16 bit patterns (how onnxruntime hands over float16 tensors where the host has no
 * Float16Array) to float32. Exact: every float16 is a float32. Subnormals, ±0, ±Infinity and NaN (payload
 * kept) all convert.
 * @throws {TStarError} E_DTYPE (not a Uint16Array), E_SHAPE (`out` of another length)
 * @example float16ToFloat32(new Uint16Array([0x3c00, 0xc000, 0x7c00])) // [1, -2, Infinity]
 */
export function float16ToFloat32(bits: Uint16Array, out?: Float32Array): Float32Array {
  if (!(bits instanceof Uint16Array)) throw new TStarError('E_DTYPE', `float16ToFloat32: bits must be a Uint16Array, got ${bits === null ? 'null' : typeof bits === 'object' ? (bits as object).constructor?.name : typeof bits}`);
  if (out !== undefined && (!(out instanceof Float32Array) || out.length !== bits.length)) {
    throw new TStarError('E_SHAPE', `float16ToFloat32: out must be a Float32Array of ${bits.length} elements, got ${out instanceof Float32Array ? out.length : typeof out}`);
  }
  const y = out ?? new Float32Array(bits.length);
  const u = new Uint32Array(y.buffer, y.byteOffset, y.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = (h & 0x8000) << 16;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0x1f) u[i] = (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
    else if (exponent !== 0) u[i] = (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
    // Subnormal (or zero): mantissa · 2^-24, exact in float32; the sign keeps −0.
    else y[i] = (sign ? -1 : 1) * mantissa * SUBNORMAL_UNIT;
  }
  return y;
}
