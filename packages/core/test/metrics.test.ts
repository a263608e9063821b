import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { calibrationMetrics, softmax, type CalibrationMetrics } from '../src/index.js';
import * as ref from './reference.js';
import { mat, labels, expectCode, expectScalarClose, SHAPES, RUNS } from './helpers.js';

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
    expectCode(() => calibrationMetrics(softmax(x, [2, 3]), [2, 3], y, { inputs: 'probabilities', temperature: 2 }), 'E_ARGUMENT');
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
