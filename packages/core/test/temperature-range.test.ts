import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TStarError, crossEntropy, logSoftmax, softmax, temperatureObjective } from '../src/index.js';
import * as ref from './reference.js';

// The valid temperatures for a row follow from its data: (max − min over finite entries)/T must not exceed
// FLT_MAX, or the row's log-probabilities (and every loss built on them) round to −Infinity in float32. The
// kernels check it in the row pass; this predicate is the same arithmetic in float64 (x as f32, 1/T as f64).
const FLT_MAX = 3.4028234663852886e38;
function tooWide(x: Float32Array, rows: number, cols: number, temperature: number): number {
  const invT = 1 / temperature;
  for (let r = 0; r < rows; r++) {
    let max = -Infinity, min = Infinity;
    for (let c = 0; c < cols; c++) {
      const v = x[r * cols + c];
      if (v === -Infinity) continue;
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    if (max > -Infinity && (max - min) * invT > FLT_MAX) return r;
  }
  return -1;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof TStarError) return e.code;
    throw e;
  }
  return undefined;
}

describe('temperature range from the data (E_TEMPERATURE)', () => {
  it('rejects a row whose (max − min)/T exceeds FLT_MAX where an output would overflow float32, naming the row and its range, and writes nothing', () => {
    const x = new Float32Array([0, 1, 2, 0, 1e30, -1e30]);
    const shape = [2, 3] as const;
    expect(tooWide(x, 2, 3, 5e-9)).toBe(1);
    const out = new Float32Array(6).fill(7);
    for (const precision of ['fast', 'accurate'] as const) {
      let error: unknown;
      try {
        logSoftmax(x, shape, { temperature: 5e-9, out, precision });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TStarError);
      expect((error as TStarError).code).toBe('E_TEMPERATURE');
      expect((error as TStarError).message).toMatch(/row 1 spans 2\.0\d*e\+30/);
      expect((error as TStarError).message).toMatch(/above 5\.87\d*e-9/);
      expect(Array.from(out)).toEqual([7, 7, 7, 7, 7, 7]);
    }
    // Per-row losses come back as float32: row 1's (its label on the −1e30 logit) would be 4e38, which
    // crossEntropy reports as a result beyond float32 (E_NONFINITE, issue 21's checkResult).
    const gradOut = new Float32Array(6).fill(7);
    expect(codeOf(() => crossEntropy(x, shape, new Int32Array([0, 2]), { temperature: 5e-9, reduction: 'none', grad: true, gradOut }))).toBe('E_NONFINITE');
    expect(Array.from(gradOut)).toEqual([7, 7, 7, 7, 7, 7]);
    // Where every output stays finite, the same T is fine: probabilities, a summed f64 loss, the objective.
    const p = softmax(x, shape, { temperature: 5e-9 });
    expect(Array.from(p)).toEqual([0, 0, 1, 0, 1, 0]);
    const { loss } = crossEntropy(x, shape, new Int32Array([0, 2]), { temperature: 5e-9, reduction: 'sum' });
    const expected = ref.crossEntropyLoss(x, 2, 3, new Int32Array([0, 2]), { temperature: 5e-9, reduction: 'sum' }).loss;
    expect(Math.abs(loss - expected)).toBeLessThanOrEqual(1e-6 * expected);
    expect(Number.isFinite(temperatureObjective(x, shape, new Int32Array([0, 2]), { temperature: 5e-9 }).nllSum)).toBe(true);
  });

  it('accepts the same row just inside the bound, with finite log-probabilities equal to float64', () => {
    const x = new Float32Array([0, 1, 2, 0, 1e30, -1e30]);
    const t = 2e30 / FLT_MAX * 1.0001;
    expect(tooWide(x, 2, 3, t)).toBe(-1);
    for (const precision of ['fast', 'accurate'] as const) {
      const y = logSoftmax(x, [2, 3], { temperature: t, precision });
      const expected = ref.logSoftmax(x, 2, 3, t);
      for (let i = 0; i < 6; i++) {
        expect(Number.isFinite(y[i]), `entry ${i}`).toBe(true);
        expect(Math.abs(y[i] - expected[i])).toBeLessThanOrEqual(1e-6 * Math.abs(expected[i]) + 1e-6);
      }
      const { loss } = crossEntropy(x, [2, 3], new Int32Array([1, 2]), { temperature: t, reduction: 'none', precision });
      expect(Array.from(loss).every(Number.isFinite)).toBe(true);
    }
  });

  it('bounds a masked row by its finite entries: −Infinity masks do not count, at T down to 1/FLT_MAX', () => {
    const x = new Float32Array([-Infinity, 1, 2, -Infinity, 1e30, -1e30, -Infinity, 0]);
    const shape = [2, 4] as const;
    // Row 1 spans 2e30 between its finite entries: fine at T = 1e-8, too wide at 5e-9.
    const y = logSoftmax(x, shape, { temperature: 1e-8 });
    const expected = ref.logSoftmax(x, 2, 4, 1e-8);
    for (let i = 0; i < 8; i++) {
      if (x[i] === -Infinity) expect(y[i]).toBe(-Infinity);
      else expect(Math.abs(y[i] - expected[i])).toBeLessThanOrEqual(1e-6 * Math.abs(expected[i]) + 1e-6);
    }
    expect(codeOf(() => logSoftmax(x, shape, { temperature: 5e-9 }))).toBe('E_TEMPERATURE');
    // A masked row with a small range stays valid at the smallest temperature checkTemperature allows.
    const narrow = new Float32Array([-Infinity, 1, 1.5, -Infinity]);
    const tMin = 1 / FLT_MAX;
    const z = logSoftmax(narrow, [1, 4], { temperature: tMin * 1.0000001 });
    expect(z[0]).toBe(-Infinity);
    expect(z[3]).toBe(-Infinity);
    expect(Number.isFinite(z[1]) && Number.isFinite(z[2])).toBe(true);
  });

  it("keeps 'fast' finite and within its bound at extreme temperatures (rows of 32, 1/T from 1e-9 to 1e9)", () => {
    const x = new Float32Array(64).map((_, i) => ((i * 37) % 23) - 11 + (i % 3) * 0.25);
    for (const t of [1e-9, 1e-7, 1e-6, 1e6, 1e7, 1e9]) {
      const y = softmax(x, [2, 32], { temperature: t, precision: 'fast' });
      const expected = ref.softmax(x, 2, 32, t);
      for (let i = 0; i < 64; i++) {
        expect(Number.isFinite(y[i]), `T = ${t}, entry ${i}`).toBe(true);
        if (expected[i] >= 1e-30) expect(Math.abs(y[i] - expected[i]) / expected[i], `T = ${t}, entry ${i}`).toBeLessThan(1e-5);
      }
    }
  });

  it('property: near the bound, an op throws E_TEMPERATURE exactly when float64 says the row is too wide, else every unmasked log-probability and loss is finite and matches float64', () => {
    const entry = fc.oneof(
      { weight: 8, arbitrary: fc.float({ min: Math.fround(-3e38), max: Math.fround(3e38), noNaN: true, noDefaultInfinity: true }) },
      { weight: 1, arbitrary: fc.constant(-Infinity) },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 24 }),
        fc.array(entry, { minLength: 72, maxLength: 72 }),
        fc.double({ min: -1e-3, max: 1e-3, noNaN: true }),
        (rows, cols, values, skew) => {
          const x = new Float32Array(values.slice(0, rows * cols));
          for (let r = 0; r < rows; r++) if (x.subarray(r * cols, (r + 1) * cols).every((v) => v === -Infinity)) x[r * cols] = 0;
          // T at the widest row's bound, nudged either side (or the smallest T allowed when every row is flat).
          let widest = 0;
          for (let r = 0; r < rows; r++) {
            const row = Array.from(x.subarray(r * cols, (r + 1) * cols)).filter((v) => v !== -Infinity);
            widest = Math.max(widest, Math.max(...row) - Math.min(...row));
          }
          const t = Math.max((widest / FLT_MAX) * (1 + skew), (1 / FLT_MAX) * 1.0000001);
          const bad = tooWide(x, rows, cols, t);
          const shape = [rows, cols] as const;
          if (bad >= 0) {
            expect(codeOf(() => logSoftmax(x, shape, { temperature: t }))).toBe('E_TEMPERATURE');
            expect(codeOf(() => logSoftmax(x, shape, { temperature: t, precision: 'accurate' }))).toBe('E_TEMPERATURE');
            expect(softmax(x, shape, { temperature: t }).every(Number.isFinite)).toBe(true);
            return;
          }
          const expected = ref.logSoftmax(x, rows, cols, t);
          for (const precision of ['fast', 'accurate'] as const) {
            const y = logSoftmax(x, shape, { temperature: t, precision });
            for (let i = 0; i < x.length; i++) {
              if (x[i] === -Infinity) {
                expect(y[i]).toBe(-Infinity);
                continue;
              }
              expect(Number.isFinite(y[i]), `entry ${i} of ${Array.from(x)} at T = ${t}`).toBe(true);
              // 1e-6 relative; 1e-30 absolute for log-probabilities next to 0, whose tiny terms the exp flushes below 2^-125.
              expect(Math.abs(y[i] - expected[i])).toBeLessThanOrEqual(1e-6 * Math.abs(expected[i]) + 1e-30);
            }
          }
          const labels = Int32Array.from({ length: rows }, (_, r) => x.subarray(r * cols, (r + 1) * cols).findIndex((v) => v !== -Infinity));
          const { loss } = crossEntropy(x, shape, labels, { temperature: t, reduction: 'none' });
          expect(Array.from(loss).every(Number.isFinite)).toBe(true);
        },
      ),
      { numRuns: 300, seed: 21 },
    );
  });
});
