import { describe, it, expect } from 'vitest';
import { float16ToFloat32 } from '../src/index.js';
import { expectCode } from './helpers.js';

/** IEEE 754 binary16 by its definition, in float64. */
function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * 2 ** -14 * (m / 1024);
  return sign * 2 ** (e - 15) * (1 + m / 1024);
}

describe('float16ToFloat32', () => {
  it('decodes all 65,536 half values exactly as the definition (subnormals, ±0, ±Infinity, NaN)', () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const got = float16ToFloat32(bits);
    for (let h = 0; h < 65536; h++) {
      const want = half(h);
      if (Number.isNaN(want)) expect(got[h], `0x${h.toString(16)}`).toBeNaN();
      else expect(Object.is(got[h], want), `0x${h.toString(16)}: ${got[h]} vs ${want}`).toBe(true);
    }
  });
  it('writes into out and returns it; rejects other dtypes (E_DTYPE) and lengths (E_SHAPE)', () => {
    const out = new Float32Array(2);
    expect(float16ToFloat32(new Uint16Array([0x3c00, 0xc000]), out)).toBe(out);
    expect(Array.from(out)).toEqual([1, -2]);
    expectCode(() => float16ToFloat32(new Int16Array(2) as never), 'E_DTYPE');
    expectCode(() => float16ToFloat32(new Uint16Array(2), new Float32Array(3)), 'E_SHAPE');
  });
});
