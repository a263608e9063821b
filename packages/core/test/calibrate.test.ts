import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { TStarError } from '../src/index.js';
import { calibrate, applyScaler, checkScaler, parseScaler, calibrationMetrics, fitTemperature, softmax, seededRandom, type Scaler } from '../src/index.js';
import * as ref from './reference.js';
import { mat, labels, rng, expectClose, expectCode, expectScalarClose } from './helpers.js';

/** Logits t·z of a model whose true scores are z (labels ~ softmax(z)): overconfident for t > 1. */
function model(rows: number, cols: number, t: number, seed: number): { x: Float32Array; y: Int32Array } {
  const u = rng(seed);
  const x = new Float32Array(rows * cols), y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const z = Array.from({ length: cols }, () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
    z[Math.floor(u() * cols)] += 2.5;
    const p = ref.softmax(z, 1, cols);
    let q = u(), c = 0;
    while (c < cols - 1 && q >= p[c]) q -= p[c++];
    y[r] = c;
    z.forEach((v, j) => { x[r * cols + j] = t * v; });
  }
  return { x, y };
}

function rowsOf(x: Float32Array, cols: number, rows: number[]): Float32Array {
  return Float32Array.from(rows.flatMap((r) => Array.from(x.subarray(r * cols, (r + 1) * cols))));
}

