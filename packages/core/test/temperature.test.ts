import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  temperatureObjective, mergeTemperatureObjectives, fitTemperature, fitTemperatureWith, fitTemperatureWithAsync, resolveTemperature,
  optimalTemperature, sigmoidTemperatureObjective, fitSigmoidTemperature, softmax, type TemperatureObjective,
} from '../src/index.js';
import * as ref from './reference.js';
import { mat, labels, rng, expectCode, expectScalarClose, SHAPES, RUNS } from './helpers.js';

/** Logits of a classifier whose true scores are z, read at temperature t: labels ~ softmax(z), logits = t·z. */
function calibrated(rows: number, cols: number, t: number, seed: number): { logits: Float32Array; labels: Int32Array } {
  const r = rng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const logits = new Float32Array(rows * cols);
  const y = new Int32Array(rows);
  const z = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < cols; c++) z[c] = normal();
    z[Math.floor(r() * cols)] += 3;
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(z[c]);
    let pick = r() * s, c = 0;
    for (; c < cols - 1; c++) {
      pick -= Math.exp(z[c]);
      if (pick <= 0) break;
    }
    y[i] = c;
    for (let k = 0; k < cols; k++) logits[i * cols + k] = t * z[k];
  }
  return { logits, labels: y };
}

/**
 * Whether the NLL has a finite minimiser in T: some label is not its row's unique argmax (else T → 0 wins),
 * and the labels' logits beat their row means on balance (else T → ∞ wins) — NLL is convex in 1/T.
 */
function finiteOptimum(x: Float32Array, rows: number, cols: number, y: Int32Array): boolean {
  let missed = false, lead = 0;
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const xy = row[y[r]];
    if (row.some((v, c) => c !== y[r] && v >= xy)) missed = true;
    lead += xy - row.reduce((a, b) => a + b, 0) / cols;
  }
  return missed && lead > 1e-6;
}

/** The derivative sums are differences of large terms: compare them against Σ|term| (scale 1e-5). */
function expectObjectiveClose(o: TemperatureObjective, x: Float32Array, rows: number, cols: number, y: Int32Array, t: number): void {
  const e = ref.temperatureObjective(x, rows, cols, y, t);
  expect(o.count).toBe(rows);
  expectScalarClose(o.nllSum, e.nllSum, 1e-6, 1e-12);
  expectScalarClose(o.gradSum, e.gradSum, 0, 1e-5 * e.gradAbs + 1e-12);
  expectScalarClose(o.hessSum, e.hessSum, 0, 1e-5 * e.hessAbs + 1e-12);
}

