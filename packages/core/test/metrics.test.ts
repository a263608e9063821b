import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  calibrationMetrics, calibrationSums, mergeCalibrationSums, calibrationFromSums, calibrationFromConfidences, probabilitiesToLogits, softmax,
  type CalibrationMetrics,
} from '../src/index.js';
import * as ref from './reference.js';
import { mat, labels, rng, expectClose, expectCode, expectScalarClose, SHAPES, RUNS } from './helpers.js';

type Reference = ReturnType<typeof ref.calibrationMetrics>;

/** Scalars within 1e-6 relative (ECE/MCE 1e-6 absolute: they are differences), bins count for count. */
function expectMetricsClose(m: CalibrationMetrics, e: Reference, tol = 1e-6): void {
  expectScalarClose(m.accuracy, e.accuracy, 1e-12, 1e-12);
  expectScalarClose(m.nll, e.nll, tol, 1e-12);
  expectScalarClose(m.brier, e.brier, tol, 1e-12);
  expectScalarClose(m.ece, e.ece, 0, tol);
  expectScalarClose(m.mce, e.mce, 0, tol);
  expect(m.bins.length).toBe(e.bins.length);
  m.bins.forEach((b, i) => {
    expect(b.lower).toBe(e.bins[i].lower);
    expect(b.upper).toBe(e.bins[i].upper);
    expect(b.count).toBe(e.bins[i].count);
    expectScalarClose(b.confidence, e.bins[i].confidence, tol, 1e-12);
    expectScalarClose(b.accuracy, e.bins[i].accuracy, 1e-12, 1e-12);
  });
}

