import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { softmax, logSoftmax, softmaxBackward } from '../src/index.js';
import * as ref from './reference.js';
import { mat, expectClose, expectScalarClose, expectCode, SHAPES, RUNS, rng } from './helpers.js';

const x3 = new Float32Array([1, 2, 3]);

/**
 * The 'fast' bound (src/validate.ts, Precision): entry i within 3e-7 + 6e-8·|z_i| relative of float64, where
 * z_i = (x_i − max)/T; checked on entries ≥ 1e-30 (smaller ones within 1e-35 absolute). Returns the largest
 * relative errors seen at p ≥ 1e-6 and at p ≥ 1e-30.
 */
function expectFastBound(y: ArrayLike<number>, x: Float32Array, rows: number, cols: number, temperature: number): { above1e6: number; above1e30: number } {
  const expected = ref.softmax(x, rows, cols, temperature);
  let above1e6 = 0, above1e30 = 0;
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c, e = expected[i];
      if (e < 1e-30) {
        if (!(Math.abs(y[i] - e) <= 1e-35)) expect.fail(`entry ${i}: got ${y[i]}, expected ${e} (below 1e-30, allowed 1e-35 absolute)`);
        continue;
      }
      const err = Math.abs(y[i] - e) / e;
      const z = Math.abs((x[i] - m) / temperature);
      if (!(err <= 3e-7 + 6e-8 * z)) expect.fail(`entry ${i}: got ${y[i]}, expected ${e} (error ${err.toExponential(2)} > 3e-7 + 6e-8·${z.toFixed(2)})`);
      above1e30 = Math.max(above1e30, err);
      if (e >= 1e-6) above1e6 = Math.max(above1e6, err);
    }
  }
  return { above1e6, above1e30 };
}