describe('temperatureObjective', () => {
  it('matches the float64 reference (NLL 1e-6 relative, derivatives 1e-5 of Σ|term|) on ragged shapes', () => {
    for (const [r, c] of SHAPES) {
      const x = mat(r, c, r * 7 + c, -10, 10), y = labels(r, c, r + c);
      for (const t of [0.05, 0.37, 1, 3, 40]) expectObjectiveClose(temperatureObjective(x, [r, c], y, { temperature: t }), x, r, c, y, t);
    }
  });

  it('keeps the derivatives within 1e-5 relative on calibrated logits (sums far from 0)', () => {
    const { logits, labels: y } = calibrated(500, 37, 2, 3);
    for (const t of [0.5, 1, 8]) {
      const o = temperatureObjective(logits, [500, 37], y, { temperature: t });
      const e = ref.temperatureObjective(logits, 500, 37, y, t);
      expectScalarClose(o.gradSum, e.gradSum, 1e-5);
      expectScalarClose(o.hessSum, e.hessSum, 1e-5);
    }
  });

  it('agrees with central finite differences of its own NLL and gradient (1e-4 relative)', () => {
    const { logits, labels: y } = calibrated(200, 13, 3, 5);
    for (const t of [0.7, 2, 6]) {
      const h = 1e-4 * t;
      const o = temperatureObjective(logits, [200, 13], y, { temperature: t });
      const up = temperatureObjective(logits, [200, 13], y, { temperature: t + h }), down = temperatureObjective(logits, [200, 13], y, { temperature: t - h });
      expectScalarClose(o.gradSum, (up.nllSum - down.nllSum) / (2 * h), 1e-4);
      expectScalarClose(o.hessSum, (up.gradSum - down.gradSum) / (2 * h), 1e-4);
    }
  });

  it('adds up over shards to the whole within 1e-12 relative', () => {
    const [r, c] = [301, 29];
    const x = mat(r, c, 11), y = labels(r, c, 12);
    const whole = temperatureObjective(x, [r, c], y, { temperature: 1.7 });
    const cuts = [0, 100, 101, 250, 301];
    const parts = cuts.slice(1).map((end, i) => {
      const start = cuts[i];
      return temperatureObjective(x.subarray(start * c, end * c), [end - start, c], y.subarray(start, end), { temperature: 1.7 });
    });
    const merged = mergeTemperatureObjectives(parts);
    expect(merged.count).toBe(r);
    expectScalarClose(merged.nllSum, whole.nllSum, 1e-12);
    expectScalarClose(merged.gradSum, whole.gradSum, 1e-12);
    expectScalarClose(merged.hessSum, whole.hessSum, 1e-12);
  });

  it('treats −Infinity logits as masks and matches the reference', () => {
    const x = new Float32Array([0, -Infinity, 1, 2, -Infinity, 3, -Infinity, -Infinity, 5]);
    const y = new Int32Array([2, 0, 8]);
    for (const t of [0.5, 2]) expectObjectiveClose(temperatureObjective(x, [1, 9], y.subarray(0, 1), { temperature: t }), x, 1, 9, y.subarray(0, 1), t);
    const rows = new Float32Array([0, -Infinity, 4, -Infinity, 1, 2]);
    expectObjectiveClose(temperatureObjective(rows, [2, 3], new Int32Array([2, 1]), { temperature: 1.3 }), rows, 2, 3, new Int32Array([2, 1]), 1.3);
  });

  it('handles logits of ±1e4 without overflow', () => {
    const x = new Float32Array([1e4, -1e4, 9999, 0, 1e4 - 0.5, -3e38]);
    const y = new Int32Array([2]);
    for (const t of [1, 100]) {
      const o = temperatureObjective(x, [1, 6], y, { temperature: t });
      expect(Number.isFinite(o.nllSum) && Number.isFinite(o.gradSum) && Number.isFinite(o.hessSum)).toBe(true);
      expectObjectiveClose(o, x, 1, 6, y, t);
    }
  });

  it('gives 0 NLL and derivatives for a single column', () => {
    expect(temperatureObjective(new Float32Array([3, -2]), [2, 1], new Int32Array([0, 0]), { temperature: 2 })).toEqual({ nllSum: 0, gradSum: 0, hessSum: 0, count: 2 });
  });

  it('returns zero sums and count 0 for zero rows, so empty shards merge', () => {
    expect(temperatureObjective(new Float32Array(0), [0, 4], new Int32Array(0), { temperature: 1 })).toEqual({ nllSum: 0, gradSum: 0, hessSum: 0, count: 0 });
  });

  it('leaves the caller arrays untouched', () => {
    const x = mat(4, 5, 2), y = labels(4, 5, 3);
    const xc = x.slice(), yc = y.slice();
    temperatureObjective(x, [4, 5], y, { temperature: 2 });
    expect(x).toEqual(xc);
    expect(y).toEqual(yc);
  });

  it('rejects a label on a masked logit with E_LABEL', () =>
    expectCode(() => temperatureObjective(new Float32Array([1, -Infinity, 2]), [1, 3], new Int32Array([1]), { temperature: 1 }), 'E_LABEL'));

  it('rejects labels outside [0, cols) with E_LABEL', () => {
    expectCode(() => temperatureObjective(mat(2, 3), [2, 3], new Int32Array([0, 3]), { temperature: 1 }), 'E_LABEL');
    expectCode(() => temperatureObjective(mat(2, 3), [2, 3], new Int32Array([-1, 0]), { temperature: 1 }), 'E_LABEL');
  });

  it('rejects NaN and +Infinity with E_NONFINITE and all-masked rows with E_MASKED', () => {
    const y = new Int32Array([0, 0]);
    expectCode(() => temperatureObjective(new Float32Array([1, 2, NaN, 4]), [2, 2], y, { temperature: 1 }), 'E_NONFINITE');
    expectCode(() => temperatureObjective(new Float32Array([1, Infinity, 3, 4]), [2, 2], y, { temperature: 1 }), 'E_NONFINITE');
    expectCode(() => temperatureObjective(new Float32Array([1, 2, -Infinity, -Infinity]), [2, 2], y, { temperature: 1 }), 'E_MASKED');
  });

  it('rejects bad shapes, dtypes and temperatures', () => {
    expectCode(() => temperatureObjective(mat(2, 3), [3, 3], new Int32Array(3), { temperature: 1 }), 'E_SHAPE');
    expectCode(() => temperatureObjective(mat(2, 3), [2, 3], new Int32Array(3), { temperature: 1 }), 'E_SHAPE');
    expectCode(() => temperatureObjective(mat(2, 3), [2, 3], new Float32Array(2) as unknown as Int32Array, { temperature: 1 }), 'E_DTYPE');
    expectCode(() => temperatureObjective(Array.from(mat(2, 3)) as unknown as Float32Array, [2, 3], new Int32Array(2), { temperature: 1 }), 'E_DTYPE');
    for (const t of [0, -1, NaN, Infinity]) expectCode(() => temperatureObjective(mat(2, 3), [2, 3], new Int32Array(2), { temperature: t }), 'E_TEMPERATURE');
  });

  it('matches the reference and is shift-invariant per row (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 1e6 }),
      fc.double({ min: 0.05, max: 50, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }),
      (r, c, seed, t, shift) => {
        const x = mat(r, c, seed, -8, 8), y = labels(r, c, seed + 1);
        const o = temperatureObjective(x, [r, c], y, { temperature: t });
        expectObjectiveClose(o, x, r, c, y, t);
        const moved = temperatureObjective(x.map((v) => v + shift), [r, c], y, { temperature: t });
        expectScalarClose(moved.nllSum, o.nllSum, 1e-4, 1e-4 * r);
      }), { numRuns: RUNS });
  });
});