describe('calibrationMetrics', () => {
  it('matches the float64 reference on logits across ragged shapes and temperatures', () => {
    for (const [r, c] of SHAPES) {
      for (const temperature of [0.5, 1, 4]) {
        const x = mat(r, c, r * 13 + c, -6, 6), y = labels(r, c, r + 2 * c);
        expectMetricsClose(calibrationMetrics(x, [r, c], y, { temperature }), ref.calibrationMetrics(ref.softmax(x, r, c, temperature), r, c, y, 15, { x, temperature }));
      }
    }
  });

  it('matches the reference on probabilities', () => {
    for (const [r, c] of SHAPES) {
      const p = softmax(mat(r, c, r + c, -4, 4), [r, c], { temperature: 1.5 });
      const y = labels(r, c, 5);
      expectMetricsClose(calibrationMetrics(p, [r, c], y, { inputs: 'probabilities' }), ref.calibrationMetrics(p, r, c, y));
    }
  });

  it('agrees between logits and their softmax probabilities (1e-5)', () => {
    const x = mat(300, 10, 4, -5, 5), y = labels(300, 10, 6);
    const a = calibrationMetrics(x, [300, 10], y, { temperature: 2 });
    const b = calibrationMetrics(softmax(x, [300, 10], { temperature: 2 }), [300, 10], y, { inputs: 'probabilities' });
    expectScalarClose(a.nll, b.nll, 1e-5);
    expectScalarClose(a.brier, b.brier, 1e-5);
    expectScalarClose(a.ece, b.ece, 0, 1e-5);
    expect(a.accuracy).toBe(b.accuracy);
  });

  it('computes a hand-worked example: 4 rows, 2 bins', () => {
    const p = new Float32Array([0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.4, 0.6]);
    const y = new Int32Array([0, 1, 1, 1]);
    const m = calibrationMetrics(p, [4, 2], y, { inputs: 'probabilities', binCount: 2 });
    expect(m.accuracy).toBe(0.75);
    // confidences 0.9, 0.8, 0.7, 0.6 all fall in (0.5, 1]: mean 0.75, accuracy 0.75.
    expect(m.bins[0].count).toBe(0);
    expect(m.bins[1].count).toBe(4);
    expectScalarClose(m.bins[1].confidence, 0.75, 1e-7);
    expectScalarClose(m.ece, 0, 0, 1e-7);
    expectScalarClose(m.nll, -(Math.log(0.9) + Math.log(0.2) + Math.log(0.7) + Math.log(0.6)) / 4, 1e-6);
    expectScalarClose(m.brier, (2 * 0.01 + 2 * 0.64 + 2 * 0.09 + 2 * 0.16) / 4, 1e-6);
  });

  it('puts a confidence on a bin edge in the lower bin, (lower, upper]', () => {
    const m = calibrationMetrics(new Float32Array([0.5, 0.5, 0.25, 0.75]), [2, 2], new Int32Array([0, 1]), { inputs: 'probabilities', binCount: 4 });
    expect(m.bins.map((b) => b.count)).toEqual([0, 1, 1, 0]);
  });

  it('takes the first of tied maxima as the prediction', () => {
    const x = new Float32Array([1, 1, 0, 0]);
    expect(calibrationMetrics(x, [2, 2], new Int32Array([0, 0])).accuracy).toBe(1);
    expect(calibrationMetrics(x, [2, 2], new Int32Array([1, 1])).accuracy).toBe(0);
  });

  it('gives ECE = |accuracy − mean confidence| with one bin', () => {
    const x = mat(200, 7, 8), y = labels(200, 7, 9);
    const m = calibrationMetrics(x, [200, 7], y, { binCount: 1 });
    expectScalarClose(m.ece, Math.abs(m.accuracy - m.bins[0].confidence), 0, 1e-12);
    expect(m.mce).toBe(m.ece);
  });

  it('keeps Brier accurate when the label has probability ≈ 1', () => {
    const x = new Float32Array([30, 0, 0, 0, 25, 0]);
    const y = new Int32Array([0, 1]);
    const m = calibrationMetrics(x, [2, 3], y);
    const e = ref.calibrationMetrics(ref.softmax(x, 2, 3), 2, 3, y, 15, { x, temperature: 1 });
    expectScalarClose(m.brier, e.brier, 1e-6);
    expectScalarClose(m.nll, e.nll, 1e-6);
    const p = new Float32Array([1 - 2 ** -23, 2 ** -24, 2 ** -24, 2 ** -30, 1 - 2 ** -30, 0]);
    const mp = calibrationMetrics(p, [2, 3], y, { inputs: 'probabilities' });
    const ep = ref.calibrationMetrics(p, 2, 3, y);
    expectScalarClose(mp.brier, ep.brier, 1e-6);
    expectScalarClose(mp.nll, ep.nll, 1e-6);
  });

  it('treats −Infinity logits as masks', () => {
    const x = new Float32Array([0, -Infinity, 2, 1, 1, -Infinity]);
    const y = new Int32Array([2, 0]);
    expectMetricsClose(calibrationMetrics(x, [2, 3], y), ref.calibrationMetrics(ref.softmax(x, 2, 3), 2, 3, y));
  });

  it('gives NLL +Infinity when a probability input puts 0 on the label', () => {
    expect(calibrationMetrics(new Float32Array([1, 0]), [1, 2], new Int32Array([1]), { inputs: 'probabilities' }).nll).toBe(Infinity);
  });

  it('leaves the caller arrays untouched', () => {
    const x = mat(5, 4, 1), y = labels(5, 4, 1);
    const xc = x.slice(), yc = y.slice();
    calibrationMetrics(x, [5, 4], y);
    expect(x).toEqual(xc);
    expect(y).toEqual(yc);
  });

  it('rejects a label on a masked logit with E_LABEL', () =>
    expectCode(() => calibrationMetrics(new Float32Array([1, -Infinity]), [1, 2], new Int32Array([1])), 'E_LABEL'));

  it('rejects labels outside [0, cols) with E_LABEL, wrong length with E_SHAPE, wrong dtype with E_DTYPE', () => {
    expectCode(() => calibrationMetrics(mat(2, 3), [2, 3], new Int32Array([0, 3])), 'E_LABEL');
    expectCode(() => calibrationMetrics(mat(2, 3), [2, 3], new Int32Array(3)), 'E_SHAPE');
    expectCode(() => calibrationMetrics(mat(2, 3), [2, 3], [0, 1] as unknown as Int32Array), 'E_DTYPE');
  });

  it('rejects NaN and +Infinity with E_NONFINITE, for logits and probabilities', () => {
    const y = new Int32Array([0]);
    expectCode(() => calibrationMetrics(new Float32Array([NaN, 1]), [1, 2], y), 'E_NONFINITE');
    expectCode(() => calibrationMetrics(new Float32Array([Infinity, 1]), [1, 2], y), 'E_NONFINITE');
    expectCode(() => calibrationMetrics(new Float32Array([-Infinity, -Infinity]), [1, 2], y), 'E_MASKED');
    expectCode(() => calibrationMetrics(new Float32Array([NaN, 1]), [1, 2], y, { inputs: 'probabilities' }), 'E_NONFINITE');
    expectCode(() => calibrationMetrics(new Float32Array([0.5, 0.5, 0, Infinity, 0, 0]), [2, 3], new Int32Array(2), { inputs: 'probabilities' }), 'E_NONFINITE');
  });

  it('rejects probabilities outside [0, 1] or rows not summing to 1 with E_ARGUMENT', () => {
    const y = new Int32Array([0]);
    const probs = { inputs: 'probabilities' } as const;
    expectCode(() => calibrationMetrics(new Float32Array([1.2, -0.2]), [1, 2], y, probs), 'E_ARGUMENT');
    expectCode(() => calibrationMetrics(new Float32Array([0.5, 0.4]), [1, 2], y, probs), 'E_ARGUMENT');
    expectCode(() => calibrationMetrics(new Float32Array([0.5, 0.5, 0.5, 0.6]), [2, 2], new Int32Array(2), probs), 'E_ARGUMENT');
    expect(calibrationMetrics(new Float32Array([0.5, 0.4]), [1, 2], y, { ...probs, sumTolerance: 0.2 }).accuracy).toBe(1);
    expect(calibrationMetrics(new Float32Array([0.5, 0.5005]), [1, 2], new Int32Array([1]), probs).accuracy).toBe(1);
  });

  it('rejects bad options with E_ARGUMENT or E_TEMPERATURE, and zero rows with E_EMPTY', () => {
    const x = mat(2, 3), y = new Int32Array(2);
    for (const bins of [0, 2.5, NaN, 1e7]) expectCode(() => calibrationMetrics(x, [2, 3], y, { binCount: bins }), 'E_ARGUMENT');
    expectCode(() => calibrationMetrics(x, [2, 3], y, { inputs: 'scores' as 'logits' }), 'E_ARGUMENT');
    expectCode(() => calibrationMetrics(x, [2, 3], y, { sumTolerance: -1 }), 'E_ARGUMENT');
    expectCode(() => calibrationMetrics(x, [2, 3], y, { temperature: 0 }), 'E_TEMPERATURE');
    expectCode(() => calibrationMetrics(new Float32Array(0), [0, 3], new Int32Array(0)), 'E_EMPTY');
  });

  it('matches the reference and keeps its invariants (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 1e6 }),
      fc.double({ min: 0.1, max: 10, noNaN: true }), fc.integer({ min: 1, max: 20 }),
      (r, c, seed, temperature, bins) => {
        const x = mat(r, c, seed, -8, 8), y = labels(r, c, seed + 1);
        const m = calibrationMetrics(x, [r, c], y, { temperature, binCount: bins });
        expectMetricsClose(m, ref.calibrationMetrics(ref.softmax(x, r, c, temperature), r, c, y, bins, { x, temperature }));
        expect(m.bins.reduce((s, b) => s + b.count, 0)).toBe(r);
        expectScalarClose(m.bins.reduce((s, b) => s + b.count * b.accuracy, 0) / r, m.accuracy, 1e-12, 1e-12);
        expect(m.ece).toBeLessThanOrEqual(m.mce + 1e-12);
        // Brier ≥ (1 − p_y)²: the label's own term alone; ≤ 2: two distributions are at most √2 apart.
        const p = ref.softmax(x, r, c, temperature);
        let floor = 0;
        for (let i = 0; i < r; i++) floor += (1 - p[i * c + y[i]]) ** 2;
        expect(m.brier).toBeGreaterThanOrEqual(floor / r - 1e-9);
        expect(m.brier).toBeLessThanOrEqual(2 + 1e-9);
      }), { numRuns: RUNS });
  });
});

// --- issue 20: conventions, classwise, sigmoid heads, resampling, selective prediction, shards ---

