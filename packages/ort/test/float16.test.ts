import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { float16ToFloat32 } from '../src/index.js';
import { expectCode, half64 } from './helpers.js';

const all = Uint16Array.from({ length: 65536 }, (_, i) => i);

describe('float16ToFloat32', () => {
  it('decodes all 65,536 bit patterns exactly as the binary16 definition in float64 says', () => {
    const y = float16ToFloat32(all);
    for (let h = 0; h < 65536; h++) {
      const want = half64(h);
      if (Number.isNaN(want)) expect(Number.isNaN(y[h]), `0x${h.toString(16)}`).toBe(true);
      else if (y[h] !== want || (want === 0 && !Object.is(y[h], want))) expect.fail(`0x${h.toString(16)}: got ${y[h]}, expected ${want}`);
    }
  });

  it('keeps the sign of zero, the infinities and the largest finite value', () => {
    const y = float16ToFloat32(new Uint16Array([0x0000, 0x8000, 0x7c00, 0xfc00, 0x7bff, 0xfbff]));
    expect(Object.is(y[0], 0)).toBe(true);
    expect(Object.is(y[1], -0)).toBe(true);
    expect([y[2], y[3], y[4], y[5]]).toEqual([Infinity, -Infinity, 65504, -65504]);
  });

  it('decodes subnormals: 2^-24 the smallest, 1023·2^-24 the largest, 2^-14 the smallest normal', () => {
    const y = float16ToFloat32(new Uint16Array([0x0001, 0x8001, 0x03ff, 0x0400, 0x0200]));
    expect(y[0]).toBe(2 ** -24);
    expect(y[1]).toBe(-(2 ** -24));
    expect(y[2]).toBe(1023 * 2 ** -24);
    expect(y[3]).toBe(2 ** -14);
    expect(y[4]).toBe(2 ** -15);
  });

  it('turns every NaN pattern (quiet, signalling, either sign) into NaN with its payload in the high mantissa bits', () => {
    const nans = new Uint16Array([0x7c01, 0x7e00, 0x7fff, 0xfc01, 0xfe00]);
    const y = float16ToFloat32(nans);
    const bits = new Uint32Array(y.buffer);
    nans.forEach((h, i) => {
      expect(Number.isNaN(y[i])).toBe(true);
      expect((bits[i] >>> 13) & 0x3ff).toBe(h & 0x3ff);
      expect(bits[i] >>> 31).toBe(h >> 15);
    });
  });

  it('writes into out when given and returns it', () => {
    const out = new Float32Array(3);
    expect(float16ToFloat32(new Uint16Array([0x3c00, 0xc000, 0x3555]), out)).toBe(out);
    expect(out[0]).toBe(1);
    expect(out[1]).toBe(-2);
    expect(out[2]).toBe(half64(0x3555));
  });

  it('rejects a non-Uint16Array with E_DTYPE and a wrong-length out with E_SHAPE', () => {
    expectCode(() => float16ToFloat32(new Int16Array(2) as unknown as Uint16Array), 'E_DTYPE');
    expectCode(() => float16ToFloat32([0x3c00] as unknown as Uint16Array), 'E_DTYPE');
    expectCode(() => float16ToFloat32(new Uint16Array(2), new Float32Array(3)), 'E_SHAPE');
  });

  it('agrees with the definition on random arrays at any offset into a shared buffer (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 65535 }), { maxLength: 64 }), fc.nat(8), (values, offset) => {
      const buffer = new Uint16Array(values.length + offset);
      buffer.set(values, offset);
      const y = float16ToFloat32(buffer.subarray(offset));
      values.forEach((h, i) => {
        const want = half64(h);
        expect(Number.isNaN(want) ? Number.isNaN(y[i]) : Object.is(y[i], want)).toBe(true);
      });
    }));
  });
});