describe('fitTemperature', () => {
  it('recovers the temperature logits were generated at within 1 %', () => {
    for (const t of [0.5, 2.5, 8]) {
      const { logits, labels: y } = calibrated(20_000, 10, t, Math.round(t * 10));
      const fit = fitTemperature(logits, [20_000, 10], y);
      expect(fit.converged).toBe(true);
      expectScalarClose(fit.temperature, t, 0.01);
    }
  });

  it('matches a float64 golden-section search within 1e-4 relative', () => {
    for (const [r, c, seed] of [[50, 13, 1], [400, 7, 2], [64, 100, 3], [8, 5, 6]] as const) {
      const { logits, labels: y } = calibrated(r, c, 1 + seed, seed);
      expect(finiteOptimum(logits, r, c, y)).toBe(true);
      const fit = fitTemperature(logits, [r, c], y);
      expect(fit.converged).toBe(true);
      expectScalarClose(fit.temperature, ref.fitTemperatureGolden(logits, r, c, y, 1e-2, 1e3), 1e-4);
      expectScalarClose(fit.nllAfter, ref.meanNll(logits, r, c, y, fit.temperature), 1e-6);
      expectScalarClose(fit.nllBefore, ref.meanNll(logits, r, c, y, 1), 1e-6);
      expect(fit.nllAfter).toBeLessThanOrEqual(fit.nllBefore);
    }
  });

  it('matches golden section on uniform random logits too (optimum at large T)', () => {
    const x = mat(50, 13, 3, -5, 5), y = labels(50, 13, 4);
    const fit = fitTemperature(x, [50, 13], y);
    expectScalarClose(fit.temperature, ref.fitTemperatureGolden(x, 50, 13, y, 1e-2, 1e3), 1e-4);
  });

  it('measures nllBefore at init and converges from a distant start', () => {
    const { logits, labels: y } = calibrated(300, 10, 3, 9);
    const a = fitTemperature(logits, [300, 10], y);
    for (const init of [1e-3, 0.1, 50, 1e4]) {
      const b = fitTemperature(logits, [300, 10], y, { initialTemperature: init });
      expectScalarClose(b.nllBefore, ref.meanNll(logits, 300, 10, y, init), 1e-6);
      expect(b.converged).toBe(true);
      expectScalarClose(b.temperature, a.temperature, 1e-5);
    }
  });

  it('uses few evaluations: at most 12 on calibrated data from T = 1', () => {
    const { logits, labels: y } = calibrated(2000, 20, 4, 4);
    expect(fitTemperature(logits, [2000, 20], y).evaluations).toBeLessThanOrEqual(12);
  });

  it('reports converged: false, heading to T → 0, when every label wins by a margin', () => {
    for (const margin of [5, 1e-3]) {
      const x = new Float32Array([margin, 0, 0, 0, margin, 0]);
      const fit = fitTemperature(x, [2, 3], new Int32Array([0, 1]));
      expect(fit.converged).toBe(false);
      expect(fit.temperature).toBeLessThan(margin / 30);
      expect(fit.nllAfter).toBeLessThan(1e-12);
    }
  });

  it('reports converged: false at the bound T = 1e6 when every label is the lowest logit', () => {
    const x = new Float32Array([5, 0, 3, 1, 5, 2]);
    const fit = fitTemperature(x, [2, 3], new Int32Array([1, 0]));
    expect(fit.converged).toBe(false);
    expectScalarClose(fit.temperature, 1e6, 1e-9);
  });

  it('stops at init when the NLL does not depend on T (all logits equal)', () => {
    const fit = fitTemperature(new Float32Array(12).fill(2), [3, 4], new Int32Array([0, 1, 2]), { initialTemperature: 3 });
    expect(fit).toEqual({ temperature: 3, nllBefore: Math.log(4), nllAfter: Math.log(4), evaluations: 1, converged: true, warnings: [] });
  });

  it('stops after maxEvaluations with converged: false and the best point seen', () => {
    const { logits, labels: y } = calibrated(300, 10, 5, 6);
    const fit = fitTemperature(logits, [300, 10], y, { maxEvaluations: 2 });
    expect(fit.evaluations).toBe(2);
    expect(fit.converged).toBe(false);
    expect(fit.warnings.map((w) => w.code)).toEqual(['W_NOT_CONVERGED']);
    expect(fit.nllAfter).toBeLessThanOrEqual(fit.nllBefore);
  });

  it('warns W_SEPARATED when every label is ranked first far apart (NLL 0: the optimum is T → 0), W_AT_BOUND when the NLL falls toward T → ∞, and nothing on a clean fit', () => {
    const separated = fitTemperature(new Float32Array([200, 0, 0, 200]), [2, 2], new Int32Array([0, 1]));
    expect(separated.converged).toBe(false);
    expect(separated.warnings.map((w) => w.code)).toEqual(['W_SEPARATED']);
    // Every label scores lowest: sharpening only hurts, the NLL keeps falling as T grows to the bound.
    const inverted = fitTemperature(new Float32Array([0, 5, 5, 0]), [2, 2], new Int32Array([0, 1]));
    expect(inverted.converged).toBe(false);
    expect(inverted.warnings.map((w) => w.code)).toEqual(['W_AT_BOUND']);
    const { logits, labels: y } = calibrated(300, 10, 5, 6);
    expect(fitTemperature(logits, [300, 10], y).warnings).toEqual([]);
  });

  it('ignores masked logits but fits the rest', () => {
    const { logits, labels: y } = calibrated(200, 8, 2, 8);
    const masked = new Float32Array(200 * 9).fill(-Infinity);
    for (let r = 0; r < 200; r++) masked.set(logits.subarray(r * 8, r * 8 + 8), r * 9);
    expectScalarClose(fitTemperature(masked, [200, 9], y).temperature, fitTemperature(logits, [200, 8], y).temperature, 1e-6);
  });

  it('rejects zero rows with E_EMPTY', () => expectCode(() => fitTemperature(new Float32Array(0), [0, 3], new Int32Array(0)), 'E_EMPTY'));

  it('rejects bad options', () => {
    const x = mat(2, 3), y = new Int32Array(2);
    for (const init of [0, -1, NaN, 1e7]) expectCode(() => fitTemperature(x, [2, 3], y, { initialTemperature: init }), 'E_TEMPERATURE');
    for (const tolerance of [0, -1, NaN, Infinity]) expectCode(() => fitTemperature(x, [2, 3], y, { tolerance }), 'E_ARGUMENT');
    for (const maxEvaluations of [0, 1.5, NaN]) expectCode(() => fitTemperature(x, [2, 3], y, { maxEvaluations }), 'E_ARGUMENT');
  });

  it('rejects bad data like temperatureObjective', () => {
    expectCode(() => fitTemperature(new Float32Array([1, NaN]), [1, 2], new Int32Array([0])), 'E_NONFINITE');
    expectCode(() => fitTemperature(new Float32Array([1, -Infinity]), [1, 2], new Int32Array([1])), 'E_LABEL');
    expectCode(() => fitTemperature(new Float32Array([1, 2]), [1, 2], new Int32Array([2])), 'E_LABEL');
  });

  it('scales with the logits: fit(k·x) = k·fit(x), and matches golden section (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 2, max: 40 }), fc.integer({ min: 2, max: 9 }), fc.integer({ min: 1, max: 1e6 }),
      fc.double({ min: 0.3, max: 6, noNaN: true }), fc.double({ min: 0.1, max: 10, noNaN: true }),
      (r, c, seed, t, k) => {
        const { logits, labels: y } = calibrated(r, c, t, seed);
        fc.pre(finiteOptimum(logits, r, c, y));
        const fit = fitTemperature(logits, [r, c], y);
        expect(fit.converged).toBe(true);
        const scaled = fitTemperature(logits.map((v) => k * v), [r, c], y);
        expect(scaled.converged).toBe(true);
        expectScalarClose(scaled.temperature, k * fit.temperature, 1e-4);
        // Two evaluations, each within 1e-6 of float64 (k·x is rounded to f32 again): 2e-6 apart at most.
        expectScalarClose(scaled.nllAfter, fit.nllAfter, 2e-6, 1e-9);
        expectScalarClose(fit.temperature, ref.fitTemperatureGolden(logits, r, c, y, 1e-3, 1e5), 1e-4);
      }), { numRuns: RUNS });
  });
});

