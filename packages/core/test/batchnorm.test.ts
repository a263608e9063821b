import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { batchNorm, batchNormTrain, batchNormBackward } from '../src/index.js';
import * as ref from './reference.js';
import { mat, expectClose, expectCode, SHAPES, RUNS } from './helpers.js';

function params(m: number, seed: number) {
  return {
    runningMean: mat(1, m, seed, -3, 3),
    runningVariance: mat(1, m, seed + 1, 0.01, 4),
    gamma: mat(1, m, seed + 2, 0.5, 2),
    beta: mat(1, m, seed + 3, -1, 1),
  };
}

describe('batchNorm', () => {
  it('matches the float64 reference within 1e-6 relative (abs 1e-6 near 0) on ragged shapes', () => {
    for (const [n, m] of SHAPES) {
      const x = mat(n, m, n + 3 * m, -5, 5);
      const p = params(m, m);
      expectClose(batchNorm(x, [n, m], { ...p, epsilon: 1e-5 }), ref.batchNorm(x, n, m, p.runningMean, p.runningVariance, p.gamma, p.beta, 1e-5), { rel: 1e-6, abs: 1e-6, floor: 1 });
    }
  });

  it('stays accurate when |mean| ≫ std (subtracts before scaling)', () => {
    const m = 8, n = 4;
    const mean = new Float32Array(m).fill(1000);
    const variance = new Float32Array(m).fill(1e-4);
    const x = mat(n, m, 3, 999.97, 1000.03);
    expectClose(batchNorm(x, [n, m], { runningMean: mean, runningVariance: variance }), ref.batchNorm(x, n, m, mean, variance, undefined, undefined, 1e-5), { rel: 1e-5, abs: 1e-5, floor: 1e-1 });
  });

  it('is the identity-like affine map without gamma and beta, and writes into out', () => {
    const x = mat(3, 5, 9);
    const mean = new Float32Array(5), variance = new Float32Array(5).fill(1);
    const out = new Float32Array(15);
    expect(batchNorm(x, [3, 5], { runningMean: mean, runningVariance: variance, epsilon: 1e-12, out })).toBe(out);
    expectClose(out, x, { rel: 1e-6, abs: 1e-7 });
  });

  it('returns an empty array for zero rows', () => expect(batchNorm(new Float32Array(0), [0, 3], { runningMean: new Float32Array(3), runningVariance: new Float32Array(3) }).length).toBe(0));

  it('rejects NaN or Inf input with E_NONFINITE naming the row', () => {
    const p = params(5, 1);
    const x = mat(3, 5, 2);
    x[7] = NaN;
    expectCode(() => batchNorm(x, [3, 5], p), 'E_NONFINITE');
    expect(() => batchNorm(x, [3, 5], p)).toThrow(/row 1/);
    x[7] = 1; x[14] = -Infinity;
    expectCode(() => batchNorm(x, [3, 5], p), 'E_NONFINITE');
  });

  it('rejects bad parameters: lengths, dtypes, negative variance, NaN stats, epsilon ≤ 0', () => {
    const x = mat(2, 3);
    const p = params(3, 5);
    expectCode(() => batchNorm(x, [2, 3], { ...p, runningMean: new Float32Array(2) }), 'E_SHAPE');
    expectCode(() => batchNorm(x, [2, 3], { ...p, gamma: new Float64Array(3) as unknown as Float32Array }), 'E_DTYPE');
    expectCode(() => batchNorm(x, [2, 3], { ...p, runningVariance: new Float32Array([1, -1, 1]) }), 'E_ARGUMENT');
    expectCode(() => batchNorm(x, [2, 3], { ...p, runningMean: new Float32Array([0, NaN, 0]) }), 'E_NONFINITE');
    expectCode(() => batchNorm(x, [2, 3], { ...p, epsilon: 0 }), 'E_ARGUMENT');
    expectCode(() => batchNorm(x, [2, 3], undefined as never), 'E_ARGUMENT');
    expectCode(() => batchNorm(x, [3, 3], p), 'E_SHAPE');
  });

  it('property: matches the reference on random shapes and statistics (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 37 }), fc.integer(), (n, m, seed) => {
        const x = mat(n, m, seed, -10, 10);
        const p = params(m, seed);
        expectClose(batchNorm(x, [n, m], p), ref.batchNorm(x, n, m, p.runningMean, p.runningVariance, p.gamma, p.beta, 1e-5), { rel: 1e-6, abs: 1e-6, floor: 1 });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('batchNormTrain', () => {
  it('normalises with batch statistics and updates running stats as PyTorch (unbiased running variance)', () => {
    for (const [n, m] of [[2, 1], [5, 7], [64, 33], [3, 1000]] as const) {
      const x = mat(n, m, n * m, -4, 6);
      const runningMean = mat(1, m, 1, -1, 1), runningVariance = mat(1, m, 2, 0.5, 2);
      const rm0 = Float64Array.from(runningMean), rv0 = Float64Array.from(runningVariance);
      const gamma = mat(1, m, 3, 0.5, 2), beta = mat(1, m, 4, -1, 1);
      const out = batchNormTrain(x, [n, m], { runningMean, runningVariance, gamma, beta }, { momentum: 0.2, epsilon: 1e-5 });
      const s = ref.batchStats(x, n, m);
      expectClose(out.y, ref.batchNormTrainForward(x, n, m, gamma, beta, 1e-5), { rel: 1e-5, abs: 1e-5, floor: 1e-2 });
      expectClose(out.mean, s.mean, { rel: 1e-6, abs: 1e-7, floor: 1e-3 });
      expectClose(out.variance, s.variance, { rel: 1e-6 });
      expectClose(out.invStd, s.variance.map((v) => 1 / Math.sqrt(v + 1e-5)), { rel: 1e-6 });
      expectClose(runningMean, rm0.map((v, j) => 0.8 * v + 0.2 * s.mean[j]), { rel: 1e-6, abs: 1e-7, floor: 1e-3 });
      expectClose(runningVariance, rv0.map((v, j) => 0.8 * v + 0.2 * s.variance[j] * (n / (n - 1))), { rel: 1e-6 });
    }
  });

  it('leaves running statistics untouched when the batch holds NaN', () => {
    const runningMean = new Float32Array([1, 2]), runningVariance = new Float32Array([3, 4]);
    expectCode(() => batchNormTrain(new Float32Array([1, NaN, 2, 3]), [2, 2], { runningMean, runningVariance }), 'E_NONFINITE');
    expect(Array.from(runningMean)).toEqual([1, 2]);
    expect(Array.from(runningVariance)).toEqual([3, 4]);
  });

  it('refuses fewer than 2 rows with E_EMPTY and momentum outside [0, 1] with E_ARGUMENT', () => {
    const state = { runningMean: new Float32Array(2), runningVariance: new Float32Array(2).fill(1) };
    expectCode(() => batchNormTrain(new Float32Array(2), [1, 2], state), 'E_EMPTY');
    expectCode(() => batchNormTrain(new Float32Array(0), [0, 2], state), 'E_EMPTY');
    expectCode(() => batchNormTrain(new Float32Array(4), [2, 2], state, { momentum: 1.5 }), 'E_ARGUMENT');
    expectCode(() => batchNormTrain(new Float32Array(4), [2, 2], { ...state, runningVariance: new Float32Array(3) }), 'E_SHAPE');
  });
});

describe('batchNormBackward', () => {
  it('matches the float64 closed form within 1e-5', () => {
    for (const [n, m] of [[2, 1], [5, 7], [64, 33], [9, 130]] as const) {
      const x = mat(n, m, n + m, -3, 3);
      const gamma = mat(1, m, 5, 0.5, 2), beta = mat(1, m, 6, -1, 1);
      const { cache } = batchNormTrain(x, [n, m], { runningMean: new Float32Array(m), runningVariance: new Float32Array(m).fill(1), gamma, beta });
      const dy = mat(n, m, 7, -1, 1);
      const g = batchNormBackward(dy, cache);
      const r = ref.batchNormBackward(dy, x, n, m, gamma, 1e-5);
      const scale = r.dx.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
      expectClose(g.dx, r.dx, { rel: 1e-5, abs: 1e-6 * scale, floor: 1e-2 * scale });
      expectClose(g.dGamma, r.dGamma, { rel: 1e-5, abs: 1e-6, floor: 1e-3 });
      expectClose(g.dBeta, r.dBeta, { rel: 1e-5, abs: 1e-6, floor: 1e-3 });
    }
  });

  it('equals float64 finite differences of Σ dy ⊙ BN(x) in x, γ and β', () => {
    const n = 6, m = 4, eps = 1e-5;
    const x = Float64Array.from(mat(n, m, 11, -2, 2));
    const gamma = Float64Array.from(mat(1, m, 12, 0.5, 2)), beta = Float64Array.from(mat(1, m, 13, -1, 1));
    const dy = Float64Array.from(mat(n, m, 14, -1, 1));
    const loss = (xv: Float64Array, g: Float64Array, b: Float64Array): number => ref.batchNormTrainForward(xv, n, m, g, b, eps).reduce((s, v, i) => s + v * dy[i], 0);
    const h = 1e-6;
    const fd = (v: Float64Array, f: (c: Float64Array) => number): Float64Array =>
      v.map((_, i) => {
        const a = v.slice(), b = v.slice();
        a[i] += h; b[i] -= h;
        return (f(a) - f(b)) / (2 * h);
      });
    const { cache } = batchNormTrain(Float32Array.from(x), [n, m], { runningMean: new Float32Array(m), runningVariance: new Float32Array(m), gamma: Float32Array.from(gamma), beta: Float32Array.from(beta) }, { epsilon: eps });
    const g = batchNormBackward(Float32Array.from(dy), cache);
    expectClose(g.dx, fd(x, (c) => loss(c, gamma, beta)), { rel: 1e-5, abs: 1e-6, floor: 1e-2 });
    expectClose(g.dGamma, fd(gamma, (c) => loss(x, c, beta)), { rel: 1e-5, abs: 1e-6, floor: 1e-2 });
    expectClose(g.dBeta, fd(beta, (c) => loss(x, gamma, c)), { rel: 1e-5, abs: 1e-6, floor: 1e-2 });
  });

  it('rejects a dy of the wrong shape (E_SHAPE), NaN dy (E_NONFINITE) and a foreign cache (E_ARGUMENT)', () => {
    const x = mat(3, 2, 1);
    const { cache } = batchNormTrain(x, [3, 2], { runningMean: new Float32Array(2), runningVariance: new Float32Array(2) });
    expectCode(() => batchNormBackward(new Float32Array(5), cache), 'E_SHAPE');
    expectCode(() => batchNormBackward(new Float32Array([1, 2, NaN, 4, 5, 6]), cache), 'E_NONFINITE');
    expectCode(() => batchNormBackward(new Float32Array(6), { x } as never), 'E_ARGUMENT');
  });

  it('property: dβ sums dy, dx rows are orthogonal to 1 and x̂ per column (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (n, m, seed) => {
        const x = mat(n, m, seed, -3, 3);
        const gamma = mat(1, m, seed + 1, 0.5, 2);
        const { cache } = batchNormTrain(x, [n, m], { runningMean: new Float32Array(m), runningVariance: new Float32Array(m), gamma });
        const dy = mat(n, m, seed + 2, -1, 1);
        const g = batchNormBackward(dy, cache);
        const r = ref.batchNormBackward(dy, x, n, m, gamma, 1e-5);
        const scale = r.dx.reduce((a, b) => Math.max(a, Math.abs(b)), 1e-12);
        expectClose(g.dx, r.dx, { rel: 1e-4, abs: 1e-5 * scale, floor: 1e-2 * scale });
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += g.dx[i * m + j];
          expect(Math.abs(s)).toBeLessThan(1e-4 * scale * n);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('BatchNorm at the extremes of float32', () => {
  it('batchNormTrain on ±3.4e38 throws E_NONFINITE and leaves the running statistics untouched', () => {
    const x = new Float32Array([3.4e38, -3.4e38, -3.4e38, 3.4e38]);
    const state = { runningMean: new Float32Array([1, 2]), runningVariance: new Float32Array([3, 4]) };
    expectCode(() => batchNormTrain(x, [2, 2], state), 'E_NONFINITE');
    expect(Array.from(state.runningMean)).toEqual([1, 2]);
    expect(Array.from(state.runningVariance)).toEqual([3, 4]);
  });
  it('batchNormTrain rejects a negative runningVariance as batchNorm does (E_ARGUMENT)', () => {
    const state = { runningMean: new Float32Array(2), runningVariance: new Float32Array([1, -1]) };
    expectCode(() => batchNormTrain(new Float32Array([1, 2, 3, 4]), [2, 2], state), 'E_ARGUMENT');
  });
  it('batchNormBackward with a huge dy throws E_NONFINITE instead of returning dBeta = Infinity', () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6]);
    const { cache } = batchNormTrain(x, [3, 2], { runningMean: new Float32Array(2), runningVariance: new Float32Array(2).fill(1) });
    expectCode(() => batchNormBackward(new Float32Array(6).fill(3e38), cache), 'E_NONFINITE');
  });
  it('names −Infinity as non-finite (BatchNorm has no masks)', () =>
    expect(() => batchNorm(new Float32Array([1, -Infinity]), [1, 2], { runningMean: new Float32Array(2), runningVariance: new Float32Array(2).fill(1) })).toThrow(/±Infinity/));
  it('validates and copies with the engine\'s length, not an overridden one', () => {
    class Lying extends Float32Array {
      get length(): number { return 2; }
    }
    const x = new Lying(8);
    expectCode(() => batchNorm(x, [1, 2], { runningMean: new Float32Array(2), runningVariance: new Float32Array(2).fill(1) }), 'E_SHAPE');
  });
});