/** Probabilities (f32, exact as given) from seeded logits. */
function probs(r: number, c: number, seed: number, spread = 4): Float32Array {
  return softmax(mat(r, c, seed, -spread, spread), [r, c]);
}

describe('calibrationMetrics: binning conventions next to netcal', () => {
  it('computes a hand-worked equal-mass example: 4 rows, 2 bins at the median', () => {
    // Confidences 0.6, 0.7, 0.8, 0.9 (rows 1 and 3 wrong): np.quantile at 0.5 is 0.75, so the bins are
    // (0, 0.75] = {0.6 ✓, 0.7 ✗} and (0.75, 1] = {0.8 ✓, 0.9 ✗}: gaps |0.5 − 0.65| and |0.5 − 0.85|.
    const p = new Float32Array([0.6, 0.4, 0.3, 0.7, 0.8, 0.2, 0.1, 0.9]);
    const y = new Int32Array([0, 0, 0, 0]);
    const m = calibrationMetrics(p, [4, 2], y, { inputs: 'probabilities', binning: 'equal-mass', binCount: 2 });
    expect(m.binning).toBe('equal-mass');
    expect(m.bins.map((b) => b.count)).toEqual([2, 2]);
    expectScalarClose(m.bins[0].upper, 0.75, 1e-7);
    expectScalarClose(m.ece, 0.5 * 0.15 + 0.5 * 0.35, 0, 1e-7);
    expectScalarClose(m.mce, 0.35, 0, 1e-7);
    expectScalarClose(m.ace, 0.25, 0, 1e-7);
    expectScalarClose(m.rmsce, Math.sqrt(0.5 * 0.15 ** 2 + 0.5 * 0.35 ** 2), 0, 1e-7);
  });

  it('puts a confidence on an edge in the upper bin with binEdges: lower, as numpy does', () => {
    const p = new Float32Array([0.5, 0.5, 0.25, 0.75, 1, 0]);
    const y = new Int32Array([0, 1, 0]);
    const upper = calibrationMetrics(p, [3, 2], y, { inputs: 'probabilities', binCount: 4 });
    const lower = calibrationMetrics(p, [3, 2], y, { inputs: 'probabilities', binCount: 4, binEdges: 'lower' });
    expect(upper.bins.map((b) => b.count)).toEqual([0, 1, 1, 1]);
    // [0.5, 0.75) takes 0.5; 0.75 and 1 (the closed last edge) share [0.75, 1].
    expect(lower.bins.map((b) => b.count)).toEqual([0, 0, 1, 2]);
  });

  it('matches netcal’s ECE, ACE and MCE (equal-width and equal-mass, [lower, upper)) within 1e-12', () => {
    for (const [r, c, bins] of [[500, 10, 15], [257, 3, 10], [64, 7, 5], [1000, 2, 20]] as const) {
      const p = probs(r, c, r + c, 5), y = labels(r, c, r);
      for (const equal of [true, false]) {
        const m = calibrationMetrics(p, [r, c], y, { inputs: 'probabilities', binCount: bins, binEdges: 'lower', binning: equal ? 'equal-width' : 'equal-mass' });
        const e = ref.netcal(p, r, c, y, bins, equal);
        expectScalarClose(m.ece, e.ece, 0, 1e-12);
        expectScalarClose(m.ace, e.ace, 0, 1e-12);
        expectScalarClose(m.mce, e.mce, 0, 1e-12);
      }
    }
  });

  it("matches netcal's binary P[:, 1] convention with binary: 'positive', and differs from the top label", () => {
    const p = probs(800, 2, 3, 3), y = labels(800, 2, 4);
    const pos = calibrationMetrics(p, [800, 2], y, { inputs: 'probabilities', binEdges: 'lower', binary: 'positive', binCount: 10 });
    const e = ref.netcal(p, 800, 2, y, 10, true, true);
    expectScalarClose(pos.ece, e.ece, 0, 1e-12);
    expectScalarClose(pos.mce, e.mce, 0, 1e-12);
    const top = calibrationMetrics(p, [800, 2], y, { inputs: 'probabilities', binEdges: 'lower', binCount: 10 });
    // Accuracy stays the top-label accuracy.
    expect(pos.accuracy).toBe(top.accuracy);
    // Hand-worked: P(1) = 0.8 and 0.2, both labelled 1. Positive: gaps |1 − 0.8| and |1 − 0.2| in two bins, ECE 0.5.
    // Top label: both confidences 0.8 in one bin, accuracy ½: ECE 0.3.
    const q = new Float32Array([0.2, 0.8, 0.8, 0.2]), yq = new Int32Array([1, 1]);
    expectScalarClose(calibrationMetrics(q, [2, 2], yq, { inputs: 'probabilities', binary: 'positive', binCount: 10 }).ece, 0.5, 1e-7);
    expectScalarClose(calibrationMetrics(q, [2, 2], yq, { inputs: 'probabilities', binCount: 10 }).ece, 0.3, 1e-7);
    expectCode(() => calibrationMetrics(probs(4, 3, 1), [4, 3], labels(4, 3), { inputs: 'probabilities', binary: 'positive' }), 'E_ARGUMENT');
  });

  it('bins its own per-row confidences exactly as the float64 reference, equal-width and equal-mass, both edge rules', () => {
    for (const [r, c] of [[1, 3], [7, 5], [300, 10], [2000, 4]] as const) {
      const x = mat(r, c, r * 3 + c, -6, 6), y = labels(r, c, c);
      for (const binning of ['equal-width', 'equal-mass'] as const) {
        for (const binEdges of ['upper', 'lower'] as const) {
          const m = calibrationMetrics(x, [r, c], y, { binning, binEdges, binCount: 12, perRow: true });
          const edges = binning === 'equal-mass' ? ref.massEdges(m.confidences!, 12) : Array.from({ length: 13 }, (_, b) => b / 12);
          const e = ref.binnedErrors(m.confidences!, m.correct!, edges, binEdges === 'lower');
          expect(m.bins.map((b) => b.count)).toEqual(e.counts);
          m.bins.forEach((b, i) => expectScalarClose(b.lower, edges[i], 1e-15, 1e-15));
          expectScalarClose(m.ece, e.ece, 1e-12, 1e-15);
          expectScalarClose(m.rmsce, e.rmsce, 1e-12, 1e-15);
          expectScalarClose(m.ace, e.ace, 1e-12, 1e-15);
          expectScalarClose(m.mce, e.mce, 1e-12, 1e-15);
        }
      }
      // The confidences are the float64 softmax's top probabilities (1e-6 relative).
      const p = ref.softmax(x, r, c);
      const conf = calibrationMetrics(x, [r, c], y, { perRow: true }).confidences!;
      for (let i = 0; i < r; i++) expectScalarClose(conf[i], Math.max(...p.subarray(i * c, (i + 1) * c)), 1e-6);
    }
  });

  it('fills equal-mass bins within two rows of n / B when confidences are distinct (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 20, max: 400 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 1e6 }), (r, bins, seed) => {
      const m = calibrationMetrics(mat(r, 6, seed, -3, 3), [r, 6], labels(r, 6, seed), { binning: 'equal-mass', binCount: bins, perRow: true });
      if (new Set(m.confidences).size < r) return;
      // The interpolated quantile edges fall between order statistics ⌊(n − 1)·b/B⌋ and the next.
      for (const b of m.bins) expect(Math.abs(b.count - r / bins)).toBeLessThan(2);
    }), { numRuns: 200 });
  });

  it('rejects a bad binning or binEdges with E_ARGUMENT', () => {
    const x = mat(3, 3), y = labels(3, 3);
    expectCode(() => calibrationMetrics(x, [3, 3], y, { binning: 'quantile' as 'equal-mass' }), 'E_ARGUMENT');
    expectCode(() => calibrationMetrics(x, [3, 3], y, { binEdges: 'left' as 'lower' }), 'E_ARGUMENT');
  });
});