describe('fitTemperatureWith', () => {
  const { logits, labels: y } = calibrated(900, 12, 3, 21);
  const shards = [[0, 300], [300, 301], [301, 900]].map(([a, b]) => ({ x: logits.subarray(a * 12, b * 12), y: y.subarray(a, b), rows: b - a }));
  const sharded = (t: number): TemperatureObjective => mergeTemperatureObjectives(shards.map((s) => temperatureObjective(s.x, [s.rows, 12], s.y, { temperature: t })));

  it('fits merged shard objectives to the same temperature as the whole (1e-9 relative)', () => {
    const whole = fitTemperature(logits, [900, 12], y);
    const fit = fitTemperatureWith(sharded);
    expectScalarClose(fit.temperature, whole.temperature, 1e-9);
    expectScalarClose(fit.nllAfter, whole.nllAfter, 1e-12);
    expect(fit.evaluations).toBe(whole.evaluations);
  });

  it('accepts options like fitTemperature', () => {
    expect(fitTemperatureWith(sharded, { maxEvaluations: 1 }).evaluations).toBe(1);
    expectCode(() => fitTemperatureWith(sharded, { tolerance: 0 }), 'E_ARGUMENT');
  });

  it('rejects a malformed objective: E_ARGUMENT for a wrong shape, E_EMPTY for count 0, E_NONFINITE for NaN', () => {
    expectCode(() => fitTemperatureWith('f' as unknown as () => TemperatureObjective), 'E_ARGUMENT');
    expectCode(() => fitTemperatureWith(() => ({ nll: 1 }) as unknown as TemperatureObjective), 'E_ARGUMENT');
    expectCode(() => fitTemperatureWith(() => ({ nllSum: 0, gradSum: 0, hessSum: 0, count: 0 })), 'E_EMPTY');
    expectCode(() => fitTemperatureWith(() => ({ nllSum: NaN, gradSum: 0, hessSum: 0, count: 3 })), 'E_NONFINITE');
  });
});

