import { TStarError } from './errors.js';
import { typeName } from './validate.js';

/**
 * Decodes IEEE 754 half-precision bits (what onnxruntime and WebGPU hand out for float16 tensors) to float32,
 * exactly: every half value, subnormals, ±0, ±Infinity and NaN included, is representable in float32.
 * @throws {TStarError} E_DTYPE (bits not a Uint16Array), E_SHAPE (out of another length)
 * @example float16ToFloat32(new Uint16Array([0x3c00, 0xc000])) // Float32Array [1, -2]
 */
export function float16ToFloat32(bits: Uint16Array, out?: Float32Array): Float32Array {
  const op = 'float16ToFloat32';
  if (!(bits instanceof Uint16Array)) throw new TStarError('E_DTYPE', `${op}: bits must be a Uint16Array, got ${typeName(bits)}`);
  if (out !== undefined && (!(out instanceof Float32Array) || out.length !== bits.length)) {
    throw new TStarError('E_SHAPE', `${op}: out must be a Float32Array of ${bits.length} elements`);
  }
  const result = out ?? new Float32Array(bits.length);
  const u32 = new Uint32Array(result.buffer, result.byteOffset, result.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = (h & 0x8000) << 16;
    const exp = (h >> 10) & 0x1f;
    let mant = h & 0x3ff;
    if (exp === 0x1f) {
      u32[i] = sign | 0x7f800000 | (mant << 13);
    } else if (exp !== 0) {
      u32[i] = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant === 0) {
      u32[i] = sign;
    } else {
      // Subnormal half: shift the mantissa up to an implicit 1, lowering the exponent as it goes.
      let e = 113;
      while ((mant & 0x400) === 0) {
        mant <<= 1;
        e--;
      }
      u32[i] = sign | (e << 23) | ((mant & 0x3ff) << 13);
    }
  }
  return result;
}