describe('calibrationMetrics: classwise ECE and the Brier decomposition', () => {
  it('computes a hand-worked example: 2 rows, 2 classes, 2 bins', () => {
    // p = [0.8, 0.2] (label 0) and [0.4, 0.6] (label 0). Class 0: 0.4 → bin 0 (o = 1), 0.8 → bin 1 (o = 1):
    // ECE_0 = ½·0.6 + ½·0.2 = 0.4. Class 1: 0.2 → bin 0 (o = 0), 0.6 → bin 1 (o = 0): ECE_1 = ½·0.2 + ½·0.6 = 0.4.
    // One forecast per bin: reliability = Σ_j mean (p − o)² = (0.04 + 0.36)/2 + (0.04 + 0.36)/2 = 0.4; base rates 1
    // and 0: uncertainty 0, resolution 0, withinBin 0; Brier = (0.04 + 0.04 + 0.36 + 0.36)/2 = 0.4.
    const p = new Float32Array([0.8, 0.2, 0.4, 0.6]);
    const m = calibrationMetrics(p, [2, 2], new Int32Array([0, 0]), { inputs: 'probabilities', binCount: 2, classwise: true });
    expectScalarClose(m.classwise!.perClass[0], 0.4, 1e-7);
    expectScalarClose(m.classwise!.perClass[1], 0.4, 1e-7);
    expectScalarClose(m.classwise!.ece, 0.4, 1e-7);
    const d = m.brierDecomposition!;
    expectScalarClose(d.reliability, 0.4, 1e-7);
    expectScalarClose(d.resolution, 0, 0, 1e-12);
    expectScalarClose(d.uncertainty, 0, 0, 1e-12);
    expectScalarClose(d.withinBin, 0, 0, 1e-7);
    expectScalarClose(m.brier, 0.4, 1e-7);
  });

  it('scores forecasts of the base rate as pure uncertainty', () => {
    // Every row forecasts [0.25, 0.75] and a quarter of the labels are 0: calibrated, no resolution.
    const p = new Float32Array(8 * 2);
    for (let r = 0; r < 8; r++) p.set([0.25, 0.75], r * 2);
    const m = calibrationMetrics(p, [8, 2], new Int32Array([0, 1, 1, 1, 0, 1, 1, 1]), { inputs: 'probabilities', classwise: true });
    const d = m.brierDecomposition!;
    expectScalarClose(d.reliability, 0, 0, 1e-12);
    expectScalarClose(d.resolution, 0, 0, 1e-12);
    expectScalarClose(d.uncertainty, 2 * 0.25 * 0.75, 1e-12);
    expectScalarClose(m.brier, d.uncertainty, 1e-7);
    expect(m.classwise!.ece).toBeLessThan(1e-7);
  });

  it('matches the float64 reference from bin member lists, and Brier = reliability − resolution + uncertainty + withinBin', () => {
    for (const [r, c, bins] of [[1, 3, 15], [9, 2, 4], [400, 10, 15], [123, 17, 7]] as const) {
      for (const temperature of [0.7, 2]) {
        const x = mat(r, c, r + 5 * c, -5, 5), y = labels(r, c, r + 1);
        const m = calibrationMetrics(x, [r, c], y, { temperature, binCount: bins, classwise: true });
        const e = ref.classwise(ref.softmax(x, r, c, temperature), r, c, (i, j) => (y[i] === j ? 1 : 0), bins);
        expectScalarClose(m.classwise!.ece, e.ece, 0, 1e-6);
        m.classwise!.perClass.forEach((v, j) => expectScalarClose(v, e.perClass[j], 0, 1e-6));
        const d = m.brierDecomposition!;
        expectScalarClose(d.reliability, e.reliability, 1e-6, 1e-9);
        expectScalarClose(d.resolution, e.resolution, 1e-6, 1e-9);
        expectScalarClose(d.uncertainty, e.uncertainty, 1e-12, 1e-15);
        expectScalarClose(d.withinBin, e.withinBin, 1e-6, 1e-9);
        expectScalarClose(d.reliability - d.resolution + d.uncertainty + d.withinBin, m.brier, 1e-6, 1e-9);
      }
    }
  });

  it('keeps the decomposition identity and the reference on random heads, temperatures and bins (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 40 }), fc.integer({ min: 2, max: 9 }), fc.integer({ min: 1, max: 1e6 }),
      fc.double({ min: 0.2, max: 5, noNaN: true }), fc.integer({ min: 1, max: 20 }), fc.boolean(),
      (r, c, seed, temperature, bins, sigmoid) => {
        const x = mat(r, c, seed, -6, 6);
        const y = sigmoid ? labels(r * c, 2, seed + 1) : labels(r, c, seed + 1);
        const m = calibrationMetrics(x, [r, c], y, { temperature, binCount: bins, classwise: true, head: sigmoid ? 'sigmoid' : 'softmax' });
        const p = sigmoid ? ref.sigmoidMetrics(x, r, c, y, [temperature]).p : Array.from(ref.softmax(x, r, c, temperature));
        const e = ref.classwise(p, r, c, sigmoid ? (i, j) => y[i * c + j] : (i, j) => (y[i] === j ? 1 : 0), bins);
        expectScalarClose(m.classwise!.ece, e.ece, 0, 1e-6);
        const d = m.brierDecomposition!;
        expectScalarClose(d.reliability, e.reliability, 1e-6, 1e-9);
        expectScalarClose(d.reliability - d.resolution + d.uncertainty + d.withinBin, m.brier, 1e-6, 1e-9);
      }), { numRuns: 300 });
  });

  it('decomposes probability inputs too', () => {
    const p = probs(300, 5, 9), y = labels(300, 5, 9);
    const m = calibrationMetrics(p, [300, 5], y, { inputs: 'probabilities', classwise: true });
    const e = ref.classwise(p, 300, 5, (i, j) => (y[i] === j ? 1 : 0), 15);
    expectScalarClose(m.classwise!.ece, e.ece, 0, 1e-9);
    expectScalarClose(m.brierDecomposition!.reliability, e.reliability, 1e-9, 1e-12);
  });
});