describe('fitTemperatureWithAsync', () => {
  it('drives an asynchronous objective to the same result as the synchronous one', async () => {
    const { logits, labels: y } = calibrated(500, 10, 2, 31);
    const whole = fitTemperature(logits, [500, 10], y);
    const seen: number[] = [];
    const fit = await fitTemperatureWithAsync(async (t) => {
      seen.push(t);
      await new Promise((resolve) => setTimeout(resolve, 0));
      return temperatureObjective(logits, [500, 10], y, { temperature: t });
    });
    expect(fit).toEqual(whole);
    expect(seen).toHaveLength(fit.evaluations);
    expect(seen[0]).toBe(1);
  });

  it('rejects with the objective’s error or a TStarError for bad output', async () => {
    await expect(fitTemperatureWithAsync(() => Promise.reject(new Error('worker died')))).rejects.toThrow('worker died');
    await expect(fitTemperatureWithAsync(async () => ({ nllSum: 1, gradSum: 0, hessSum: 0, count: 0 }))).rejects.toMatchObject({ code: 'E_EMPTY' });
    await expect(fitTemperatureWithAsync(async () => ({ nllSum: 1, gradSum: 0, hessSum: 0, count: 1 }), { initialTemperature: -1 })).rejects.toMatchObject({ code: 'E_TEMPERATURE' });
  });
});

