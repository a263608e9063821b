import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { optimalTemperature, fitCoefficients, DEFAULT_COEFFICIENTS, CSG_FLOOR, type CoefficientRow } from '../src/index.js';
import { expectCode, expectScalarClose, rng, RUNS } from './helpers.js';

// arXiv 2504.15594, the fitted rule T̂* = 0.7239·√M − 4.706: 0.7239·√M − 4.706 evaluated at common widths (3 decimals).
const BASE_RULE: ReadonlyArray<readonly [number, number]> = [
  [64, 1.085], [128, 3.484], [256, 6.876], [512, 11.674], [768, 15.355],
  [1024, 18.459], [1280, 21.193], [2048, 28.054], [4096, 41.624],
];

describe('optimalTemperature', () => {
  it('gives the published values 11.67, 15.35 and 28.05 for M = 512, 768, 2048 (within 0.005, 0.006 and 0.005: the paper rounds to two decimals)', () => {
    expectScalarClose(optimalTemperature({ featureDim: 512 }).temperature, 11.67, 0, 0.005);
    expectScalarClose(optimalTemperature({ featureDim: 768 }).temperature, 15.35, 0, 0.006);
    expectScalarClose(optimalTemperature({ featureDim: 2048 }).temperature, 28.05, 0, 0.005);
  });

  it('matches the base rule 0.7239·√M − 4.706 at common widths within 5e-4', () => {
    for (const [m, t] of BASE_RULE) {
      const r = optimalTemperature({ featureDim: m });
      expectScalarClose(r.temperature, t, 0, 5e-4);
      expect(r.base).toBe(r.temperature);
      expect(r.clipped).toBe(false);
    }
  });

  it('clips to the floor of 1 where the rule is below it (M ≤ 62) and reports the raw base', () => {
    for (const m of [1, 2, 42, 43, 62]) {
      const r = optimalTemperature({ featureDim: m });
      expect(r.temperature).toBe(1);
      expect(r.clipped).toBe(true);
      expectScalarClose(r.base, 0.7239 * Math.sqrt(m) - 4.706, 1e-15, 1e-15);
    }
    expect(optimalTemperature({ featureDim: 42 }).base).toBeLessThanOrEqual(0);
    expect(optimalTemperature({ featureDim: 63 }).clipped).toBe(false);
  });

  it('applies a custom floor and ceiling', () => {
    expect(optimalTemperature({ featureDim: 1, coefficients: { floor: 0.05 } }).temperature).toBe(0.05);
    const capped = optimalTemperature({ featureDim: 4096, coefficients: { ceiling: 20 } });
    expect(capped.temperature).toBe(20);
    expect(capped.clipped).toBe(true);
    expect(optimalTemperature({ featureDim: 512, coefficients: { floor: -Infinity } }).temperature).toBeCloseTo(11.674, 3);
  });

  it('uses the defaults: α = 0.7239, β = −4.706, γ = δ = 0, floor 1, ceiling Infinity, frozen', () => {
    expect(DEFAULT_COEFFICIENTS).toEqual({ alpha: 0.7239, beta: -4.706, gamma: 0, delta: 0, floor: 1, ceiling: Infinity });
    expect(Object.isFrozen(DEFAULT_COEFFICIENTS)).toBe(true);
    expect(optimalTemperature({ featureDim: 512 }).coefficients).toEqual(DEFAULT_COEFFICIENTS);
  });

  it('adds γ·ln(csg) and δ·ln(cn) only when their inputs are given', () => {
    const coefficients = { gamma: 0.5, delta: -0.25 };
    const none = optimalTemperature({ featureDim: 1024, coefficients });
    expect(none.csgTerm).toBe(0);
    expect(none.classTerm).toBe(0);
    expect(none.temperature).toBeCloseTo(18.4588, 10);
    const both = optimalTemperature({ featureDim: 1024, csg: 2, numClasses: 100, coefficients });
    expectScalarClose(both.csgTerm, 0.5 * Math.log(2), 1e-15);
    expectScalarClose(both.classTerm, -0.25 * Math.log(100), 1e-15);
    expectScalarClose(both.temperature, 18.4588 + 0.5 * Math.log(2) - 0.25 * Math.log(100), 1e-14);
    expect(both.coefficients).toEqual({ ...DEFAULT_COEFFICIENTS, ...coefficients });
  });

  it('gives exactly 0 for the terms under the default γ = δ = 0, even for csg = 0', () => {
    const r = optimalTemperature({ featureDim: 512, csg: 0, numClasses: 10 });
    expect(r.csgTerm).toBe(0);
    expect(r.classTerm).toBe(0);
    expect(r.temperature).toBe(r.base);
  });

  it('floors csg = 0 at CSG_FLOOR before the logarithm and reports the floor', () => {
    const r = optimalTemperature({ featureDim: 4096, csg: 0, coefficients: { gamma: 0.1 } });
    expect(r.csgFloor).toBe(CSG_FLOOR);
    expectScalarClose(r.csgTerm, 0.1 * Math.log(1e-12), 1e-15);
    expect(Number.isFinite(r.temperature)).toBe(true);
  });

  it('rejects featureDim below 1 or not an integer with E_ARGUMENT', () => {
    for (const featureDim of [0, -3, 1.5, NaN, Infinity, '512' as unknown as number]) expectCode(() => optimalTemperature({ featureDim }), 'E_ARGUMENT');
  });

  it('rejects numClasses below 2 or not an integer with E_ARGUMENT', () => {
    for (const numClasses of [1, 0, 2.5, NaN]) expectCode(() => optimalTemperature({ featureDim: 64, numClasses }), 'E_ARGUMENT');
  });

  it('rejects a negative or non-finite csg with E_ARGUMENT', () => {
    for (const csg of [-1e-9, NaN, Infinity]) expectCode(() => optimalTemperature({ featureDim: 64, csg }), 'E_ARGUMENT');
  });

  it('rejects non-finite coefficients and floor > ceiling with E_ARGUMENT', () => {
    for (const coefficients of [{ alpha: NaN }, { beta: Infinity }, { gamma: -Infinity }, { delta: NaN }, { floor: NaN }, { floor: Infinity }, { ceiling: -Infinity }, { floor: 5, ceiling: 4 }]) {
      expectCode(() => optimalTemperature({ featureDim: 64, coefficients }), 'E_ARGUMENT');
    }
    expectCode(() => optimalTemperature(null as unknown as { featureDim: number }), 'E_ARGUMENT');
  });

  it('stays within [floor, ceiling] and grows with M for α > 0 (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1 << 20 }), fc.integer({ min: 1, max: 1 << 20 }),
      fc.double({ min: 0.01, max: 5, noNaN: true }), fc.double({ min: -50, max: 50, noNaN: true }),
      fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }),
      (m1, m2, alpha, beta, floor, width) => {
        const coefficients = { alpha, beta, floor, ceiling: floor + width };
        const a = optimalTemperature({ featureDim: Math.min(m1, m2), coefficients });
        const b = optimalTemperature({ featureDim: Math.max(m1, m2), coefficients });
        expect(a.temperature).toBeGreaterThanOrEqual(floor);
        expect(b.temperature).toBeLessThanOrEqual(floor + width);
        expect(b.temperature).toBeGreaterThanOrEqual(a.temperature);
      }), { numRuns: RUNS });
  });
});