describe('calibrationMetrics: sigmoid heads', () => {
  it('measures a single-logit binary head [n, 1] against the float64 reference (top label and positive)', () => {
    const n = 700;
    const z = mat(n, 1, 11, -6, 6), t = labels(n, 2, 12);
    for (const temperature of [1, 2.5]) {
      const e = ref.sigmoidMetrics(z, n, 1, t, [temperature]);
      const m = calibrationMetrics(z, [n, 1], t, { head: 'sigmoid', temperature, perRow: true });
      expectScalarClose(m.nll, e.nll, 1e-9);
      expectScalarClose(m.brier, e.brier, 1e-9);
      expectScalarClose(m.accuracy, e.accuracy, 1e-15);
      const te = ref.binnedErrors(e.top.conf, e.top.correct, Array.from({ length: 16 }, (_, b) => b / 15));
      expectScalarClose(m.ece, te.ece, 0, 1e-9);
      const pos = calibrationMetrics(z, [n, 1], t, { head: 'sigmoid', temperature, binary: 'positive' });
      const pe = ref.binnedErrors(e.positive.conf, e.positive.correct, Array.from({ length: 16 }, (_, b) => b / 15));
      expectScalarClose(pos.ece, pe.ece, 0, 1e-9);
      expect(pos.accuracy).toBe(m.accuracy);
    }
  });

  it('measures a multi-label head with one temperature per label, and its probabilities', () => {
    const [r, c] = [250, 5];
    const z = mat(r, c, 21, -8, 8), t = labels(r * c, 2, 22);
    const ts = [0.5, 1, 2, 3, 7];
    const e = ref.sigmoidMetrics(z, r, c, t, ts);
    const m = calibrationMetrics(z, [r, c], t, { head: 'sigmoid', temperature: ts, classwise: true });
    expect(m.count).toBe(r * c);
    expectScalarClose(m.nll, e.nll, 1e-9);
    expectScalarClose(m.brier, e.brier, 1e-9);
    expectScalarClose(m.ece, ref.binnedErrors(e.top.conf, e.top.correct, Array.from({ length: 16 }, (_, b) => b / 15)).ece, 0, 1e-9);
    // Classwise: each label's P(t = 1) against its targets.
    const cw = ref.classwise(e.p, r, c, (i, j) => t[i * c + j], 15);
    m.classwise!.perClass.forEach((v, j) => expectScalarClose(v, cw.perClass[j], 0, 1e-9));
    expectScalarClose(m.brierDecomposition!.reliability - m.brierDecomposition!.resolution + m.brierDecomposition!.uncertainty + m.brierDecomposition!.withinBin, m.brier, 1e-9);
    const p = Float32Array.from(e.p);
    const mp = calibrationMetrics(p, [r, c], t, { head: 'sigmoid', inputs: 'probabilities' });
    const ep = ref.sigmoidMetrics(p, r, c, t, [1], true);
    expectScalarClose(mp.nll, ep.nll, 1e-9);
    expectScalarClose(mp.ece, ref.binnedErrors(ep.top.conf, ep.top.correct, Array.from({ length: 16 }, (_, b) => b / 15)).ece, 0, 1e-12);
  });

  it('rejects multi-class labels on a sigmoid head, label 1 on a one-column softmax, and sigmoid probabilities outside [0, 1]', () => {
    const z = mat(6, 3, 1);
    // One class index per row for a 3-column sigmoid head.
    expectCode(() => calibrationMetrics(z, [6, 3], new Int32Array([0, 2, 1, 0, 2, 1]), { head: 'sigmoid' }), 'E_SHAPE');
    // The right length, but class indices rather than 0/1.
    expectCode(() => calibrationMetrics(mat(6, 1, 2), [6, 1], new Int32Array([0, 2, 1, 0, 2, 1]), { head: 'sigmoid' }), 'E_LABEL');
    expectCode(() => calibrationMetrics(mat(6, 1, 2), [6, 1], new Int32Array([0, 1, 1, 0, 1, 1])), 'E_LABEL');
    expectCode(() => calibrationMetrics(new Float32Array([0.2, 1.3]), [2, 1], new Int32Array([0, 1]), { head: 'sigmoid', inputs: 'probabilities' }), 'E_ARGUMENT');
    expectCode(() => calibrationMetrics(new Float32Array([0.2, NaN]), [2, 1], new Int32Array([0, 1]), { head: 'sigmoid' }), 'E_NONFINITE');
    expectCode(() => calibrationMetrics(mat(2, 3), [2, 3], new Int32Array(6), { head: 'sigmoid', temperature: [1, 2] }), 'E_SHAPE');
  });
});

