import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { cumulativeSpectralGradient, csgFromSimilarity, type CsgOptions } from '../src/index.js';
import { csgSamples, csgClassMembers } from '../src/csg-sampling.js';
import { csgEmbed } from '../src/csg-embedding.js';
import { arenaReset } from '../src/memory.js';
import { wasm } from '../src/load.js';
import * as ref from './reference.js';
import { rng, expectClose, expectScalarClose, expectCode, RUNS } from './helpers.js';

/**
 * K Gaussian classes of `perClass` points in d dims, unit variance. Means: separation·u_c when d ≥ K, with
 * u_c orthonormal random directions (the class signal spreads over every column, as in learned
 * features); else K points on a circle of radius `separation` in the first two dims (a line when d = 1).
 */
function gaussians(K: number, perClass: number, d: number, separation: number, seed = 3): { x: Float32Array; y: Int32Array; n: number } {
  const r = rng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const means = Array.from({ length: K }, () => new Float64Array(d));
  for (let c = 0; c < K; c++) {
    const u = means[c];
    if (d >= K) {
      for (let j = 0; j < d; j++) u[j] = normal();
      for (let p = 0; p < c; p++) {
        const dot = u.reduce((s, v, j) => s + v * means[p][j], 0);
        for (let j = 0; j < d; j++) u[j] -= dot * means[p][j];
      }
      const norm = Math.hypot(...u);
      for (let j = 0; j < d; j++) u[j] /= norm;
    } else if (d === 1) u[0] = separation * c;
    else {
      u[0] = separation * Math.cos((2 * Math.PI * c) / K);
      u[1] = separation * Math.sin((2 * Math.PI * c) / K);
    }
  }
  const n = K * perClass;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % K;
    y[i] = c;
    for (let j = 0; j < d; j++) x[i * d + j] = normal() + (d >= K ? separation : 1) * means[c][j];
  }
  return { x, y, n };
}

/** Tight clusters 100 apart: every point's k nearest neighbours share its class. */
function separated(K: number, perClass: number, d: number): { x: Float32Array; y: Int32Array; n: number } {
  const r = rng(11);
  const n = K * perClass;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % K;
    for (let j = 0; j < d; j++) x[i * d + j] = 100 * y[i] * (j + 1) + r();
  }
  return { x, y, n };
}

function laplacianTrace(W: Float64Array, K: number): { trace: number; frobenius2: number } {
  let trace = 0, frobenius2 = 0;
  for (let i = 0; i < K; i++) {
    let degree = 0;
    for (let j = 0; j < K; j++) if (j !== i) { degree += W[i * K + j]; frobenius2 += W[i * K + j] ** 2; }
    trace += degree;
    frobenius2 += degree * degree;
  }
  return { trace, frobenius2 };
}