describe('mergeTemperatureObjectives', () => {
  it('rejects parts that are not objectives (empty objects, null, NaN sums) with E_ARGUMENT, never NaN sums', () => {
    expectCode(() => mergeTemperatureObjectives([{}] as never), 'E_ARGUMENT');
    expectCode(() => mergeTemperatureObjectives([null] as never), 'E_ARGUMENT');
    expectCode(() => mergeTemperatureObjectives([{ nllSum: NaN, gradSum: 0, hessSum: 0, count: 1 }]), 'E_ARGUMENT');
  });
});

describe('resolveTemperature', () => {
  const { logits, labels: y } = calibrated(400, 10, 3, 9);
  it('keeps a given number, and reports T̂* beside it when featureDim is given', () => {
    expect(resolveTemperature(2.5)).toEqual({ temperature: 2.5, source: 'given', optimal: undefined, warnings: [] });
    const r = resolveTemperature(2.5, { featureDim: 512 });
    expect(r.temperature).toBe(2.5);
    expect(r.optimal).toEqual(optimalTemperature({ featureDim: 512 }));
  });
  it("gives T̂* for 'auto' (M = 512 → 11.674 within 1e-3) with the class and CSG terms passed through", () => {
    expect(resolveTemperature('auto', { featureDim: 512 }).temperature).toBeCloseTo(11.674, 3);
    const withTerms = resolveTemperature('auto', { featureDim: 512, numClasses: 100, csg: 0.5, coefficients: { gamma: 1, delta: 0.5 } });
    expect(withTerms.temperature).toBe(optimalTemperature({ featureDim: 512, numClasses: 100, csg: 0.5, coefficients: { gamma: 1, delta: 0.5 } }).temperature);
    expect(withTerms.source).toBe('auto');
  });
  it("fits for 'fit' exactly as fitTemperature does, and passes on its warnings", () => {
    const r = resolveTemperature('fit', { logits, shape: [400, 10], labels: y });
    const fit = fitTemperature(logits, [400, 10], y);
    expect(r).toMatchObject({ temperature: fit.temperature, source: 'fit', fit });
    const stopped = resolveTemperature('fit', { logits, shape: [400, 10], labels: y, fit: { maxEvaluations: 1 } });
    expect(stopped.warnings.map((w) => w.code)).toEqual(['W_NOT_CONVERGED']);
  });
  it('warns W_CLIPPED when T̂* was raised to its floor (M = 16: 0.7239·4 − 4.706 < 1)', () => {
    const r = resolveTemperature('auto', { featureDim: 16 });
    expect(r.temperature).toBe(1);
    expect(r.warnings.map((w) => w.code)).toEqual(['W_CLIPPED']);
  });
  it("rejects 'auto' without featureDim and 'fit' without data (E_ARGUMENT), and bad temperatures (E_TEMPERATURE)", () => {
    expectCode(() => resolveTemperature('auto'), 'E_ARGUMENT');
    expectCode(() => resolveTemperature('fit', { logits }), 'E_ARGUMENT');
    for (const bad of [0, -1, NaN, Infinity, 'hot', null]) expectCode(() => resolveTemperature(bad as never), 'E_TEMPERATURE');
    expectCode(() => resolveTemperature(1, null as never), 'E_ARGUMENT');
  });
});