describe('probabilitiesToLogits and probability inputs', () => {
  it('returns ln p (floored at 2^-149) whose softmax gives p back', () => {
    const p = new Float32Array([0.5, 0.25, 0.25, 1, 0, 0]);
    const { logits, saturated, warnings } = probabilitiesToLogits(p, [2, 3]);
    expectClose(logits, [Math.log(0.5), Math.log(0.25), Math.log(0.25), 0, Math.log(2 ** -149), Math.log(2 ** -149)], { rel: 1e-7 });
    expect(saturated).toBe(1);
    expect(warnings.map((w) => w.code)).toEqual(['W_SATURATED']);
    const q = probs(50, 6, 3);
    expectClose(softmax(probabilitiesToLogits(q, [50, 6]).logits, [50, 6]), q, { rel: 1e-6, abs: 1e-12, floor: 1e-30 });
    expect(probabilitiesToLogits(q, [50, 6]).warnings).toEqual([]);
  });

  it('gives sigmoid logits ln p − ln(1 − p)', () => {
    const p = new Float32Array([0.5, 0.9, 0.1]);
    expectClose(probabilitiesToLogits(p, [3, 1], { head: 'sigmoid' }).logits, [0, Math.log(0.9 / 0.1), Math.log(0.1 / 0.9)], { rel: 1e-6, abs: 1e-7 });
  });

  it('rejects negative probabilities, rows not summing to 1 and NaN', () => {
    expectCode(() => probabilitiesToLogits(new Float32Array([1.2, -0.2]), [1, 2]), 'E_ARGUMENT');
    expectCode(() => probabilitiesToLogits(new Float32Array([0.5, 0.4]), [1, 2]), 'E_ARGUMENT');
    expectCode(() => probabilitiesToLogits(new Float32Array([0.5, NaN]), [1, 2]), 'E_NONFINITE');
    expectCode(() => probabilitiesToLogits(new Float32Array([-0.1]), [1, 1], { head: 'sigmoid' }), 'E_ARGUMENT');
  });

  it('measures probabilities at a temperature through their logarithms', () => {
    const p = probs(200, 8, 4), y = labels(200, 8, 5);
    const a = calibrationMetrics(p, [200, 8], y, { inputs: 'probabilities', temperature: 1.7 });
    const b = calibrationMetrics(probabilitiesToLogits(p, [200, 8]).logits, [200, 8], y, { temperature: 1.7 });
    expect(a.ece).toBe(b.ece);
    expect(a.nll).toBe(b.nll);
  });
});

describe('calibrationMetrics: input warnings', () => {
  it('warns W_LOOKS_LIKE_PROBABILITIES on softmax outputs passed as logits, and not on logits', () => {
    const x = mat(100, 5, 7, -4, 4), y = labels(100, 5, 7);
    expect(calibrationMetrics(softmax(x, [100, 5]), [100, 5], y).warnings.map((w) => w.code)).toEqual(['W_LOOKS_LIKE_PROBABILITIES']);
    expect(calibrationMetrics(x, [100, 5], y).warnings).toEqual([]);
    expect(calibrationMetrics(softmax(x, [100, 5]), [100, 5], y, { inputs: 'probabilities' }).warnings).toEqual([]);
    // Sigmoid outputs passed as logits.
    const z = mat(100, 3, 8, -4, 4), t = labels(300, 2, 8);
    const sig = Float32Array.from(z, (v) => 1 / (1 + Math.exp(-v)));
    expect(calibrationMetrics(sig, [100, 3], t, { head: 'sigmoid' }).warnings.map((w) => w.code)).toEqual(['W_LOOKS_LIKE_PROBABILITIES']);
    expect(calibrationMetrics(z, [100, 3], t, { head: 'sigmoid' }).warnings).toEqual([]);
  });

  it('warns W_LABELS_ONE_INDEXED when labels run 1…K−1 and the model predicts label − 1, and not on 0-indexed labels', () => {
    const { logits, labels: y } = informative(400, 6, 3);
    const shifted = Int32Array.from(y, (v) => v + 1);
    // Keep the shifted labels in range: rows labelled K−1 are dropped.
    const keep = Array.from(y.keys()).filter((i) => y[i] < 5);
    const x = Float32Array.from(keep.flatMap((i) => Array.from(logits.subarray(i * 6, i * 6 + 6))));
    const ys = Int32Array.from(keep.map((i) => shifted[i]));
    expect(calibrationMetrics(x, [keep.length, 6], ys).warnings.map((w) => w.code)).toEqual(['W_LABELS_ONE_INDEXED']);
    expect(calibrationMetrics(logits, [400, 6], y).warnings).toEqual([]);
  });

  it('names the 1-indexed labels in the E_LABEL of a label equal to the class count', () => {
    try {
      calibrationMetrics(mat(3, 3), [3, 3], new Int32Array([1, 3, 2]));
      expect.fail('no error');
    } catch (e) {
      expect((e as { code: string }).code).toBe('E_LABEL');
      expect(String(e)).toMatch(/1-indexed/);
    }
  });

  it('warns W_SATURATED on probability rows at exactly 1, and not otherwise', () => {
    const p = probs(20, 4, 2);
    p.set([1, 0, 0, 0], 0);
    expect(calibrationMetrics(p, [20, 4], labels(20, 4, 2), { inputs: 'probabilities' }).warnings.map((w) => w.code)).toEqual(['W_SATURATED']);
    expect(calibrationMetrics(probs(20, 4, 2), [20, 4], labels(20, 4, 2), { inputs: 'probabilities' }).warnings).toEqual([]);
  });
});

/** Logits whose argmax is the label with probability ~0.8 (a model that has learned something). */
function informative(r: number, c: number, seed: number): { logits: Float32Array; labels: Int32Array } {
  const x = mat(r, c, seed, -2, 2), y = labels(r, c, seed + 1);
  const u = rng(seed + 2);
  for (let i = 0; i < r; i++) if (u() < 0.8) x[i * c + y[i]] += 4;
  return { logits: x, labels: y };
}