describe('csgFromSimilarity', () => {
  const worked = new Float64Array([1, 0.2, 0.1, 0.2, 1, 0.3, 0.1, 0.3, 1]);

  it('reproduces the three-class worked example of the CSG paper (Branchaud-Charron et al. 2019) (CSG 0.31547, eigenvalues 0, 0.42679, 0.77321) within 5e-6', () => {
    const { csg, eigenvalues } = csgFromSimilarity(worked);
    expectScalarClose(csg, 0.31547, 0, 5e-6);
    expectClose(eigenvalues, [0, 0.42679, 0.77321], { rel: 0, abs: 5e-6, floor: Infinity });
  });

  it('matches the closed form of the worked example within 1e-14 (λ = 0.6 ∓ √0.03)', () => {
    const { csg, eigenvalues } = csgFromSimilarity(worked);
    const lo = 0.6 - Math.sqrt(0.03), hi = 0.6 + Math.sqrt(0.03);
    expectClose(eigenvalues, [0, lo, hi], { rel: 1e-14, abs: 1e-14 });
    expectScalarClose(csg, lo / 3 + (hi - lo) / 2, 1e-14, 1e-15);
  });

  it('gives exactly 0 for perfectly separated classes (W = I)', () => {
    for (const K of [2, 3, 10, 100]) {
      const W = new Float64Array(K * K);
      for (let i = 0; i < K; i++) W[i * K + i] = 1;
      const { csg, eigenvalues } = csgFromSimilarity(W);
      expect(csg).toBe(0);
      expect(Array.from(eigenvalues).every((v) => v === 0)).toBe(true);
    }
  });

  it('gives K − 1 within 1e-9 for totally confused classes (W all ones), eigenvalues 0 and K', () => {
    for (const K of [2, 3, 10, 100]) {
      const { csg, eigenvalues } = csgFromSimilarity(new Float64Array(K * K).fill(1), { numClasses: K });
      expectScalarClose(csg, K - 1, 0, 1e-9);
      expectScalarClose(eigenvalues[0], 0, 0, 1e-9);
      for (let i = 1; i < K; i++) expectScalarClose(eigenvalues[i], K, 1e-12);
    }
  });

  it('matches the float64 classical-Jacobi reference within 1e-12 on random symmetric W', () => {
    const r = rng(5);
    for (const K of [2, 3, 4, 7, 12, 30]) {
      const W = new Float64Array(K * K);
      for (let i = 0; i < K; i++) {
        W[i * K + i] = 1;
        for (let j = i + 1; j < K; j++) W[i * K + j] = W[j * K + i] = r();
      }
      const got = csgFromSimilarity(W);
      const want = ref.csgSpectrum(W, K);
      expectScalarClose(got.csg, want.csg, 1e-12, 1e-13);
      expectClose(got.eigenvalues, want.eigenvalues, { rel: 1e-12, abs: 1e-12, floor: 1e-3 });
    }
  });

  it('accepts a plain number array and ignores the diagonal', () => {
    const a = csgFromSimilarity([7, 0.2, 0.1, 0.2, -3, 0.3, 0.1, 0.3, 0]);
    expect(a.csg).toBe(csgFromSimilarity(worked).csg);
  });

  it('rejects a non-symmetric W with E_ARGUMENT', () =>
    expectCode(() => csgFromSimilarity([1, 0.2, 0.3, 1]), 'E_ARGUMENT'));
  it('rejects K < 2, or a numClasses that disagrees with the matrix, with E_SHAPE', () => {
    expectCode(() => csgFromSimilarity([1]), 'E_SHAPE');
    expectCode(() => csgFromSimilarity([1, 0, 0, 1], { numClasses: 3 }), 'E_SHAPE');
    expectCode(() => csgFromSimilarity([1, 0, 0, 1], { numClasses: 2.5 }), 'E_SHAPE');
  });
  it('rejects a wrong length with E_SHAPE', () => expectCode(() => csgFromSimilarity([1, 0, 0]), 'E_SHAPE'));
  it('rejects NaN with E_NONFINITE', () => expectCode(() => csgFromSimilarity([1, NaN, NaN, 1]), 'E_NONFINITE'));
  it('rejects a Float32Array with E_DTYPE', () =>
    expectCode(() => csgFromSimilarity(new Float32Array(4) as unknown as Float64Array), 'E_DTYPE'));

  it('property: Laplacian eigenvalues are ascending, ≥ −1e-9, sum to the trace and their squares to ‖L‖²_F (RUNS cases, K ≤ 16)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 2, max: 16 }).chain((K) => fc.tuple(fc.constant(K), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: K * K, maxLength: K * K }))),
      ([K, raw]) => {
        const W = new Float64Array(K * K);
        for (let i = 0; i < K; i++) {
          W[i * K + i] = 1;
          for (let j = i + 1; j < K; j++) W[i * K + j] = W[j * K + i] = raw[i * K + j];
        }
        const { csg, eigenvalues } = csgFromSimilarity(W);
        const { trace, frobenius2 } = laplacianTrace(W, K);
        const sum = eigenvalues.reduce((s, v) => s + v, 0);
        const squares = eigenvalues.reduce((s, v) => s + v * v, 0);
        for (let i = 0; i < K; i++) {
          if (eigenvalues[i] < -1e-9) return false;
          if (i > 0 && eigenvalues[i] < eigenvalues[i - 1]) return false;
        }
        return csg >= 0 && Math.abs(sum - trace) <= 1e-9 * (1 + trace) && Math.abs(squares - frobenius2) <= 1e-9 * (1 + frobenius2);
      },
    ), { numRuns: RUNS, seed: 42 });
  });
});