/** Sigmoid logits z = t_c·s with s ~ N(0, 2²) and targets ~ Bernoulli(sigmoid(s)): column c is read at temperature t_c. */
function sigmoidData(rows: number, ts: readonly number[], seed: number): { z: Float32Array; t: Int32Array } {
  const r = rng(seed), cols = ts.length;
  const z = new Float32Array(rows * cols), t = new Int32Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) {
    const s = 2 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    t[i] = r() < 1 / (1 + Math.exp(-s)) ? 1 : 0;
    z[i] = ts[i % cols] * s;
  }
  return { z, t };
}

/** Σ over a column's entries of the binary cross-entropy of sigmoid(z / T), float64. */
function sigmoidNll(z: ArrayLike<number>, t: ArrayLike<number>, cols: number, col: number, T: number): number {
  let s = 0;
  for (let i = col; i < z.length; i += cols) {
    const u = z[i] / T;
    s += Math.max(u, 0) - t[i] * u + Math.log1p(Math.exp(-Math.abs(u)));
  }
  return s;
}

function golden(f: (s: number) => number, lo: number, hi: number): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(lo), b = Math.log(hi);
  while (b - a > 1e-10) {
    const c = b - g * (b - a), d = a + g * (b - a);
    if (f(Math.exp(c)) < f(Math.exp(d))) b = d;
    else a = c;
  }
  return Math.exp((a + b) / 2);
}

describe('sigmoidTemperatureObjective', () => {
  it('matches the float64 NLL and its central-difference derivatives per column', () => {
    const { z, t } = sigmoidData(300, [0.5, 1, 3], 4);
    const ts = [0.7, 1.3, 2.9];
    const parts = sigmoidTemperatureObjective(z, [300, 3], t, { temperature: ts });
    parts.forEach((o, c) => {
      const T = ts[c], h = 1e-4 * T;
      expect(o.count).toBe(300);
      expectScalarClose(o.nllSum, sigmoidNll(z, t, 3, c, T), 1e-12);
      expectScalarClose(o.gradSum, (sigmoidNll(z, t, 3, c, T + h) - sigmoidNll(z, t, 3, c, T - h)) / (2 * h), 1e-6, 1e-8);
      const d = (sigmoidNll(z, t, 3, c, T + h) - 2 * sigmoidNll(z, t, 3, c, T) + sigmoidNll(z, t, 3, c, T - h)) / (h * h);
      expectScalarClose(o.hessSum, d, 1e-4, 1e-6);
    });
  });
});