describe('calibrationMetrics: the ECE bootstrap and the calibrated-model simulation', () => {
  it('replays the float64 reference draw for draw (equal-width and equal-mass, both edge rules)', () => {
    const { logits, labels: y } = informative(300, 5, 4);
    for (const binning of ['equal-width', 'equal-mass'] as const) {
      for (const binEdges of ['upper', 'lower'] as const) {
        const m = calibrationMetrics(logits, [300, 5], y, { binning, binEdges, binCount: 10, perRow: true, bootstrap: { replicates: 60, seed: 7, level: 0.9, simulations: 40 } });
        const b = m.bootstrap!;
        const eces = ref.resampledEces(m.confidences!, m.correct!, 10, binning === 'equal-mass', binEdges === 'lower', 60, 7, false);
        expectScalarClose(b.low, ref.npQuantile(eces, 0.05), 1e-12, 1e-15);
        expectScalarClose(b.high, ref.npQuantile(eces, 0.95), 1e-12, 1e-15);
        const sims = ref.resampledEces(m.confidences!, m.correct!, 10, binning === 'equal-mass', binEdges === 'lower', 40, (7 ^ 0x9e3779b9) >>> 0, true);
        expectScalarClose(b.calibratedEce.mean, sims.reduce((a, v) => a + v, 0) / 40, 1e-12, 1e-15);
        expectScalarClose(b.calibratedEce.high, ref.npQuantile(sims, 0.9), 1e-12, 1e-15);
        expect(b.calibratedEce.pValue).toBe((1 + sims.filter((s) => s >= m.ece).length) / 41);
        expect(b.low).toBeLessThanOrEqual(b.high);
        expect(b.bins.low.length).toBe(10);
      }
    }
  });

  it('is deterministic for a seed and moves with it', () => {
    const { logits, labels: y } = informative(200, 4, 9);
    const a = calibrationMetrics(logits, [200, 4], y, { bootstrap: { replicates: 50, seed: 1 } }).bootstrap!;
    const b = calibrationMetrics(logits, [200, 4], y, { bootstrap: { replicates: 50, seed: 1 } }).bootstrap!;
    const c = calibrationMetrics(logits, [200, 4], y, { bootstrap: { replicates: 50, seed: 2 } }).bootstrap!;
    expect(a).toEqual(b);
    expect(c.low === a.low && c.high === a.high).toBe(false);
  });

  it('covers the true ECE of a known-miscalibrated generator in at least 90 % of 100 seeded repetitions', () => {
    // Confidence c ~ U(0.5, 1) on a 2-class head, right with probability c − 0.1: every bin's gap is 0.1, so the
    // true ECE is 0.1 for any binning. 1000 rows, 200 replicates, 95 % intervals.
    let covered = 0;
    for (let rep = 0; rep < 100; rep++) {
      const u = rng(1000 + rep);
      const n = 1000;
      const x = new Float32Array(2 * n), y = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const c = 0.5 + 0.5 * u();
        x[2 * i + 1] = Math.log(c / (1 - c));
        y[i] = u() < c - 0.1 ? 1 : 0;
      }
      const b = calibrationMetrics(x, [n, 2], y, { bootstrap: { replicates: 200, simulations: 1, seed: rep } }).bootstrap!;
      if (b.low <= 0.1 && 0.1 <= b.high) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(90);
  });

  it('puts the ECE of a perfectly calibrated generator under the simulated 95 % quantile in at least 90 % of repetitions', () => {
    let under = 0;
    for (let rep = 0; rep < 60; rep++) {
      const u = rng(5000 + rep);
      const n = 300;
      const x = new Float32Array(2 * n), y = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const c = 0.5 + 0.5 * u();
        x[2 * i + 1] = Math.log(c / (1 - c));
        y[i] = u() < c ? 1 : 0;
      }
      const m = calibrationMetrics(x, [n, 2], y, { bootstrap: { replicates: 1, simulations: 300, seed: rep } });
      if (m.ece <= m.bootstrap!.calibratedEce.high) under++;
      // On 300 rows a calibrated model still shows an ECE of a few percent: the simulation says how much.
      expect(m.bootstrap!.calibratedEce.mean).toBeGreaterThan(0.01);
    }
    expect(under).toBeGreaterThanOrEqual(54);
  });

  it('rejects bad bootstrap options with E_ARGUMENT', () => {
    const x = mat(5, 3), y = labels(5, 3);
    expectCode(() => calibrationMetrics(x, [5, 3], y, { bootstrap: 0.5 }), 'E_ARGUMENT');
    expectCode(() => calibrationMetrics(x, [5, 3], y, { bootstrap: { level: 1 } }), 'E_ARGUMENT');
    expectCode(() => calibrationMetrics(x, [5, 3], y, { bootstrap: { seed: -1 } }), 'E_ARGUMENT');
  });
});