describe('calibrate', () => {
  it('holds out a seeded share of the rows and reports held-out metrics before and after the fitted temperature', () => {
    const { x, y } = model(2000, 5, 2.5, 1);
    const report = calibrate(x, [2000, 5], y, { seed: 3 });
    expect(report.method).toBe('temperature');
    expect(report.split).toEqual({ source: 'split', fitRows: 1600, validationRows: 400, fraction: 0.2, seed: 3 });
    expect(report.warnings).toEqual([]);
    // The held-out rows are the first 400 of the seeded Fisher–Yates order.
    const order = Array.from({ length: 2000 }, (_, i) => i);
    const u = seededRandom(3);
    for (let i = 1999; i > 0; i--) {
      const j = Math.floor(u() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const held = order.slice(0, 400).sort((a, b) => a - b), kept = order.slice(400).sort((a, b) => a - b);
    const fit = fitTemperature(rowsOf(x, 5, kept), [1600, 5], Int32Array.from(kept, (r) => y[r]));
    expect(report.scaler).toEqual({ method: 'temperature', temperature: fit.temperature });
    const vx = rowsOf(x, 5, held), vy = Int32Array.from(held, (r) => y[r]);
    expect(report.before.ece).toBe(calibrationMetrics(vx, [400, 5], vy).ece);
    expect(report.after.nll).toBe(calibrationMetrics(vx, [400, 5], vy, { temperature: fit.temperature }).nll);
    expectScalarClose(fit.temperature, 2.5, 0.15);
    expect(report.after.ece).toBeLessThan(report.before.ece);
    expect(calibrate(x, [2000, 5], y, { seed: 3 })).toEqual(report);
    expect(calibrate(x, [2000, 5], y, { seed: 4 }).scaler).not.toEqual(report.scaler);
  });

  it('fits on all rows and measures on a given validation set', () => {
    const a = model(1000, 4, 2, 2), b = model(300, 4, 2, 3);
    const report = calibrate(a.x, [1000, 4], a.y, { validation: { input: b.x, labels: b.y } });
    expect(report.split).toEqual({ source: 'validation', fitRows: 1000, validationRows: 300 });
    expect(report.scaler).toEqual({ method: 'temperature', temperature: fitTemperature(a.x, [1000, 4], a.y).temperature });
    expect(report.before.accuracy).toBe(calibrationMetrics(b.x, [300, 4], b.y).accuracy);
  });

  it('fits vector scaling and Platt scaling, and sigmoid temperatures per label', () => {
    const { x, y } = model(3000, 3, 1.8, 4);
    const v = calibrate(x, [3000, 3], y, { method: 'vector' });
    expect(v.scaler.method).toBe('vector');
    expect(v.after.nll).toBeLessThan(v.before.nll);
    const u = rng(5);
    const z = Float32Array.from({ length: 4000 }, () => 6 * (u() - 0.5));
    const t = Int32Array.from(z, (s) => (u() < 1 / (1 + Math.exp(-(0.5 * s + 0.3))) ? 1 : 0));
    const p = calibrate(z, [4000, 1], t, { method: 'platt' });
    expect(p.head).toBe('sigmoid');
    expect(p.scaler.method).toBe('platt');
    expect(p.after.nll).toBeLessThan(p.before.nll);
    const m = calibrate(mat(500, 3, 6, -5, 5), [500, 3], labels(1500, 2, 6), { head: 'sigmoid', perLabel: true });
    expect(m.scaler.method).toBe('sigmoid-temperature');
    expect((m.scaler as { temperatures: number[] }).temperatures.length).toBe(3);
  });

  it('warns W_ECE_WORSE and W_NLL_WORSE when the scaler does worse on held-out rows, and neither on a clean split', () => {
    // Fit rows overconfident (logits ×3), validation rows underconfident (×0.5): the fitted T > 1 makes them worse.
    const fitSet = model(2000, 4, 3, 7), val = model(1000, 4, 0.5, 8);
    const report = calibrate(fitSet.x, [2000, 4], fitSet.y, { validation: { input: val.x, labels: val.y } });
    expect(report.warnings.map((w) => w.code).sort()).toEqual(['W_ECE_WORSE', 'W_NLL_WORSE']);
    expect(report.after.ece).toBeGreaterThan(report.before.ece);
    const clean = model(1000, 4, 3, 9);
    expect(calibrate(fitSet.x, [2000, 4], fitSet.y, { validation: { input: clean.x, labels: clean.y } }).warnings).toEqual([]);
  });

  it('passes on the fit’s and the inputs’ warnings', () => {
    const { x, y } = model(400, 4, 2, 10);
    expect(calibrate(x, [400, 4], y, { maxEvaluations: 2 }).warnings.map((w) => w.code)).toContain('W_NOT_CONVERGED');
    const p = softmax(x, [400, 4]);
    expect(calibrate(p, [400, 4], y).warnings.map((w) => w.code)).toContain('W_LOOKS_LIKE_PROBABILITIES');
    p.set([1, 0, 0, 0], 0);
    expect(calibrate(p, [400, 4], y, { inputs: 'probabilities' }).warnings.map((w) => w.code)).toContain('W_SATURATED');
    const keep = Array.from(y.keys()).filter((i) => y[i] < 3);
    const shifted = calibrate(rowsOf(x, 4, keep), [keep.length, 4], Int32Array.from(keep, (i) => y[i] + 1));
    expect(shifted.warnings.map((w) => w.code)).toContain('W_LABELS_ONE_INDEXED');
  });

  it('rejects bad input and options with TStarError', () => {
    const { x, y } = model(50, 3, 1, 11);
    expectCode(() => calibrate(x, [50, 3], y, { method: 'platt' }), 'E_SHAPE');
    expectCode(() => calibrate(x, [50, 3], new Int32Array(150), { method: 'vector', head: 'sigmoid' }), 'E_ARGUMENT');
    expectCode(() => calibrate(mat(50, 1), [50, 1], Int32Array.from({ length: 50 }, (_, i) => i % 3), { method: 'platt' }), 'E_LABEL');
    expectCode(() => calibrate(x.subarray(0, 3), [1, 3], y.subarray(0, 1)), 'E_EMPTY');
    expectCode(() => calibrate(x, [50, 3], y, { validationFraction: 1 }), 'E_ARGUMENT');
    expectCode(() => calibrate(x, [50, 3], y, { method: 'isotonic' as 'vector' }), 'E_ARGUMENT');
    expectCode(() => calibrate(x, [50, 3], y, { validation: { input: mat(5, 2), labels: new Int32Array(5) } }), 'E_SHAPE');
    expectCode(() => calibrate(x, [50, 3], y, { validation: { input: mat(5, 3), labels: new Int32Array([0, 1, 2, 3, 0]) } }), 'E_LABEL');
    const probs = new Float32Array([0.5, 0.6, -0.1, 0.2, 0.2, 0.6]);
    expectCode(() => calibrate(probs, [2, 3], new Int32Array([0, 1]), { inputs: 'probabilities' }), 'E_ARGUMENT');
  });
});

describe('applyScaler', () => {
  const x = mat(6, 3, 12, -4, 4);
  it('applies each scaler as its formula says', () => {
    const cases: [Scaler, (i: number) => number][] = [
      [{ method: 'temperature', temperature: 2 }, (i) => x[i] / 2],
      [{ method: 'vector', scale: [1, 2, 0.5], bias: [0, 1, -1] }, (i) => [1, 2, 0.5][i % 3] * x[i] + [0, 1, -1][i % 3]],
      [{ method: 'sigmoid-temperature', temperatures: [1, 2, 4] }, (i) => x[i] / [1, 2, 4][i % 3]],
    ];
    for (const [scaler, f] of cases) {
      const logits = applyScaler(x, [6, 3], scaler, { output: 'logits' });
      expectClose(logits, Array.from({ length: 18 }, (_, i) => f(i)), { rel: 1e-6, abs: 1e-6 });
      const p = applyScaler(x, [6, 3], scaler);
      const expected = scaler.method === 'sigmoid-temperature' ? Array.from(logits, (u) => 1 / (1 + Math.exp(-u))) : ref.softmax(logits, 6, 3);
      expectClose(p, expected, { rel: 1e-6, abs: 1e-7 });
    }
    const z = mat(5, 1, 13, -6, 6);
    expectClose(applyScaler(z, [5, 1], { method: 'platt', scale: 0.5, bias: -1 }), Array.from(z, (v) => 1 / (1 + Math.exp(-(0.5 * v - 1)))), { rel: 1e-6 });
  });

  it('rejects unknown or malformed scalers', () => {
    expectCode(() => applyScaler(x, [6, 3], { method: 'isotonic' } as unknown as Scaler), 'E_ARGUMENT');
    expectCode(() => applyScaler(x, [6, 3], { method: 'vector', scale: [1], bias: [0] }), 'E_ARGUMENT');
    expectCode(() => applyScaler(x, [6, 3], { method: 'temperature', temperature: 0 }), 'E_TEMPERATURE');
    expectCode(() => applyScaler(x, [6, 3], { method: 'platt', scale: 1, bias: 0 }), 'E_SHAPE');
  });
});

describe('checkScaler / parseScaler', () => {
  it('returns a clean copy of every well-formed scaler, and calibrate()s own scalers pass', () => {
    const good: [Scaler, number | undefined][] = [
      [{ method: 'temperature', temperature: 1.5 }, 7],
      [{ method: 'sigmoid-temperature', temperatures: [2] }, 4],
      [{ method: 'sigmoid-temperature', temperatures: [1, 2, 3] }, 3],
      [{ method: 'vector', scale: [1, 2], bias: [0, -1] }, 2],
      [{ method: 'vector', scale: [1, 2], bias: [0, -1] }, undefined],
      [{ method: 'platt', scale: -0.5, bias: 3 }, 1],
    ];
    for (const [scaler, classes] of good) {
      const copy = checkScaler(scaler, classes);
      expect(copy).toEqual(scaler);
      expect(copy).not.toBe(scaler);
      expect(parseScaler(JSON.stringify(scaler, null, 2), classes)).toEqual(scaler);
    }
    const { x, y } = model(400, 4, 2, 31);
    for (const method of ['temperature', 'vector'] as const) {
      const { scaler } = calibrate(x, [400, 4], y, { method });
      expect(parseScaler(JSON.stringify(scaler), 4)).toEqual(scaler);
    }
  });

  it('rejects a malformed scaler with a stable code naming what arrived', () => {
    const bad: [unknown, number | undefined, string][] = [
      [null, undefined, 'E_ARGUMENT'],
      [[1, 2], undefined, 'E_ARGUMENT'],
      [{ method: 'isotonic' }, undefined, 'E_ARGUMENT'],
      [{ temperature: 2 }, undefined, 'E_ARGUMENT'],
      [{ method: 'temperature', temperature: 2, bias: 1 }, undefined, 'E_ARGUMENT'],
      [{ method: 'temperature', temperature: 'NaN' }, undefined, 'E_TEMPERATURE'],
      [{ method: 'temperature', temperature: -1 }, undefined, 'E_TEMPERATURE'],
      [{ method: 'sigmoid-temperature', temperatures: [] }, undefined, 'E_ARGUMENT'],
      [{ method: 'sigmoid-temperature', temperatures: [1, 2] }, 3, 'E_ARGUMENT'],
      [{ method: 'sigmoid-temperature', temperatures: [1, Infinity] }, 2, 'E_TEMPERATURE'],
      [{ method: 'vector', scale: [1, 2], bias: [0] }, undefined, 'E_ARGUMENT'],
      [{ method: 'vector', scale: [1, 2], bias: [0, 0] }, 3, 'E_ARGUMENT'],
      [{ method: 'vector', scale: [1, NaN], bias: [0, 0] }, 2, 'E_ARGUMENT'],
      [{ method: 'vector', scale: [1, 1e39], bias: [0, 0] }, 2, 'E_ARGUMENT'],
      [{ method: 'vector', scale: [1, 1], bias: [0, '0'] }, 2, 'E_ARGUMENT'],
      [{ method: 'platt', scale: 1 }, 1, 'E_ARGUMENT'],
      [{ method: 'platt', scale: 1, bias: 0 }, 2, 'E_SHAPE'],
      [{ method: 'temperature', temperature: 1 }, 0, 'E_ARGUMENT'],
    ];
    for (const [value, classes, code] of bad) expectCode(() => checkScaler(value, classes), code);
    expect(() => checkScaler({ scaler: { method: 'temperature', temperature: 1 } })).toThrow(/pass its \.scaler/);
    expectCode(() => parseScaler('{"method": "temperature", "temperature": 1', 3), 'E_ARGUMENT');
    expectCode(() => parseScaler({ method: 'temperature', temperature: 1 } as unknown as string), 'E_ARGUMENT');
    // The CLI writes non-finite numbers as strings ("NaN"): they are refused, not read as numbers.
    expectCode(() => parseScaler('{"method": "platt", "scale": "Infinity", "bias": 0}', 1), 'E_ARGUMENT');
  });
});

describe('checkScaler properties', () => {
  const f32 = fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((v) => (Object.is(v, -0) ? 0 : v));
  const temperature = fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(1e-3), max: 1e3 });
  const scaler = fc.integer({ min: 1, max: 6 }).chain((classes) => fc.tuple(fc.constant(classes), fc.oneof(
    temperature.map((t): Scaler => ({ method: 'temperature', temperature: t })),
    fc.array(temperature, { minLength: classes, maxLength: classes }).chain((ts) => fc.constantFrom<Scaler>({ method: 'sigmoid-temperature', temperatures: ts }, { method: 'sigmoid-temperature', temperatures: ts.slice(0, 1) })),
    fc.tuple(fc.array(f32, { minLength: classes, maxLength: classes }), fc.array(f32, { minLength: classes, maxLength: classes })).map(([scale, bias]): Scaler => ({ method: 'vector', scale, bias })),
    fc.tuple(f32, f32).map(([a, b]): Scaler => ({ method: 'platt', scale: a, bias: b })),
  )));
  const numberPaths = (s: Scaler): (string | number)[][] => {
    switch (s.method) {
      case 'temperature': return [['temperature']];
      case 'sigmoid-temperature': return s.temperatures.map((_, i) => ['temperatures', i]);
      case 'vector': return [...s.scale.map((_, i) => ['scale', i]), ...s.bias.map((_, i) => ['bias', i])];
      case 'platt': return [['scale'], ['bias']];
    }
  };

  it('any well-formed scaler survives JSON (as the CLI writes it) unchanged; any one parameter made NaN, ±Infinity, a string or null is refused', () => {
    fc.assert(fc.property(scaler, fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity, 'NaN', null), ([classes, s], pick, bad) => {
      const cols = s.method === 'platt' ? 1 : classes;
      expect(parseScaler(JSON.stringify(s, null, 2), cols)).toEqual(s);
      const paths = numberPaths(s);
      const path = paths[pick % paths.length];
      const broken = JSON.parse(JSON.stringify(s));
      let at = broken;
      for (const key of path.slice(0, -1)) at = at[key];
      at[path[path.length - 1]] = bad;
      let caught: unknown;
      try { checkScaler(broken, cols); } catch (e) { caught = e; }
      expect(caught).toBeInstanceOf(TStarError);
      expect(['E_ARGUMENT', 'E_TEMPERATURE']).toContain((caught as TStarError).code);
    }), { numRuns: 300 });
  });
});