describe('fitSigmoidTemperature', () => {
  it('fits a binary head [n, 1] to the golden-section minimum of the float64 NLL and recovers the generating T', () => {
    const { z, t } = sigmoidData(20000, [2.5], 5);
    const fit = fitSigmoidTemperature(z, [20000, 1], t);
    expect(fit.converged).toBe(true);
    expect(fit.warnings).toEqual([]);
    expect(fit.temperatures.length).toBe(1);
    expectScalarClose(fit.temperatures[0], golden((T) => sigmoidNll(z, t, 1, 0, T), 0.01, 100), 1e-5);
    expectScalarClose(fit.temperatures[0], 2.5, 0.06);
    expectScalarClose(fit.nllBefore, sigmoidNll(z, t, 1, 0, 1) / 20000, 1e-9);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore);
  });

  it('fits one temperature per label on a multi-label head, or one shared', () => {
    const ts = [0.5, 2, 4];
    const { z, t } = sigmoidData(8000, ts, 6);
    const per = fitSigmoidTemperature(z, [8000, 3], t, { perLabel: true });
    expect(per.perLabel).toBe(true);
    per.temperatures.forEach((T, c) => {
      expectScalarClose(T, golden((v) => sigmoidNll(z, t, 3, c, v), 0.01, 100), 1e-5);
      expectScalarClose(T, ts[c], 0.1);
    });
    const shared = fitSigmoidTemperature(z, [8000, 3], t);
    const total = (v: number) => [0, 1, 2].reduce((a, c) => a + sigmoidNll(z, t, 3, c, v), 0);
    expectScalarClose(shared.temperatures[0], golden(total, 0.01, 100), 1e-5);
    expectScalarClose(shared.nllAfter, total(shared.temperatures[0]) / 8000, 1e-9);
    // Per label does at least as well as shared (each column at its own optimum).
    expect(per.nllAfter).toBeLessThanOrEqual(shared.nllAfter + 1e-12);
  });

  it('warns W_SEPARATED on a label its logits separate, naming the column', () => {
    const z = new Float32Array([-3, 1, 2, -1, 4, 0.5, -5, -2]), t = new Int32Array([0, 1, 1, 1, 1, 0, 0, 0]);
    const fit = fitSigmoidTemperature(z, [4, 2], t, { perLabel: true });
    expect(fit.converged).toBe(false);
    expect(fit.warnings.map((w) => w.code)).toEqual(['W_SEPARATED']);
    expect(fit.warnings[0].message).toMatch(/column 0/);
  });

  it('rejects class indices on a sigmoid head, and bad options', () => {
    expectCode(() => fitSigmoidTemperature(mat(4, 3), [4, 3], new Int32Array([0, 2, 1, 1])), 'E_SHAPE');
    expectCode(() => fitSigmoidTemperature(mat(4, 1), [4, 1], new Int32Array([0, 2, 1, 1])), 'E_LABEL');
    expectCode(() => fitSigmoidTemperature(mat(4, 1), [4, 1], new Int32Array(4), { perLabel: 'yes' as unknown as boolean }), 'E_ARGUMENT');
    expectCode(() => sigmoidTemperatureObjective(mat(4, 2), [4, 2], new Int32Array(8), { temperature: [1] }), 'E_TEMPERATURE');
  });
});

describe('fitTemperature: inputs and warnings', () => {
  it('refits probabilities through their logarithms, warning W_SATURATED on rows at exactly 1', () => {
    const { logits, labels: y } = calibrated(2000, 5, 2, 8);
    const p = softmax(logits, [2000, 5]);
    const a = fitTemperature(logits, [2000, 5], y), b = fitTemperature(p, [2000, 5], y, { inputs: 'probabilities' });
    expectScalarClose(b.temperature, a.temperature, 1e-4);
    expect(b.warnings).toEqual([]);
    p.set([1, 0, 0, 0, 0], 0);
    expect(fitTemperature(p, [2000, 5], y, { inputs: 'probabilities' }).warnings.map((w) => w.code)).toEqual(['W_SATURATED']);
  });

  it('warns W_LOOKS_LIKE_PROBABILITIES on softmax outputs passed as logits, W_LABELS_ONE_INDEXED on shifted labels', () => {
    const { logits, labels: y } = calibrated(600, 4, 1, 9);
    expect(fitTemperature(softmax(logits, [600, 4]), [600, 4], y).warnings.map((w) => w.code)).toContain('W_LOOKS_LIKE_PROBABILITIES');
    // Labels 1…3 on rows the model puts in class label − 1; rows of class 3 left out.
    const keep = Array.from(y.keys()).filter((i) => y[i] < 3);
    const x = Float32Array.from(keep.flatMap((i) => Array.from(logits.subarray(i * 4, i * 4 + 4))));
    const shifted = Int32Array.from(keep.map((i) => y[i] + 1));
    expect(fitTemperature(x, [keep.length, 4], shifted).warnings.map((w) => w.code)).toContain('W_LABELS_ONE_INDEXED');
    expect(fitTemperature(logits, [600, 4], y).warnings).toEqual([]);
  });
});