describe('softmax', () => {
  it("matches the float64 reference within 1e-6 relative (entries ≥ 1e-30) on ragged shapes with precision 'accurate'", () => {
    for (const [r, c] of SHAPES) {
      for (const temperature of [1, 0.37, 3]) {
        const x = mat(r, c, r * 31 + c, -20, 20);
        expectClose(softmax(x, [r, c], { temperature, precision: 'accurate' }), ref.softmax(x, r, c, temperature), { rel: 1e-6, abs: 1e-36, floor: 1e-30 });
      }
    }
  });

  it("holds the 'fast' bound (3e-7 + 6e-8·|z| relative) on ragged shapes by default", () => {
    for (const [r, c] of SHAPES) {
      for (const temperature of [1, 0.37, 3]) {
        const x = mat(r, c, r * 31 + c, -20, 20);
        expectFastBound(softmax(x, [r, c], { temperature }), x, r, c, temperature);
      }
    }
  });

  it("keeps 1e-6 relative down to probabilities of 1e-30 (arguments near −69) with 'accurate', 4.5e-6 with 'fast'", () => {
    const x = new Float32Array(4096);
    for (let i = 0; i < x.length; i++) x[i] = -69 * (i / x.length) + 0.001 * (i % 7);
    expectClose(softmax(x, [1, 4096], { precision: 'accurate' }), ref.softmax(x, 1, 4096), { rel: 1e-6, abs: 1e-36, floor: 1e-30 });
    const fast = expectFastBound(softmax(x, [1, 4096], { precision: 'fast' }), x, 1, 4096, 1);
    expect(fast.above1e30).toBeLessThanOrEqual(4.5e-6);
    expect(fast.above1e6).toBeLessThanOrEqual(1.2e-6);
  });

  it("'fast' stays within 1.2e-6 at p ≥ 1e-6 and 4.5e-6 at p ≥ 1e-30 over 600 rows of random widths, spans, offsets and temperatures", () => {
    const r = rng(77);
    let above1e6 = 0, above1e30 = 0;
    for (let trial = 0; trial < 600; trial++) {
      const cols = 16 + Math.floor(r() * 1500);
      const temperature = Math.exp((r() - 0.5) * 6);
      const span = r() * 120 * temperature;
      const offset = (r() - 0.5) * (r() < 0.3 ? 2e4 : 100);
      const x = new Float32Array(cols);
      for (let i = 0; i < cols; i++) x[i] = offset + (r() - 0.5) * span;
      const got = expectFastBound(softmax(x, [1, cols], { temperature }), x, 1, cols, temperature);
      above1e6 = Math.max(above1e6, got.above1e6);
      above1e30 = Math.max(above1e30, got.above1e30);
    }
    expect(above1e6).toBeLessThanOrEqual(1.2e-6);
    expect(above1e30).toBeLessThanOrEqual(4.5e-6);
    // The data reach deep enough that the bound is exercised, not vacuous.
    expect(above1e30).toBeGreaterThan(1e-6);
  });

  it('gives rows shorter than 16 the accurate exp in both precisions (bit for bit)', () => {
    for (const cols of [1, 2, 5, 15]) {
      const x = mat(9, cols, cols, -40, 40);
      expect(Array.from(softmax(x, [9, cols], { temperature: 0.7 }))).toEqual(Array.from(softmax(x, [9, cols], { temperature: 0.7, precision: 'accurate' })));
    }
  });

  it('rejects an unknown precision with E_ARGUMENT', () => {
    expectCode(() => softmax(x3, [1, 3], { precision: 'exact' as never }), 'E_ARGUMENT');
    expectCode(() => logSoftmax(x3, [1, 3], { precision: 1 as never }), 'E_ARGUMENT');
  });

  it('sums a row of 1e6 entries to 1 within 1e-6', () => {
    const n = 1_000_000;
    const y = softmax(mat(1, n, 5, -30, 30), [1, n], { temperature: 2 });
    let s = 0;
    for (let i = 0; i < n; i++) s += y[i];
    expect(Math.abs(s - 1)).toBeLessThan(1e-6);
  });

  it('gives exactly 0 to −Infinity entries and renormalises the rest', () => {
    const x = new Float32Array([0, -Infinity, 1, -Infinity, 2]);
    const y = softmax(x, [1, 5]);
    expect(y[1]).toBe(0);
    expect(y[3]).toBe(0);
    expectClose(y, ref.softmax(x, 1, 5), { rel: 1e-6 });
  });

  it('handles logits of ±1e4 without overflow', () => {
    const x = new Float32Array([1e4, -1e4, 9999, 0, 1e4 - 0.5]);
    expectClose(softmax(x, [1, 5]), ref.softmax(x, 1, 5), { rel: 1e-6, abs: 1e-36, floor: 1e-30 });
    const wide = new Float32Array(40).map((_, i) => (i % 2 ? 1e4 - i * 0.25 : -1e4 + i));
    expectFastBound(softmax(wide, [1, 40]), wide, 1, 40, 1);
  });

  it('approaches argmax at T = 1e-3 and uniform at T = 1e3 in both precisions', () => {
    for (const cols of [9, 40]) {
      const x = mat(3, cols, 7);
      expectClose(softmax(x, [3, cols], { temperature: 1e-3, precision: 'accurate' }), ref.softmax(x, 3, cols, 1e-3), { rel: 1e-6, abs: 1e-36, floor: 1e-30 });
      expectFastBound(softmax(x, [3, cols], { temperature: 1e-3 }), x, 3, cols, 1e-3);
      const u = softmax(x, [3, cols], { temperature: 1e3 });
      expectClose(u, ref.softmax(x, 3, cols, 1e3), { rel: 1e-6 });
      for (const v of u) expect(Math.abs(v - 1 / cols)).toBeLessThan(0.01);
    }
  });

  it('keeps the accurate path for temperatures whose log2(e)/T does not fit f32 (T = 1e-30)', () => {
    const x = new Float32Array(32).map((_, i) => i * 1e-29);
    expect(Array.from(softmax(x, [1, 32], { temperature: 1e-30 }))).toEqual(Array.from(softmax(x, [1, 32], { temperature: 1e-30, precision: 'accurate' })));
  });

  it('gives 1 for a single column', () => {
    expect(Array.from(softmax(new Float32Array([5, -3]), [2, 1]))).toEqual([1, 1]);
  });

  it('returns an empty array for zero rows', () => {
    expect(softmax(new Float32Array(0), [0, 5]).length).toBe(0);
  });

  it('writes into out and leaves x untouched', () => {
    const x = mat(2, 6, 3);
    const copy = x.slice();
    const out = new Float32Array(12);
    const y = softmax(x, [2, 6], { out });
    expect(y).toBe(out);
    expect(x).toEqual(copy);
    expectClose(out, ref.softmax(x, 2, 6), { rel: 1e-6 });
  });

  it('works in place when out is x', () => {
    const x = mat(2, 6, 4);
    const expected = ref.softmax(x, 2, 6);
    softmax(x, [2, 6], { out: x });
    expectClose(x, expected, { rel: 1e-6 });
  });

  it('rejects NaN with E_NONFINITE and names the row', () => {
    const x = new Float32Array([1, 2, 3, 4, NaN, 6]);
    expectCode(() => softmax(x, [2, 3]), 'E_NONFINITE');
    expect(() => softmax(x, [2, 3])).toThrow(/row 1/);
  });

  it('tells NaN from lane sums that overflow: logits of ±3e38 with −Inf masks are fine, a NaN with any payload is not', () => {
    // rowMax finds NaN through running lane sums; these make a lane sum +Inf, then NaN, with no NaN input.
    const x = new Float32Array(48).fill(-Infinity);
    for (const i of [0, 8, 16, 5, 13]) x[i] = 3e38;
    for (const i of [2, 10, 3]) x[i] = -3e38;
    for (const precision of ['fast', 'accurate'] as const) expectClose(softmax(x, [1, 48], { precision }), ref.softmax(x, 1, 48), { rel: 1e-6 });
    for (const bits of [0x7f800001, 0xffc00123, 0x7fffffff]) {
      const y = new Float32Array(48).fill(1);
      new Uint32Array(y.buffer)[29] = bits;
      expect(() => softmax(y, [2, 24])).toThrow(/row 1/);
      expectCode(() => softmax(y, [2, 24]), 'E_NONFINITE');
    }
  });

  it('rejects +Infinity with E_NONFINITE', () => expectCode(() => softmax(new Float32Array([1, Infinity]), [1, 2]), 'E_NONFINITE'));

  it('rejects a fully masked row with E_MASKED, a code of its own', () =>
    expectCode(() => softmax(new Float32Array([1, 2, -Infinity, -Infinity]), [2, 2]), 'E_MASKED'));

  it('rejects temperature 0, negative, NaN, Infinity and subnormal with E_TEMPERATURE', () => {
    for (const temperature of [0, -1, NaN, Infinity, 1e-320]) expectCode(() => softmax(x3, [1, 3], { temperature }), 'E_TEMPERATURE');
  });

  it('rejects a shape that does not match the data with E_SHAPE', () => {
    expectCode(() => softmax(x3, [2, 2]), 'E_SHAPE');
    expectCode(() => softmax(x3, [1.5, 2] as unknown as [number, number]), 'E_SHAPE');
    expectCode(() => softmax(new Float32Array(0), [3, 0]), 'E_SHAPE');
  });

  it('rejects a Float64Array or plain array with E_DTYPE', () => {
    expectCode(() => softmax(new Float64Array(3) as unknown as Float32Array, [1, 3]), 'E_DTYPE');
    expectCode(() => softmax([1, 2, 3] as unknown as Float32Array, [1, 3]), 'E_DTYPE');
  });

  it('rejects an out of the wrong length with E_SHAPE', () => expectCode(() => softmax(x3, [1, 3], { out: new Float32Array(2) }), 'E_SHAPE'));

  it('leaves a caller-provided out untouched when validation fails', () => {
    const out = new Float32Array([7, 7]);
    expectCode(() => softmax(new Float32Array([1, NaN]), [1, 2], { out }), 'E_NONFINITE');
    expect(Array.from(out)).toEqual([7, 7]);
  });

  it('property: rows are distributions matching the reference within their precision\'s bound (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 80 }), fc.double({ min: 0.05, max: 50, noNaN: true }), fc.integer(),
        fc.double({ min: 0, max: 0.3, noNaN: true }), fc.constantFrom('fast' as const, 'accurate' as const),
        (rows, cols, temperature, seed, maskRate, precision) => {
          const r = rng(seed);
          const x = mat(rows, cols, seed, -60, 60);
          for (let i = 0; i < x.length; i++) if (i % cols !== 0 && r() < maskRate) x[i] = -Infinity;
          const y = softmax(x, [rows, cols], { temperature, precision });
          if (precision === 'accurate') expectClose(y, ref.softmax(x, rows, cols, temperature), { rel: 1e-6, abs: 1e-36, floor: 1e-30 });
          else expectFastBound(y, x, rows, cols, temperature);
          for (let row = 0; row < rows; row++) {
            let s = 0;
            for (let c = 0; c < cols; c++) s += y[row * cols + c];
            expect(Math.abs(s - 1)).toBeLessThan(1e-6);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('logSoftmax', () => {
  it('matches the float64 reference within 1e-6 relative on ragged shapes', () => {
    for (const [r, c] of SHAPES) {
      const x = mat(r, c, r + c * 7, -30, 30);
      expectClose(logSoftmax(x, [r, c], { temperature: 0.8 }), ref.logSoftmax(x, r, c, 0.8), { rel: 1e-6, abs: 1e-7, floor: 1e-3 });
    }
  });

  it("is as accurate with 'fast' (the default) as with 'accurate': both within 1e-6 relative / 1e-7 absolute, max errors within 1e-7 of each other", () => {
    const r = rng(91);
    let worstFast = 0, worstAccurate = 0;
    for (let trial = 0; trial < 200; trial++) {
      const cols = 16 + Math.floor(r() * 600);
      const temperature = Math.exp((r() - 0.5) * 5);
      const x = mat(2, cols, trial, -60 * temperature, 60 * temperature);
      const expected = ref.logSoftmax(x, 2, cols, temperature);
      const fast = logSoftmax(x, [2, cols], { temperature });
      const accurate = logSoftmax(x, [2, cols], { temperature, precision: 'accurate' });
      expectClose(fast, expected, { rel: 1e-6, abs: 1e-7, floor: 1e-3 });
      expectClose(accurate, expected, { rel: 1e-6, abs: 1e-7, floor: 1e-3 });
      for (let i = 0; i < expected.length; i++) {
        worstFast = Math.max(worstFast, Math.abs(fast[i] - expected[i]));
        worstAccurate = Math.max(worstAccurate, Math.abs(accurate[i] - expected[i]));
      }
    }
    expect(Math.abs(worstFast - worstAccurate)).toBeLessThanOrEqual(1e-7);
  });

  it('gives −Infinity for masked entries and exact values for logits of ±1e4 at T = 1e-3', () => {
    const x = new Float32Array([1e4, -Infinity, -1e4, 9999.5]);
    const y = logSoftmax(x, [1, 4], { temperature: 1e-3 });
    expect(y[1]).toBe(-Infinity);
    expectClose(y, ref.logSoftmax(x, 1, 4, 1e-3), { rel: 1e-6 });
  });

  it('rejects NaN with E_NONFINITE and T ≤ 0 with E_TEMPERATURE', () => {
    expectCode(() => logSoftmax(new Float32Array([NaN]), [1, 1]), 'E_NONFINITE');
    expectCode(() => logSoftmax(x3, [1, 3], { temperature: -2 }), 'E_TEMPERATURE');
  });

  it('property: matches the reference, and exp(logSoftmax) equals softmax within 1e-6 + 2^-24·|log p| relative (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 33 }), fc.double({ min: 0.01, max: 100, noNaN: true }), fc.integer(), (rows, cols, temperature, seed) => {
        const x = mat(rows, cols, seed, -100, 100);
        const log = logSoftmax(x, [rows, cols], { temperature });
        expectClose(log, ref.logSoftmax(x, rows, cols, temperature), { rel: 1e-6, abs: 1e-7, floor: 1e-3 });
        // An f32 log p is off by up to half an ulp of |log p|, i.e. a relative 2^-25·|log p| after exp.
        const p = softmax(x, [rows, cols], { temperature, precision: 'accurate' });
        for (let i = 0; i < p.length; i++) {
          if (p[i] < 1e-30) continue;
          const e = Math.exp(log[i]);
          expect(Math.abs(p[i] - e), `entry ${i}`).toBeLessThanOrEqual((1e-6 + Math.abs(log[i]) * 2 ** -24) * e);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('softmaxBackward', () => {
  it('gives dL/dT with x: matches central differences of L = Σ dy ⊙ softmax(x / T) within 1e-5 relative', () => {
    const [r, c] = [7, 13];
    const x = mat(r, c, 41, -5, 5);
    const dy = mat(r, c, 42, -1, 1);
    for (const t of [0.4, 1, 3]) {
      const y = softmax(x, [r, c], { temperature: t });
      const { dx, dTemperature } = softmaxBackward(y, dy, [r, c], { temperature: t, x });
      expect(Array.from(dx)).toEqual(Array.from(softmaxBackward(y, dy, [r, c], { temperature: t })));
      const loss = (tt: number) => ref.softmax(x, r, c, tt).reduce((s, p, i) => s + p * dy[i], 0);
      const h = 1e-4 * t;
      expectScalarClose(dTemperature, (loss(t + h) - loss(t - h)) / (2 * h), 1e-5, 1e-9);
    }
  });
  it('keeps dL/dT finite with −Infinity masks in x', () => {
    const x = new Float32Array([1, -Infinity, 2, 0.5]);
    const y = softmax(x, [1, 4]);
    const { dTemperature } = softmaxBackward(y, new Float32Array([1, 2, 3, 4]), [1, 4], { x });
    expect(Number.isFinite(dTemperature)).toBe(true);
  });

  it('matches the float64 reference within 1e-5', () => {
    for (const [r, c] of SHAPES) {
      const y = softmax(mat(r, c, c), [r, c]);
      const dy = mat(r, c, c + 1, -1, 1);
      expectClose(softmaxBackward(y, dy, [r, c], { temperature: 1.7 }), ref.softmaxBackward(y, dy, r, c, 1.7), { rel: 1e-5, abs: 1e-7, floor: 1e-3 });
    }
  });

  it('equals the finite-difference gradient of Σ dy ⊙ softmax(x / T) in float64', () => {
    const rows = 3, cols = 7, T = 2.5;
    const x = Float64Array.from(mat(rows, cols, 9, -3, 3));
    const dy = Float64Array.from(mat(rows, cols, 10, -1, 1));
    const loss = (v: Float64Array): number => ref.softmax(v, rows, cols, T).reduce((s, p, i) => s + p * dy[i], 0);
    const fd = new Float64Array(x.length);
    const h = 1e-6;
    for (let i = 0; i < x.length; i++) {
      const a = x.slice(), b = x.slice();
      a[i] += h; b[i] -= h;
      fd[i] = (loss(a) - loss(b)) / (2 * h);
    }
    const y = softmax(Float32Array.from(x), [rows, cols], { temperature: T });
    expectClose(softmaxBackward(y, Float32Array.from(dy), [rows, cols], { temperature: T }), fd, { rel: 1e-5, abs: 1e-6, floor: 1e-2 });
  });

  it('rejects NaN in dy with E_NONFINITE and mismatched shapes with E_SHAPE', () => {
    expectCode(() => softmaxBackward(new Float32Array([0.5, 0.5]), new Float32Array([1, NaN]), [1, 2]), 'E_NONFINITE');
    expectCode(() => softmaxBackward(new Float32Array([0.5, 0.5]), new Float32Array([1]), [1, 2]), 'E_SHAPE');
  });

  it('property: every row of dx sums to 0 (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 30 }), fc.integer(), (rows, cols, seed) => {
        const y = softmax(mat(rows, cols, seed), [rows, cols]);
        const dy = mat(rows, cols, seed + 1, -1, 1);
        const dx = softmaxBackward(y, dy, [rows, cols], { temperature: 0.5 });
        expectClose(dx, ref.softmaxBackward(y, dy, rows, cols, 0.5), { rel: 1e-5, abs: 1e-6, floor: 1e-3 });
        for (let r = 0; r < rows; r++) {
          let s = 0;
          for (let c = 0; c < cols; c++) s += dx[r * cols + c];
          expect(Math.abs(s)).toBeLessThan(1e-5);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('softmaxBackward at the extremes', () => {
  it('names −Infinity in dy as non-finite (±Infinity), not as "NaN or +Infinity"', () => {
    const y = softmax(new Float32Array([1, 2, 3]), [1, 3]);
    expect(() => softmaxBackward(y, new Float32Array([0, -Infinity, 1]), [1, 3])).toThrow(/±Infinity/);
  });
});

describe('temperatures whose reciprocal leaves float32', () => {
  it('are E_TEMPERATURE in every op (1e-39 … 1e-300), never ±Infinity or NaN results', () => {
    const x = new Float32Array([1, 2, 3, 4]);
    for (const t of [1e-39, 1e-45, 1e-100, 1e-300]) {
      expectCode(() => softmax(x, [1, 4], { temperature: t }), 'E_TEMPERATURE');
      expectCode(() => logSoftmax(x, [1, 4], { temperature: t }), 'E_TEMPERATURE');
      expectCode(() => softmaxBackward(x, x, [1, 4], { temperature: t }), 'E_TEMPERATURE');
    }
    expect(softmax(x, [1, 4], { temperature: 3e-39 }).every(Number.isFinite)).toBe(true);
  });
});
