import { describe, it, expect } from 'vitest';
import { wasm, wasmBuild } from '../src/load.js';
import { alloc, arenaReset, f32 } from '../src/memory.js';

function vexp(x: Float32Array, fast = false): Float32Array {
  arenaReset();
  const xPtr = alloc(x.length * 4), yPtr = alloc(x.length * 4);
  f32(xPtr, x.length).set(x);
  wasm().expElementwise(xPtr, yPtr, x.length, fast ? 1 : 0);
  return f32(yPtr, x.length).slice();
}

/** Distance in units in the last place between two positive finite f32 values. */
function ulps(a: number, b: number): number {
  const buf = new Float32Array([a, b]);
  const bits = new Int32Array(buf.buffer);
  return Math.abs(bits[0] - bits[1]);
}

describe('vectorised exp (assembly/simd/exp.ts)', () => {
  it('runs on the build the suite asked for (test/setup.ts: plain unless TSTAR_WASM=relaxed)', () => {
    expect(wasmBuild()).toBe(process.env.TSTAR_WASM === 'relaxed' ? 'relaxed-simd' : 'simd');
  });

  // x − m is exact here (m = 0), so this isolates the reduction and the polynomial: the fast path's only
  // extra error in softmax is the f32 rounding of x − m (test/softmax.test.ts holds that bound).
  // The fast exp's degree-5 polynomial costs it one more ulp.
  for (const [name, fast, log2n, ulpBound] of [['accurate (f64 reduction)', false, 22, 1], ['fast (f32 reduction)', true, 20, 2]] as const) {
    it(`${name}: within ${ulpBound} ulp of correctly rounded e^x over 2^${log2n} arguments in [−86.5, 88]`, () => {
      const n = 1 << log2n, lo = -86.5, hi = 88;
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = lo + ((hi - lo) * i) / (n - 1);
      const y = vexp(x, fast);
      let worst = 0, at = 0;
      for (let i = 0; i < n; i++) {
        const u = ulps(y[i], Math.fround(Math.exp(x[i])));
        if (u > worst) { worst = u; at = x[i]; }
      }
      expect(worst, `worst ${worst} ulp at x = ${at}`).toBeLessThanOrEqual(ulpBound);
    });

    it(`${name}: exact at 0, flushes −Infinity and results below 2^−125.5 (x < −87) to 0`, () => {
      expect(Array.from(vexp(new Float32Array([0, -Infinity, -90, -1e30, -87.5]), fast))).toEqual([1, 0, 0, 0, 0]);
    });
  }
});