describe('cumulativeSpectralGradient', () => {
  /** Runs the core and the float64 reference on the same samples, run by run. */
  function compare(x: Float32Array, n: number, d: number, y: Int32Array, options: CsgOptions): void {
    const got = cumulativeSpectralGradient(x, [n, d], y, { embedding: 'none', ...options });
    const K = got.numClasses;
    const samples = csgSamples(csgClassMembers(y, K, got.k), got.samplesPerClass, got.seed, got.runCount);
    const want = samples.map((s) => ref.csgReference(x, n, d, y, K, s, got.k));
    for (let r = 0; r < want.length; r++) expectScalarClose(got.runs[r], want[r].csg, 1e-9, 1e-12);
    expectScalarClose(got.csg, want.reduce((s, w) => s + w.csg, 0) / want.length, 1e-9, 1e-12);
    const meanW = new Float64Array(K * K);
    for (const w of want) for (let i = 0; i < K * K; i++) meanW[i] += w.similarity[i] / want.length;
    expectClose(got.similarity, meanW, { rel: 1e-9, abs: 1e-12 });
  }

  it('matches the float64 reference (same samples) within 1e-9 relative on small data', () => {
    const cases: [K: number, perClass: number, d: number, k: number, samplesPerClass: number, runs: number][] = [
      [2, 10, 1, 3, 5, 1], [3, 20, 2, 3, 10, 2], [4, 15, 3, 1, 15, 1], [5, 12, 5, 4, 6, 3], [3, 30, 7, 5, 100, 1], [6, 25, 4, 3, 8, 2],
    ];
    for (const [K, perClass, d, k, samplesPerClass, runs] of cases) {
      for (const separation of [0, 1.5, 4]) {
        const { x, y, n } = gaussians(K, perClass, d, separation, K * 100 + d);
        compare(x, n, d, y, { k, samplesPerClass, runCount: runs, seed: 9 });
      }
    }
  });

  it('matches the reference on uneven classes and unsorted labels', () => {
    const r = rng(17);
    const n = 90, d = 3;
    const x = new Float32Array(n * d).map(() => r() * 4);
    const y = Int32Array.from({ length: n }, (_, i) => (i < 10 ? 2 : i < 40 ? 0 : 1));
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [y[i], y[j]] = [y[j], y[i]];
    }
    compare(x, n, d, y, { k: 3, samplesPerClass: 20, runCount: 3 });
  });

  it('floors V at 1e-4 as the reference does (features scaled so some or all volumes fall below it)', () => {
    for (const scale of [1e-3, 2e-2, 5e-2]) {
      const { x, y, n } = gaussians(3, 30, 2, 1, 77);
      const small = x.map((v) => v * scale);
      compare(small, n, 2, y, { k: 3, samplesPerClass: 30, runCount: 2 });
    }
  });

  it('gives exactly 0 for perfectly separated classes, with and without the embedding', () => {
    const { x, y, n } = separated(5, 20, 8);
    for (const embedding of ['none', 'pca'] as const) {
      const res = cumulativeSpectralGradient(x, [n, 8], y, { embedding, runCount: 2 });
      expect(res.csg).toBe(0);
      expect(res.runs).toEqual([0, 0]);
    }
  });

  it('gives near 0 (< 0.02) for well-separated Gaussians and more than 0.5 for overlapping ones', () => {
    for (const d of [2, 32]) {
      const far = gaussians(4, 150, d, 12);
      const near = gaussians(4, 150, d, 0.5);
      const csgFar = cumulativeSpectralGradient(far.x, [far.n, d], far.y, { runCount: 3 }).csg;
      const csgNear = cumulativeSpectralGradient(near.x, [near.n, d], near.y, { runCount: 3 }).csg;
      expect(csgFar).toBeLessThan(0.02);
      expect(csgNear).toBeGreaterThan(0.5);
    }
  });

  it('is monotone non-decreasing as the class overlap grows (seed 1, 5 runs averaged)', () => {
    // Levels are spaced so each step moves CSG by more than its run-to-run spread; near full overlap the
    // expected CSG is flat (0.5 and 0 differ by less than sampling noise), so 0.5 is not a level.
    const levels = [10, 6, 4, 3, 2, 1.5, 1, 0];
    for (const [d, embedding] of [[2, 'none'], [16, 'pca'], [16, 'none']] as const) {
      const values = levels.map((s) => {
        const { x, y, n } = gaussians(4, 200, d, s);
        return cumulativeSpectralGradient(x, [n, d], y, { embedding, runCount: 5, seed: 1 }).csg;
      });
      for (let i = 1; i < values.length; i++) {
        if (!(values[i] >= values[i - 1])) expect.fail(`d = ${d}, ${embedding}: CSG ${values.join(', ')} drops at separation ${levels[i]}`);
      }
      expect(values[values.length - 1]).toBeGreaterThan(values[0] + 1);
    }
  });

  it('is deterministic for a seed and its run r does not depend on the run count', () => {
    const { x, y, n } = gaussians(3, 80, 5, 1);
    const a = cumulativeSpectralGradient(x, [n, 5], y, { seed: 123, runCount: 4, samplesPerClass: 30 });
    const b = cumulativeSpectralGradient(x, [n, 5], y, { seed: 123, runCount: 4, samplesPerClass: 30 });
    expect(b).toEqual(a);
    const one = cumulativeSpectralGradient(x, [n, 5], y, { seed: 123, runCount: 1, samplesPerClass: 30 });
    expect(one.runs[0]).toBe(a.runs[0]);
    const other = cumulativeSpectralGradient(x, [n, 5], y, { seed: 124, runCount: 4, samplesPerClass: 30 });
    expect(other.runs).not.toEqual(a.runs);
  });

  it('samples min(samplesPerClass, class size) distinct points of the right class', () => {
    const y = Int32Array.from({ length: 50 }, (_, i) => (i < 8 ? 1 : 0));
    const [run] = csgSamples(csgClassMembers(y, 2, 3), 10, 5, 1);
    expect(run[0].length).toBe(10);
    expect(run[1].length).toBe(8);
    for (let c = 0; c < 2; c++) {
      expect(new Set(run[c]).size).toBe(run[c].length);
      for (const i of run[c]) expect(y[i]).toBe(c);
    }
  });

  it('reports its settings with the value', () => {
    const { x, y, n } = gaussians(3, 20, 5, 2);
    const res = cumulativeSpectralGradient(x, [n, 5], y, { k: 2, samplesPerClass: 7, seed: 4, runCount: 2 });
    expect(res).toMatchObject({ numClasses: 3, k: 2, samplesPerClass: 7, seed: 4, runCount: 2, embedding: 'pca', embeddingDim: 3, metric: 'euclidean' });
    expect(res.runs.length).toBe(2);
    expect(cumulativeSpectralGradient(x, [n, 5], y, { embeddingDim: 5 }).embedding).toBe('none');
    expect(cumulativeSpectralGradient(x, [n, 5], y, { embedding: 'pca', embeddingDim: 9 }).embeddingDim).toBe(5);
  });

  it('stays finite on 2048 unit-variance dimensions without embedding, where the literal product overflows', () => {
    const { x, y, n } = gaussians(3, 12, 2048, 1);
    const res = cumulativeSpectralGradient(x, [n, 2048], y, { embedding: 'none' });
    expect(Number.isFinite(res.csg)).toBe(true);
    const samples = csgSamples(csgClassMembers(y, 3, 3), 100, 1, 1)[0];
    expect(Number.isFinite(ref.csgReference(x, n, 2048, y, 3, samples, 3).csg)).toBe(false);
  });

  it('the PCA embedding of rank-3 data keeps the standardised pairwise distances within 1e-4 relative', () => {
    const r = rng(21);
    const n = 60, d = 24;
    const basis = Array.from({ length: 3 }, () => Array.from({ length: d }, () => r() * 2 - 1));
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const c = [r() * 5, r() * 3, r() - 0.5];
      for (let j = 0; j < d; j++) x[i * d + j] = c[0] * basis[0][j] + c[1] * basis[1][j] + c[2] * basis[2][j] + j;
    }
    arenaReset();
    const e = csgEmbed('test', x, n, d, 3);
    const mean = new Float64Array(d), sd = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sd[j] += (x[i * d + j] - mean[j]) ** 2 / n;
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        let want = 0, got = 0;
        for (let j = 0; j < d; j++) want += ((x[a * d + j] - x[b * d + j]) / Math.sqrt(sd[j])) ** 2;
        for (let j = 0; j < 3; j++) got += (e[a * 3 + j] - e[b * 3 + j]) ** 2;
        expectScalarClose(Math.sqrt(got), Math.sqrt(want), 1e-4, 1e-5);
      }
    }
  });

  it('leaves the caller arrays untouched and memory stable across 200 calls', () => {
    const { x, y, n } = gaussians(3, 40, 10, 1);
    const x0 = x.slice(), y0 = y.slice();
    cumulativeSpectralGradient(x, [n, 10], y);
    const bytes = wasm().memory.buffer.byteLength;
    for (let i = 0; i < 200; i++) cumulativeSpectralGradient(x, [n, 10], y, { seed: i });
    expect(wasm().memory.buffer.byteLength).toBe(bytes);
    expect(x).toEqual(x0);
    expect(y).toEqual(y0);
  });

  it('accepts labels as a plain array of integers', () => {
    const { x, y, n } = gaussians(3, 20, 2, 1);
    expect(cumulativeSpectralGradient(x, [n, 2], Array.from(y)).csg).toBe(cumulativeSpectralGradient(x, [n, 2], y).csg);
  });

  describe('errors', () => {
    const { x, y, n } = gaussians(3, 10, 2, 1);
    it('E_LABEL for a negative label', () => expectCode(() => cumulativeSpectralGradient(x, [n, 2], y.map((v, i) => (i === 4 ? -1 : v))), 'E_LABEL'));
    it('E_LABEL for a non-integer label', () => expectCode(() => cumulativeSpectralGradient(x, [n, 2], Array.from(y, (v, i) => (i === 3 ? 0.5 : v))), 'E_LABEL'));
    it('E_LABEL for a label ≥ numClasses', () => expectCode(() => cumulativeSpectralGradient(x, [n, 2], y, { numClasses: 2 }), 'E_LABEL'));
    it('E_LABEL for a single class', () => expectCode(() => cumulativeSpectralGradient(x, [n, 2], new Int32Array(n)), 'E_LABEL'));
    it('E_ARGUMENT naming a class with fewer than k + 1 points', () => {
      const few = y.slice();
      for (let i = 0, moved = 0; i < n && moved < 8; i++) if (few[i] === 2) { few[i] = 0; moved++; }
      expect(() => cumulativeSpectralGradient(x, [n, 2], few)).toThrow(/class 2 has 2 points; with k = 3 every class needs at least 4/);
      expectCode(() => cumulativeSpectralGradient(x, [n, 2], few), 'E_ARGUMENT');
      expectCode(() => cumulativeSpectralGradient(x, [n, 2], y, { numClasses: 12 }), 'E_ARGUMENT');
      expectCode(() => cumulativeSpectralGradient(x, [n, 2], y, { k: 10 }), 'E_ARGUMENT');
      expect(() => cumulativeSpectralGradient(x, [n, 2], y, { k: 10 })).toThrow(/class 0 has 10 points; with k = 10 every class needs at least 11/);
      expect(() => cumulativeSpectralGradient(x, [n, 2], y, { numClasses: 12 })).toThrow(/class 3 has 0 points/);
    });
    it('E_NONFINITE for NaN or Infinity features, on both paths', () => {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const z = x.slice();
        z[7] = bad;
        expectCode(() => cumulativeSpectralGradient(z, [n, 2], y, { embedding: 'none' }), 'E_NONFINITE');
        expectCode(() => cumulativeSpectralGradient(z, [n, 2], y, { embedding: 'pca', embeddingDim: 1 }), 'E_NONFINITE');
      }
    });
    it('E_SHAPE for a shape mismatch or a labels length mismatch', () => {
      expectCode(() => cumulativeSpectralGradient(x, [n, 3], y), 'E_SHAPE');
      expectCode(() => cumulativeSpectralGradient(x, [n, 2], y.subarray(1)), 'E_SHAPE');
    });
    it('E_DTYPE for Float64Array features or Float32Array labels', () => {
      expectCode(() => cumulativeSpectralGradient(Float64Array.from(x) as unknown as Float32Array, [n, 2], y), 'E_DTYPE');
      expectCode(() => cumulativeSpectralGradient(x, [n, 2], Float32Array.from(y) as unknown as Int32Array), 'E_DTYPE');
    });
    it('E_ARGUMENT for k < 1, non-integer options, a bad seed, runCount 0 or an unknown embedding', () => {
      for (const options of [{ k: 0 }, { k: 1.5 }, { samplesPerClass: 0 }, { seed: -1 }, { seed: 2 ** 32 }, { runCount: 0 }, { embeddingDim: 0 }, { numClasses: 1 }, { embedding: 'tsne' }] as CsgOptions[]) {
        expectCode(() => cumulativeSpectralGradient(x, [n, 2], y, options), 'E_ARGUMENT');
      }
    });
  });

  it('property: W is symmetric in [0, 1] with unit diagonal, eigenvalues ≥ −1e-9 sum to tr L, and the reference agrees (300 cases: each runs a kNN and the O(n² log n) reference)', () => {
    fc.assert(fc.property(
      fc.record({
        K: fc.integer({ min: 2, max: 5 }),
        perClass: fc.integer({ min: 4, max: 15 }),
        d: fc.integer({ min: 1, max: 6 }),
        k: fc.integer({ min: 1, max: 3 }),
        separation: fc.double({ min: 0, max: 5, noNaN: true }),
        seed: fc.integer({ min: 0, max: 1000 }),
      }),
      ({ K, perClass, d, k, separation, seed }) => {
        const { x, y, n } = gaussians(K, perClass, d, separation, seed + 1);
        const res = cumulativeSpectralGradient(x, [n, d], y, { k, samplesPerClass: 6, seed, embedding: 'none' });
        const W = res.similarity;
        for (let i = 0; i < K; i++) {
          if (W[i * K + i] !== 1) return false;
          for (let j = 0; j < K; j++) if (W[i * K + j] !== W[j * K + i] || W[i * K + j] < 0 || W[i * K + j] > 1) return false;
        }
        const { trace } = laplacianTrace(W, K);
        const sum = res.eigenvalues.reduce((s, v) => s + v, 0);
        if (res.eigenvalues[0] < -1e-9 || Math.abs(sum - trace) > 1e-9 * (1 + trace)) return false;
        const samples = csgSamples(csgClassMembers(y, K, k), 6, seed, 1)[0];
        return Math.abs(ref.csgReference(x, n, d, y, K, samples, k).csg - res.csg) <= 1e-9 * (1 + res.csg);
      },
    ), { numRuns: 300, seed: 7 });
  });
});
