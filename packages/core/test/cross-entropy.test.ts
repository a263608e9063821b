import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { crossEntropy } from '../src/index.js';
import * as ref from './reference.js';
import { mat, labels, expectClose, expectScalarClose, expectCode, SHAPES, RUNS, rng } from './helpers.js';

const GRAD = { rel: 1e-5, abs: 1e-7, floor: 1e-4 };

function softTargets(rows: number, cols: number, seed: number): Float32Array {
  const t = mat(rows, cols, seed, 0, 1);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += t[r * cols + c];
    for (let c = 0; c < cols; c++) t[r * cols + c] /= s;
  }
  return t;
}

describe('crossEntropy', () => {
  it('matches the float64 reference (loss 1e-6, grad and dT 1e-5) on ragged shapes', () => {
    for (const [r, c] of SHAPES) {
      for (const temperature of [1, 0.5, 4]) {
        const x = mat(r, c, r * 13 + c, -8, 8);
        const y = labels(r, c, c);
        const out = crossEntropy(x, [r, c], y, { temperature, grad: true });
        expectScalarClose(out.loss, ref.crossEntropyLoss(x, r, c, y, { temperature }).loss, 1e-6);
        const g = ref.crossEntropyGrad(x, r, c, y, { temperature });
        expectClose(out.grad, g.grad, GRAD);
        expectScalarClose(out.dTemperature, g.dT, 1e-5, 1e-9);
      }
    }
  });

  it("keeps loss and dT as accurate with 'fast' (the default) as with 'accurate' over wide rows, labels and soft targets", () => {
    const r = rng(31);
    for (let trial = 0; trial < 40; trial++) {
      const [rows, cols] = [1 + Math.floor(r() * 8), 16 + Math.floor(r() * 900)];
      const temperature = Math.exp((r() - 0.5) * 4);
      const x = mat(rows, cols, trial, -40 * temperature, 40 * temperature);
      for (const target of [labels(rows, cols, trial + 1), softTargets(rows, cols, trial + 2)]) {
        const want = ref.crossEntropyLoss(x, rows, cols, target, { temperature }).loss;
        const g = ref.crossEntropyGrad(x, rows, cols, target, { temperature });
        for (const precision of ['fast', 'accurate'] as const) {
          const out = crossEntropy(x, [rows, cols], target, { temperature, grad: true, precision });
          expectScalarClose(out.loss, want, 1e-6);
          expectScalarClose(out.dTemperature, g.dT, 1e-5, 1e-9);
          expectClose(out.grad, g.grad, GRAD);
        }
      }
    }
  });

  it('rejects an unknown precision with E_ARGUMENT', () => {
    expectCode(() => crossEntropy(mat(2, 20, 1), [2, 20], labels(2, 20), { precision: 'medium' as never }), 'E_ARGUMENT');
  });

  it('follows PyTorch for weights, label smoothing and ignoreIndex together', () => {
    const rows = 9, cols = 6;
    const x = mat(rows, cols, 4, -5, 5);
    const y = labels(rows, cols, 5);
    y[2] = -100; y[7] = -100;
    const weights = new Float32Array([0.5, 2, 1, 0.25, 3, 1]);
    for (const reduction of ['mean', 'sum'] as const) {
      const o = { temperature: 1.7, labelSmoothing: 0.1, weights, reduction };
      const out = crossEntropy(x, [rows, cols], y, { ...o, grad: true });
      expectScalarClose(out.loss, ref.crossEntropyLoss(x, rows, cols, y, o).loss, 1e-6);
      const g = ref.crossEntropyGrad(x, rows, cols, y, o);
      expectClose(out.grad, g.grad, GRAD);
      expectScalarClose(out.dTemperature, g.dT, 1e-5, 1e-9);
      for (let c = 0; c < cols; c++) expect(out.grad[2 * cols + c]).toBe(0);
    }
  });

  it('computes PyTorch\'s smoothed loss for logits [1, 2, 3], label 0, ε = 0.1', () => {
    // PyTorch: (1 − ε)·nll + ε/C·Σ_j −log_softmax_j
    const lsm = [1, 2, 3].map((v) => v - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)));
    const expected = -0.9 * lsm[0] - (0.1 / 3) * (lsm[0] + lsm[1] + lsm[2]);
    const { loss } = crossEntropy(new Float32Array([1, 2, 3]), [1, 3], new Int32Array([0]), { labelSmoothing: 0.1 });
    expectScalarClose(loss, expected, 1e-6);
  });

  it('returns per-row losses for reduction none, 0 on ignored rows', () => {
    const x = mat(5, 4, 8);
    const y = new Int32Array([0, 3, -1, 2, 1]);
    const out = crossEntropy(x, [5, 4], y, { reduction: 'none', ignoreIndex: -1 });
    expect(out.loss).toBeInstanceOf(Float32Array);
    expectClose(out.loss, ref.crossEntropyLoss(x, 5, 4, y, { reduction: 'none', ignoreIndex: -1 }).rowLoss, { rel: 1e-6 });
    expect(out.loss[2]).toBe(0);
  });

  it('takes soft targets of the logits shape, with weights and smoothing', () => {
    const rows = 7, cols = 5;
    const x = mat(rows, cols, 21);
    const t = softTargets(rows, cols, 22);
    const weights = new Float32Array([1, 2, 0.5, 1, 1.5]);
    const o = { temperature: 2, labelSmoothing: 0.05, weights };
    const out = crossEntropy(x, [rows, cols], t, { ...o, grad: true });
    expectScalarClose(out.loss, ref.crossEntropyLoss(x, rows, cols, t, o).loss, 1e-6);
    const g = ref.crossEntropyGrad(x, rows, cols, t, o);
    expectClose(out.grad, g.grad, GRAD);
    expectScalarClose(out.dTemperature, g.dT, 1e-5, 1e-9);
  });

  it('equals soft one-hot targets when given integer labels', () => {
    const x = mat(6, 9, 30);
    const y = labels(6, 9, 31);
    const onehot = new Float32Array(54);
    y.forEach((c, r) => (onehot[r * 9 + c] = 1));
    const a = crossEntropy(x, [6, 9], y, { grad: true, temperature: 3 });
    const b = crossEntropy(x, [6, 9], onehot, { grad: true, temperature: 3 });
    expectScalarClose(a.loss, b.loss, 1e-6);
    expectClose(a.grad, b.grad, GRAD);
  });

  it('has gradients equal to float64 finite differences of the loss in x and T', () => {
    const rows = 4, cols = 7, T = 1.3;
    const x = Float64Array.from(mat(rows, cols, 40, -3, 3));
    const y = labels(rows, cols, 41);
    const o = { labelSmoothing: 0.2, weights: new Float32Array([1, 2, 1, 0.5, 1, 3, 1]) };
    const f = (v: ArrayLike<number>, t: number): number => ref.crossEntropyLoss(v, rows, cols, y, { ...o, temperature: t }).loss;
    const h = 1e-6;
    const fd = x.map((_, i) => {
      const a = x.slice(), b = x.slice();
      a[i] += h; b[i] -= h;
      return (f(a, T) - f(b, T)) / (2 * h);
    });
    const out = crossEntropy(Float32Array.from(x), [rows, cols], y, { ...o, temperature: T, grad: true });
    expectClose(out.grad, fd, { rel: 1e-5, abs: 1e-7, floor: 1e-3 });
    expectScalarClose(out.dTemperature, (f(x, T + h) - f(x, T - h)) / (2 * h), 1e-5, 1e-8);
  });

  it('keeps the label gradient accurate when p_y ≈ 1 (cancellation)', () => {
    const x = new Float32Array([20, 0, -3, 1]);
    const y = new Int32Array([0]);
    const out = crossEntropy(x, [1, 4], y, { grad: true });
    const g = ref.crossEntropyGrad(x, 1, 4, y);
    expectClose(out.grad, g.grad, { rel: 1e-5 });
  });

  it('treats −Infinity logits as masks: zero gradient, no smoothing mass', () => {
    const x = new Float32Array([1, -Infinity, 2, 0.5, -Infinity, 3]);
    const y = new Int32Array([0, 2]);
    const o = { labelSmoothing: 0.3, temperature: 0.7 };
    const out = crossEntropy(x, [2, 3], y, { ...o, grad: true });
    expect(Number.isFinite(out.loss)).toBe(true);
    expectScalarClose(out.loss, ref.crossEntropyLoss(x, 2, 3, y, o).loss, 1e-6);
    expect(out.grad[1]).toBe(0);
    expect(out.grad[4]).toBe(0);
    expectClose(out.grad, ref.crossEntropyGrad(x, 2, 3, y, o).grad, GRAD);
    expectScalarClose(out.dTemperature, ref.crossEntropyGrad(x, 2, 3, y, o).dT, 1e-5, 1e-9);
    const soft = new Float32Array([0.6, 0, 0.4, 0.2, 0, 0.8]);
    const outSoft = crossEntropy(x, [2, 3], soft, { ...o, grad: true });
    expectScalarClose(outSoft.dTemperature, ref.crossEntropyGrad(x, 2, 3, soft, o).dT, 1e-5, 1e-9);
    expectClose(outSoft.grad, ref.crossEntropyGrad(x, 2, 3, soft, o).grad, GRAD);
  });

  it('stays finite for logits of ±1e4 and for T = 1e-3 and T = 1e3', () => {
    const x = new Float32Array([1e4, -1e4, 0, 9999, -1e4, 1e4]);
    const y = new Int32Array([1, 0]);
    for (const temperature of [1e-3, 1, 1e3]) {
      const out = crossEntropy(x, [2, 3], y, { temperature, grad: true });
      expectScalarClose(out.loss, ref.crossEntropyLoss(x, 2, 3, y, { temperature }).loss, 1e-6);
      expectClose(out.grad, ref.crossEntropyGrad(x, 2, 3, y, { temperature }).grad, GRAD);
      expectScalarClose(out.dTemperature, ref.crossEntropyGrad(x, 2, 3, y, { temperature }).dT, 1e-5, 1e-12);
    }
  });

  it('gives loss 0 and zero gradient for a single class', () => {
    const out = crossEntropy(new Float32Array([3, -2]), [2, 1], new Int32Array([0, 0]), { grad: true });
    expect(out.loss).toBe(0);
    expect(Array.from(out.grad)).toEqual([0, 0]);
  });

  it('reduces an empty batch to 0 with sum and refuses a mean with E_EMPTY', () => {
    expect(crossEntropy(new Float32Array(0), [0, 4], new Int32Array(0), { reduction: 'sum' }).loss).toBe(0);
    expectCode(() => crossEntropy(new Float32Array(0), [0, 4], new Int32Array(0)), 'E_EMPTY');
  });

  it('refuses a mean over ignored rows only with E_EMPTY', () =>
    expectCode(() => crossEntropy(mat(2, 3), [2, 3], new Int32Array([-100, -100])), 'E_EMPTY'));

  it('rejects labels out of range with E_LABEL, naming the row', () => {
    expectCode(() => crossEntropy(mat(2, 3), [2, 3], new Int32Array([0, 3])), 'E_LABEL');
    expectCode(() => crossEntropy(mat(2, 3), [2, 3], new Int32Array([-1, 0])), 'E_LABEL');
    expect(() => crossEntropy(mat(2, 3), [2, 3], new Int32Array([0, 3]))).toThrow(/row 1/);
  });

  it('rejects a label pointing at a masked logit with E_LABEL', () =>
    expectCode(() => crossEntropy(new Float32Array([-Infinity, 1]), [1, 2], new Int32Array([0])), 'E_LABEL'));

  it('rejects soft-target mass on a masked logit with E_LABEL', () =>
    expectCode(() => crossEntropy(new Float32Array([-Infinity, 1]), [1, 2], new Float32Array([0.5, 0.5])), 'E_LABEL'));

  it('rejects NaN or +Inf logits with E_NONFINITE and leaves the inputs untouched', () => {
    const x = new Float32Array([1, 2, NaN, 4]);
    const copy = x.slice();
    expectCode(() => crossEntropy(x, [2, 2], new Int32Array([0, 1]), { grad: true }), 'E_NONFINITE');
    expect(Array.from(x)).toEqual(Array.from(copy));
    expectCode(() => crossEntropy(new Float32Array([Infinity, 1]), [1, 2], new Int32Array([0])), 'E_NONFINITE');
  });

  it('rejects bad temperatures, dtypes, shapes and options', () => {
    const x = mat(2, 3);
    const y = new Int32Array([0, 1]);
    for (const temperature of [0, -1, NaN, Infinity]) expectCode(() => crossEntropy(x, [2, 3], y, { temperature }), 'E_TEMPERATURE');
    expectCode(() => crossEntropy(x, [2, 3], new Float64Array(2) as unknown as Int32Array), 'E_DTYPE');
    expectCode(() => crossEntropy(x, [2, 3], [0, 1] as unknown as Int32Array), 'E_DTYPE');
    expectCode(() => crossEntropy(x, [2, 3], new Int32Array(3)), 'E_SHAPE');
    expectCode(() => crossEntropy(x, [2, 3], new Float32Array(5)), 'E_SHAPE');
    expectCode(() => crossEntropy(x, [3, 3], y), 'E_SHAPE');
    expectCode(() => crossEntropy(x, [2, 3], y, { weights: new Float32Array(2) }), 'E_SHAPE');
    expectCode(() => crossEntropy(x, [2, 3], y, { weights: new Float32Array([1, NaN, 1]) }), 'E_NONFINITE');
    expectCode(() => crossEntropy(x, [2, 3], y, { weights: new Float32Array([1, -1, 1]) }), 'E_ARGUMENT');
    expectCode(() => crossEntropy(x, [2, 3], y, { labelSmoothing: 1.5 }), 'E_ARGUMENT');
    expectCode(() => crossEntropy(x, [2, 3], y, { reduction: 'avg' as 'mean' }), 'E_ARGUMENT');
    expectCode(() => crossEntropy(x, [2, 3], new Float32Array([0.5, NaN, 0.5, 1, 0, 0])), 'E_NONFINITE');
    expectCode(() => crossEntropy(x, [2, 3], new Float32Array([1.5, -0.5, 0, 1, 0, 0])), 'E_ARGUMENT');
  });

  it('property: loss, gradient and dT match the reference on random problems (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 24 }), fc.double({ min: 0.1, max: 20, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), fc.integer(),
        (rows, cols, temperature, labelSmoothing, weighted, seed) => {
          const r = rng(seed);
          const x = mat(rows, cols, seed, -30, 30);
          const y = labels(rows, cols, seed + 1);
          const weights = weighted ? Float32Array.from({ length: cols }, () => 0.1 + 2 * r()) : undefined;
          const o = { temperature, labelSmoothing, weights };
          const out = crossEntropy(x, [rows, cols], y, { ...o, grad: true });
          expectScalarClose(out.loss, ref.crossEntropyLoss(x, rows, cols, y, o).loss, 1e-6, 1e-9);
          const g = ref.crossEntropyGrad(x, rows, cols, y, o);
          const scale = g.grad.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
          // With smoothing, a·p_j and ε/C·w_j cancel; f32 probabilities bound the error by the row's scale.
          expectClose(out.grad, g.grad, { rel: 1e-5, abs: 1e-7 * scale + 1e-12, floor: Math.max(1e-2 * scale, 1e-9) });
          expectScalarClose(out.dTemperature, g.dT, 1e-5, 1e-6 * Math.abs(g.grad.reduce((a, b) => a + Math.abs(b), 0)) + 1e-9);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('property: the gradient of each row sums to 0 and equals (softmax − onehot)/T for plain labels (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 40 }), fc.integer(), (rows, cols, seed) => {
        const x = mat(rows, cols, seed);
        const y = labels(rows, cols, seed + 3);
        const { grad } = crossEntropy(x, [rows, cols], y, { grad: true, reduction: 'sum', temperature: 2 });
        const p = ref.softmax(x, rows, cols, 2);
        const expected = Float64Array.from(p, (v, i) => (v - (y[Math.floor(i / cols)] === i % cols ? 1 : 0)) / 2);
        expectClose(grad!, expected, { rel: 1e-5, abs: 1e-7, floor: 1e-3 });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('crossEntropy with an upstream gradient (for autograd custom gradients)', () => {
  const [r, c] = [23, 11];
  const x = mat(r, c, 71, -6, 6);
  const y = labels(r, c, 72);

  it('scales grad and dTemperature by a number, exactly as multiplying afterwards would (1e-6 relative)', () => {
    for (const reduction of ['mean', 'sum'] as const) {
      const plain = crossEntropy(x, [r, c], y, { temperature: 1.7, reduction, grad: true });
      const scaled = crossEntropy(x, [r, c], y, { temperature: 1.7, reduction, grad: true, upstream: -2.5 });
      expect(scaled.loss).toBe(plain.loss);
      expectClose(scaled.grad, plain.grad.map((g) => g * -2.5), { rel: 1e-6, abs: 1e-9 });
      expectScalarClose(scaled.dTemperature, plain.dTemperature * -2.5, 1e-6, 1e-12);
    }
  });

  it('takes one upstream value per row for reduction none: grad rows scaled, dT the weighted sum of row dTs', () => {
    const u = mat(1, r, 73, -2, 2);
    const got = crossEntropy(x, [r, c], y, { temperature: 0.8, reduction: 'none', grad: true, upstream: u });
    const plain = crossEntropy(x, [r, c], y, { temperature: 0.8, reduction: 'none', grad: true });
    expectClose(got.grad, plain.grad.map((g, i) => g * u[Math.floor(i / c)]), { rel: 1e-6, abs: 1e-9 });
    let dT = 0;
    for (let i = 0; i < r; i++) {
      dT += u[i] * crossEntropy(x.subarray(i * c, (i + 1) * c), [1, c], y.subarray(i, i + 1), { temperature: 0.8, grad: true }).dTemperature;
    }
    expectScalarClose(got.dTemperature, dT, 1e-6, 1e-9);
  });

  it('writes the gradient into gradOut and returns that array', () => {
    const gradOut = new Float32Array(r * c).fill(NaN);
    const got = crossEntropy(x, [r, c], y, { grad: true, gradOut });
    expect(got.grad).toBe(gradOut);
    expect(Array.from(gradOut)).toEqual(Array.from(crossEntropy(x, [r, c], y, { grad: true }).grad));
  });

  it('rejects a per-row upstream without reduction none (E_SHAPE), wrong lengths or dtypes, non-finite values, and gradOut without grad', () => {
    expectCode(() => crossEntropy(x, [r, c], y, { grad: true, upstream: new Float32Array(r) }), 'E_SHAPE');
    expectCode(() => crossEntropy(x, [r, c], y, { reduction: 'none', grad: true, upstream: new Float32Array(r - 1) }), 'E_SHAPE');
    expectCode(() => crossEntropy(x, [r, c], y, { reduction: 'none', grad: true, upstream: new Float64Array(r) as never }), 'E_DTYPE');
    expectCode(() => crossEntropy(x, [r, c], y, { grad: true, upstream: NaN }), 'E_NONFINITE');
    expectCode(() => crossEntropy(x, [r, c], y, { reduction: 'none', grad: true, upstream: new Float32Array(r).fill(Infinity) }), 'E_NONFINITE');
    expectCode(() => crossEntropy(x, [r, c], y, { gradOut: new Float32Array(r * c) }), 'E_ARGUMENT');
    expectCode(() => crossEntropy(x, [r, c], y, { grad: true, gradOut: new Float32Array(3) }), 'E_SHAPE');
  });

  it('reports a row of only −Infinity logits as E_MASKED, not as a NaN', () =>
    expectCode(() => crossEntropy(new Float32Array([-Infinity, -Infinity, 1, 2]), [2, 2], new Int32Array([0, 1])), 'E_MASKED'));
});

describe('shapes and options as adapters hand them over', () => {
  const x = mat(3, 4, 81);
  const y = labels(3, 4, 82);
  it('accepts a plain number[] shape (tfjs tensor.shape, onnxruntime dims as numbers)', () => {
    const shape: number[] = [3, 4];
    expect(crossEntropy(x, shape, y).loss).toBe(crossEntropy(x, [3, 4], y).loss);
  });
  it('rejects BigInt dims, three dims and fractional dims with E_SHAPE naming them, never a TypeError', () => {
    expectCode(() => crossEntropy(x, [3n, 4n] as never, y), 'E_SHAPE');
    expectCode(() => crossEntropy(x, [3, 4, 1], y), 'E_SHAPE');
    expectCode(() => crossEntropy(x, [1.5, 8], y), 'E_SHAPE');
    expect(() => crossEntropy(x, [3n, 4n] as never, y)).toThrow(/\[3n, 4n\]/);
  });
  it('rejects options = null with E_ARGUMENT', () => expectCode(() => crossEntropy(x, [3, 4], y, null as never), 'E_ARGUMENT'));
});

describe('crossEntropy at the extremes of float32', () => {
  it('gives a finite dL/dT (never NaN) for logits ±3e38, whose shifted values overflow float32, hard and soft targets', () => {
    for (const cols of [2, 5, 9]) {
      const x = Float32Array.from({ length: cols }, (_, j) => (j % 2 === 0 ? 3e38 : -3e38));
      const hard = crossEntropy(x, [1, cols], new Int32Array([0]), { grad: true });
      expect(Number.isFinite(hard.dTemperature), `hard, ${cols} cols`).toBe(true);
      expect(hard.grad.every(Number.isFinite)).toBe(true);
      const soft = crossEntropy(x, [1, cols], new Float32Array(cols).fill(1 / cols), { grad: true, labelSmoothing: 0.1 });
      expect(Number.isFinite(soft.dTemperature), `soft, ${cols} cols`).toBe(true);
    }
  });
});