describe('calibrationMetrics: selective prediction', () => {
  it('computes a hand-worked risk–coverage curve: 4 rows', () => {
    // Confidences 0.9 ✓, 0.8 ✗, 0.7 ✓, 0.6 ✗: risks 0, ½, ⅓, ½ at coverage ¼ … 1, AURC = (0 + ½ + ⅓ + ½)/4 = ⅓;
    // errors last: risks 0, 0, ⅓, ½, optimal AURC = (⅓ + ½)/4 = 5/24.
    const p = new Float32Array([0.9, 0.1, 0.2, 0.8, 0.7, 0.3, 0.4, 0.6]);
    const m = calibrationMetrics(p, [4, 2], new Int32Array([0, 0, 0, 0]), { inputs: 'probabilities', selective: { targetAccuracy: 0.6, targetCoverage: 0.7 } });
    const s = m.selective!;
    expectScalarClose(s.aurc, 1 / 3, 1e-12);
    expectScalarClose(s.optimalAurc, 5 / 24, 1e-12);
    expectScalarClose(s.excessAurc, 1 / 3 - 5 / 24, 1e-12);
    expectClose(s.curve.coverage, [0.25, 0.5, 0.75, 1], { rel: 1e-12 });
    expectClose(s.curve.risk, [0, 0.5, 1 / 3, 0.5], { rel: 1e-12, abs: 1e-15 });
    // Accuracy ≥ 0.6 reaches coverage ¾ (accuracy ⅔) at threshold 0.7; coverage ≥ 0.7 also needs threshold 0.7.
    expectScalarClose(s.atAccuracy!.threshold, 0.7, 1e-7);
    expectScalarClose(s.atAccuracy!.coverage, 0.75, 1e-12);
    expectScalarClose(s.atCoverage!.threshold, 0.7, 1e-7);
    expect(calibrationMetrics(p, [4, 2], new Int32Array(4), { inputs: 'probabilities', selective: { targetAccuracy: 1 } }).selective!.atAccuracy!.coverage).toBe(0.25);
  });

  it('lets tied confidences enter together and matches a brute force over every threshold', () => {
    for (const [r, seed] of [[50, 1], [333, 2], [1000, 3]] as const) {
      const p = probs(r, 3, seed, 2);
      // Round to 2 decimals in f32: many ties.
      for (let i = 0; i < p.length; i++) p[i] = Math.round(p[i] * 50) / 50;
      for (let i = 0; i < r; i++) { const s = p[3 * i] + p[3 * i + 1]; p[3 * i + 2] = Math.max(0, 1 - s); }
      const y = labels(r, 3, seed);
      const m = calibrationMetrics(p, [r, 3], y, { inputs: 'probabilities', sumTolerance: 0.05, perRow: true, selective: { targetAccuracy: 0.5, targetCoverage: 0.3, points: 1e6 } });
      const e = ref.riskCoverage(m.confidences!, m.correct!);
      const s = m.selective!;
      expectScalarClose(s.aurc, e.aurc, 1e-12, 1e-15);
      expectScalarClose(s.optimalAurc, e.optimal, 1e-12, 1e-15);
      expect(s.curve.threshold).toEqual(e.thresholds.map((t) => t.threshold));
      const best = e.thresholds.filter((t) => t.accuracy >= 0.5).pop();
      expect(s.atAccuracy?.threshold).toBe(best?.threshold);
      expect(s.atCoverage!.threshold).toBe(e.thresholds.find((t) => t.coverage >= 0.3 - 1e-12)!.threshold);
    }
  });

  it('returns at most `points` curve points ending at full coverage, and null when no threshold reaches the target accuracy', () => {
    const { logits, labels: y } = informative(500, 4, 5);
    const s = calibrationMetrics(logits, [500, 4], y, { selective: { points: 10, targetAccuracy: 1 } }).selective!;
    expect(s.curve.coverage.length).toBeLessThanOrEqual(10);
    expect(s.curve.coverage[s.curve.coverage.length - 1]).toBe(1);
    const wrong = calibrationMetrics(new Float32Array([0, 1, 0, 1]), [2, 2], new Int32Array([0, 0]), { selective: { targetAccuracy: 0.5 } }).selective!;
    expect(wrong.atAccuracy).toBeNull();
    expectCode(() => calibrationMetrics(probs(4, 2, 1), [4, 2], labels(4, 2), { inputs: 'probabilities', binary: 'positive', selective: true }), 'E_ARGUMENT');
  });
});

describe('calibrationSums, mergeCalibrationSums, calibrationFromSums, calibrationFromConfidences', () => {
  it('adds shards up to the metrics of their union', () => {
    const { logits, labels: y } = informative(900, 7, 6);
    const whole = calibrationMetrics(logits, [900, 7], y, { classwise: true, binning: 'equal-mass', bootstrap: { replicates: 30 }, selective: true });
    const parts = [[0, 250], [250, 251], [251, 900]].map(([a, b]) =>
      calibrationSums(logits.subarray(a * 7, b * 7), [b - a, 7], y.subarray(a, b), { classwise: true, perRow: true }));
    const merged = calibrationFromSums(mergeCalibrationSums(parts), { binning: 'equal-mass', bootstrap: { replicates: 30 }, selective: true });
    expect(merged.bins.map((b) => b.count)).toEqual(whole.bins.map((b) => b.count));
    expectScalarClose(merged.nll, whole.nll, 1e-12);
    expectScalarClose(merged.ece, whole.ece, 1e-12, 1e-15);
    expectScalarClose(merged.classwise!.ece, whole.classwise!.ece, 1e-12, 1e-15);
    expectScalarClose(merged.brierDecomposition!.reliability, whole.brierDecomposition!.reliability, 1e-12, 1e-15);
    expect(merged.bootstrap).toEqual(whole.bootstrap);
    expectScalarClose(merged.selective!.aurc, whole.selective!.aurc, 1e-12);
    expect(merged.accuracy).toBe(whole.accuracy);
  });

  it('rejects sums of different options, equal-mass without rows, and things that are not sums', () => {
    const x = mat(10, 3), y = labels(10, 3);
    const a = calibrationSums(x, [10, 3], y), b = calibrationSums(x, [10, 3], y, { binCount: 10 });
    expectCode(() => mergeCalibrationSums([a, b]), 'E_ARGUMENT');
    expectCode(() => mergeCalibrationSums([a, calibrationSums(x, [10, 3], y, { perRow: true })]), 'E_ARGUMENT');
    expectCode(() => mergeCalibrationSums([]), 'E_EMPTY');
    expectCode(() => mergeCalibrationSums([{ rows: 1 } as never]), 'E_ARGUMENT');
    expectCode(() => calibrationFromSums(a, { binning: 'equal-mass' }), 'E_ARGUMENT');
  });

  it('bins confidences given directly, and rejects bad ones', () => {
    const conf = Float64Array.from([0.9, 0.8, 0.7, 0.6]), correct = Uint8Array.from([1, 0, 1, 0]);
    const m = calibrationFromConfidences(conf, correct, { binCount: 2, binning: 'equal-mass' });
    const e = ref.binnedErrors(conf, correct, ref.massEdges(conf, 2));
    expectScalarClose(m.ece, e.ece, 1e-12);
    expectCode(() => calibrationFromConfidences(Float64Array.from([1.5]), Uint8Array.from([1])), 'E_ARGUMENT');
    expectCode(() => calibrationFromConfidences(Float64Array.from([NaN]), Uint8Array.from([1])), 'E_NONFINITE');
    expectCode(() => calibrationFromConfidences(Float64Array.from([0.5]), Uint8Array.from([2])), 'E_ARGUMENT');
    expectCode(() => calibrationFromConfidences(Float64Array.from([0.5]), Uint8Array.from([1, 0])), 'E_SHAPE');
    expectCode(() => calibrationFromConfidences(new Float64Array(0), new Uint8Array(0)), 'E_EMPTY');
    expectCode(() => calibrationFromConfidences([0.5] as unknown as Float64Array, Uint8Array.from([1])), 'E_DTYPE');
  });
});