function sweep(coefficients: { alpha: number; beta: number; gamma?: number; delta?: number }, n: number, seed: number, noise = 0): CoefficientRow[] {
  const r = rng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return Array.from({ length: n }, () => {
    const featureDim = 16 + Math.floor(r() * 4080);
    const csg = 0.01 + 5 * r();
    const numClasses = 2 + Math.floor(r() * 998);
    const t = coefficients.alpha * Math.sqrt(featureDim) + coefficients.beta
      + (coefficients.gamma ?? 0) * Math.log(csg) + (coefficients.delta ?? 0) * Math.log(numClasses) + noise * normal();
    if (!(t > 0)) throw new Error(`sweep: coefficients ${JSON.stringify(coefficients)} give T = ${t}`);
    return { featureDim, csg, numClasses, temperature: t };
  });
}

describe('fitCoefficients', () => {
  it('recovers α and β exactly (1e-10) from rows on the published rule', () => {
    const rows = [64, 128, 256, 512, 1024, 2048, 4096].map((featureDim) => ({ featureDim, temperature: 0.7239 * Math.sqrt(featureDim) - 4.706 }));
    const fit = fitCoefficients(rows);
    expect(fit.fitted).toEqual(['alpha', 'beta']);
    expectScalarClose(fit.coefficients.alpha, 0.7239, 1e-10);
    expectScalarClose(fit.coefficients.beta, -4.706, 1e-10);
    expect(fit.coefficients.gamma).toBe(0);
    expect(fit.coefficients.delta).toBe(0);
    expect(fit.coefficients.floor).toBe(1);
    expect(fit.coefficients.ceiling).toBe(Infinity);
    expect(fit.rows).toBe(7);
    expect(fit.residuals).toHaveLength(7);
    for (const e of fit.residuals) expect(Math.abs(e)).toBeLessThan(1e-10);
    expectScalarClose(fit.r2, 1, 1e-12);
  });

  it('recovers all four coefficients (1e-9) when every row has csg and numClasses', () => {
    const truth = { alpha: 0.8, beta: 8, gamma: 0.4, delta: -0.7 };
    const fit = fitCoefficients(sweep(truth, 40, 3));
    expect(fit.fitted).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    for (const key of ['alpha', 'beta', 'gamma', 'delta'] as const) expectScalarClose(fit.coefficients[key], truth[key], 1e-9);
  });

  it('recovers coefficients from noisy rows (σ = 0.05, 400 rows) within 0.03 (α within 0.002) and gives R² > 0.999', () => {
    const truth = { alpha: 0.7239, beta: 2, gamma: 0.3, delta: 0.2 };
    const fit = fitCoefficients(sweep(truth, 400, 5, 0.05));
    for (const key of ['alpha', 'beta', 'gamma', 'delta'] as const) expectScalarClose(fit.coefficients[key], truth[key], 0, 0.03);
    expectScalarClose(fit.coefficients.alpha, truth.alpha, 0, 0.002);
    expect(fit.r2).toBeGreaterThan(0.999);
    let ss = 0;
    for (const e of fit.residuals) ss += e * e;
    expectScalarClose(Math.sqrt(ss / fit.rows), 0.05, 0.15);
  });

  it('fits γ only when every row has csg, δ only when every row has numClasses', () => {
    const rows = sweep({ alpha: 1, beta: 0, gamma: 0.5 }, 20, 7);
    const noClasses = rows.map(({ numClasses: _, ...row }) => row);
    expect(fitCoefficients(noClasses).fitted).toEqual(['alpha', 'beta', 'gamma']);
    const partial = rows.map((row, i) => (i === 3 ? { featureDim: row.featureDim, temperature: row.temperature } : row));
    expect(fitCoefficients(partial).fitted).toEqual(['alpha', 'beta']);
  });

  it('follows explicit options: false leaves a term out, true demands it on every row', () => {
    const rows = sweep({ alpha: 1, beta: 0 }, 20, 9);
    const fit = fitCoefficients(rows, { csg: false, numClasses: false, floor: 0.5, ceiling: 50 });
    expect(fit.fitted).toEqual(['alpha', 'beta']);
    expect(fit.coefficients.floor).toBe(0.5);
    expect(fit.coefficients.ceiling).toBe(50);
    expectCode(() => fitCoefficients([{ featureDim: 64, temperature: 2 }, { featureDim: 256, temperature: 7 }, { featureDim: 1024, temperature: 18 }], { numClasses: true }), 'E_ARGUMENT');
    expectCode(() => fitCoefficients(rows, { csg: 'yes' as unknown as boolean }), 'E_ARGUMENT');
  });

  it('refuses a sweep where every row has the same featureDim with E_ARGUMENT', () => {
    expectCode(() => fitCoefficients([{ featureDim: 512, temperature: 10 }, { featureDim: 512, temperature: 12 }, { featureDim: 512, temperature: 11 }]), 'E_ARGUMENT');
  });

  it('refuses a sweep where numClasses never varies with E_ARGUMENT (δ would be confounded with β)', () => {
    const rows = [64, 256, 1024, 4096].map((featureDim) => ({ featureDim, numClasses: 10, temperature: Math.sqrt(featureDim) }));
    expectCode(() => fitCoefficients(rows), 'E_ARGUMENT');
    expect(fitCoefficients(rows, { numClasses: false }).fitted).toEqual(['alpha', 'beta']);
  });

  it('refuses fewer rows than coefficients with E_ARGUMENT', () => {
    expectCode(() => fitCoefficients([]), 'E_ARGUMENT');
    expectCode(() => fitCoefficients([{ featureDim: 64, temperature: 2 }]), 'E_ARGUMENT');
  });

  it('rejects bad rows with E_ARGUMENT', () => {
    const good = { featureDim: 64, temperature: 2 };
    for (const bad of [{ featureDim: 0, temperature: 1 }, { featureDim: 64, temperature: 0 }, { featureDim: 64, temperature: NaN },
      { featureDim: 64, csg: -1, temperature: 1 }, { featureDim: 64, numClasses: 1, temperature: 1 }, null]) {
      expectCode(() => fitCoefficients([good, { featureDim: 256, temperature: 7 }, bad as CoefficientRow]), 'E_ARGUMENT');
    }
    expectCode(() => fitCoefficients('rows' as unknown as CoefficientRow[]), 'E_ARGUMENT');
  });

  it('gives R² = 1 when every temperature is equal and the fit is exact', () => {
    const fit = fitCoefficients([16, 64, 256].map((featureDim) => ({ featureDim, temperature: 3 })));
    expectScalarClose(fit.coefficients.alpha, 0, 0, 1e-12);
    expectScalarClose(fit.coefficients.beta, 3, 1e-12);
    expect(fit.r2).toBe(1);
  });

  it('recovers random coefficients from exact rows and its fit feeds optimalTemperature (property)', () => {
    fc.assert(fc.property(
      fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -20, max: 20, noNaN: true }),
      fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: 1, max: 1e6 }),
      (alpha, beta, gamma, delta, seed) => {
        const rows = sweep({ alpha: 1, beta: 0 }, 12, seed).map((row) => ({
          ...row, temperature: alpha * Math.sqrt(row.featureDim) + beta + gamma * Math.log(row.csg!) + delta * Math.log(row.numClasses!),
        }));
        // Temperatures of either sign are fine for the least squares; only the row check needs T > 0.
        const shift = 1 - Math.min(...rows.map((row) => row.temperature));
        const fit = fitCoefficients(rows.map((row) => ({ ...row, temperature: row.temperature + Math.max(shift, 0) })));
        expectScalarClose(fit.coefficients.alpha, alpha, 1e-7, 1e-7);
        expectScalarClose(fit.coefficients.beta, beta + Math.max(shift, 0), 1e-7, 1e-7);
        expectScalarClose(fit.coefficients.gamma, gamma, 1e-7, 1e-7);
        expectScalarClose(fit.coefficients.delta, delta, 1e-7, 1e-7);
        const row = rows[0];
        const t = optimalTemperature({ featureDim: row.featureDim, csg: row.csg, numClasses: row.numClasses, coefficients: { ...fit.coefficients, floor: -Infinity } });
        expectScalarClose(t.temperature, row.temperature + Math.max(shift, 0), 1e-7, 1e-7);
      }), { numRuns: RUNS });
  });
});

describe('coefficients at the extremes of float64', () => {
  it('fitCoefficients rejects sweeps whose fitted coefficients overflow (E_ARGUMENT), never NaN α, β', () => {
    const rows = [{ featureDim: 64, temperature: 1e308 }, { featureDim: 256, temperature: 1.7e308 }, { featureDim: 1024, temperature: 1e300 }];
    expectCode(() => fitCoefficients(rows), 'E_ARGUMENT');
  });
  it('optimalTemperature rejects coefficients that make T̂* infinite (E_ARGUMENT), never returns Infinity', () =>
    expectCode(() => optimalTemperature({ featureDim: 4096, coefficients: { alpha: 1e308 } }), 'E_ARGUMENT'));
});
