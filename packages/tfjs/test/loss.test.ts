import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '@tstar/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNELS, registerKernels, temperatureCrossEntropy } from '../src/index.js';
import { composedCrossEntropy } from '../src/ops.js';
import { expectClose, expectCode, expectNoLeak, HOST_BACKENDS, labels, mat, ref, useBackend } from './helpers.js';

const CASES: Array<{ rows: number; cols: number; T: number; smoothing: number }> = [
  { rows: 1, cols: 2, T: 1, smoothing: 0 },
  { rows: 7, cols: 5, T: 3.5, smoothing: 0 },
  { rows: 16, cols: 10, T: 0.7, smoothing: 0.1 },
  { rows: 9, cols: 33, T: 12, smoothing: 0.25 },
];

function oneHot(y: Int32Array, cols: number): Float32Array {
  const t = new Float32Array(y.length * cols);
  y.forEach((c, r) => { t[r * cols + c] = 1; });
  return t;
}

/** Mean loss and its logits gradient through the loss as model.fit uses it (tf.mean of the per-row losses). */
function meanAndGrad(loss: (y: tf.Tensor, z: tf.Tensor) => tf.Tensor, yt: tf.Tensor, zt: tf.Tensor): { value: Float32Array; grad: Float32Array } {
  const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => tf.mean(loss(yt, z)) as tf.Scalar)(zt);
  const out = { value: value.dataSync() as Float32Array, grad: grad.dataSync() as Float32Array };
  tf.dispose([value, grad]);
  return out;
}

describe.each(HOST_BACKENDS)('temperatureCrossEntropy on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('matches the float64 reference (2e-6) and tf.losses.softmaxCrossEntropy (1e-5), one-hot and sparse', async () => {
    for (const { rows, cols, T, smoothing } of CASES) {
      const x = mat(rows, cols, rows * cols, -6, 6);
      const y = labels(rows, cols, rows + cols);
      const expected = ref.crossEntropyLoss(x, rows, cols, y, { temperature: T, labelSmoothing: smoothing });
      await expectNoLeak(() => {
        const zt = tf.tensor2d(x, [rows, cols]);
        const dense = tf.tensor2d(oneHot(y, cols), [rows, cols]);
        const sparse = tf.tensor1d(Float32Array.from(y));
        const a = temperatureCrossEntropy(T, { labelSmoothing: smoothing })(dense, zt);
        const b = temperatureCrossEntropy(T, { labelSmoothing: smoothing, sparse: true })(sparse, zt);
        expect(a.shape).toEqual([rows]);
        expectClose(a.dataSync(), expected.rowLoss, 2e-6, 1e-6);
        expectClose(b.dataSync(), expected.rowLoss, 2e-6, 1e-6);
        const theirs = tf.tidy(() => tf.losses.softmaxCrossEntropy(dense, tf.div(zt, T), undefined, smoothing, tf.Reduction.NONE));
        expectClose(a.dataSync(), theirs.dataSync(), 1e-5, 1e-4);
        tf.dispose([zt, dense, sparse, a, b, theirs]);
      });
    }
  });

  it('has the gradient of the reference (2e-6), of tf.grad over tf.losses.softmaxCrossEntropy (1e-6 abs), and of finite differences (1e-6 abs)', async () => {
    for (const { rows, cols, T, smoothing } of CASES) {
      const x = mat(rows, cols, 3 + rows, -6, 6);
      const y = labels(rows, cols, 5 + cols);
      const expected = ref.crossEntropyGrad(x, rows, cols, y, { temperature: T, labelSmoothing: smoothing });
      await expectNoLeak(() => {
        const zt = tf.tensor2d(x, [rows, cols]);
        const dense = tf.tensor2d(oneHot(y, cols), [rows, cols]);
        const ours = meanAndGrad(temperatureCrossEntropy(T, { labelSmoothing: smoothing }), dense, zt);
        const sparse = tf.tensor2d(Float32Array.from(y), [rows, 1]);
        const oursSparse = meanAndGrad(temperatureCrossEntropy(T, { labelSmoothing: smoothing, sparse: true }), sparse, zt);
        const theirs = meanAndGrad((yy, z) => tf.losses.softmaxCrossEntropy(yy, tf.div(z, T), undefined, smoothing, tf.Reduction.NONE), dense, zt);
        expectClose(ours.grad, expected.grad, 2e-6, 1e-4);
        expectClose(oursSparse.grad, expected.grad, 2e-6, 1e-4);
        expectClose(ours.grad, theirs.grad, 1e-6, 1); // absolute: tfjs' own f32 gradient is off by up to 7e-5 relative on small entries
        // Central differences of the float64 mean loss.
        const h = 1e-5, x64 = Float64Array.from(x), fd = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) {
          const v = x64[i];
          x64[i] = v + h; const up = ref.crossEntropyLoss(x64, rows, cols, y, { temperature: T, labelSmoothing: smoothing }).loss;
          x64[i] = v - h; const down = ref.crossEntropyLoss(x64, rows, cols, y, { temperature: T, labelSmoothing: smoothing }).loss;
          x64[i] = v; fd[i] = (up - down) / (2 * h);
        }
        expectClose(ours.grad, fd, 1e-6, 1);
        tf.dispose([zt, dense, sparse]);
      });
    }
  });

  it('takes float32 tensors whose host data is int32 (the cpu backend casts int32 → float32 by metadata only)', async () => {
    const [rows, cols, T] = [5, 4, 1.5];
    const y = labels(rows, cols, 12);
    const xi = Int32Array.from(mat(rows, cols, 11), (v) => Math.round(v));
    const expected = ref.crossEntropyLoss(Float32Array.from(xi), rows, cols, y, { temperature: T }).rowLoss;
    await expectNoLeak(() => {
      const out = tf.tidy(() => {
        const onehot = tf.oneHot(tf.tensor1d(y, 'int32'), cols).toFloat();
        const logits = tf.tensor2d(xi, [rows, cols], 'int32').toFloat();
        return temperatureCrossEntropy(T)(onehot, logits);
      });
      expectClose(out.dataSync(), expected, 2e-6, 1e-6);
      out.dispose();
    });
  });

  it('scales dL/dlogits by the incoming gradient (sample weights: row r scaled by w_r)', async () => {
    const [rows, cols, T] = [6, 4, 2];
    const x = mat(rows, cols, 77);
    const y = labels(rows, cols, 78);
    const w = Float32Array.from([0, 1, 2, 0.5, 3, 1]);
    await expectNoLeak(() => {
      const zt = tf.tensor2d(x, [rows, cols]), yt = tf.tensor1d(Float32Array.from(y)), wt = tf.tensor1d(w);
      const loss = temperatureCrossEntropy(T, { sparse: true });
      const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(loss(yt, z), wt)))(zt);
      const plain = crossEntropy(x, [rows, cols], y, { temperature: T, reduction: 'none', grad: true }).grad as Float32Array;
      const expected = Float64Array.from(plain, (v, i) => v * w[Math.floor(i / cols)]);
      expectClose(g.dataSync(), expected, 1e-7, 1e-6);
      tf.dispose([zt, yt, wt, g]);
    });
  });

  it('agrees with the registered TStarCrossEntropy kernel, which appears in tf.profile', async () => {
    const [rows, cols, T] = [12, 7, 4.5];
    const x = mat(rows, cols, 31);
    const y = labels(rows, cols, 32);
    const zt = tf.tensor2d(x, [rows, cols]), yt = tf.tensor1d(Float32Array.from(y));
    const loss = temperatureCrossEntropy(T, { sparse: true, labelSmoothing: 0.05 });
    const direct = meanAndGrad(loss, yt, zt);
    const unregister = registerKernels();
    try {
      await expectNoLeak(async () => {
        const profile = await tf.profile(() => loss(yt, zt));
        expect(profile.kernelNames).toContain(KERNELS.crossEntropy);
        (profile.result as tf.Tensor).dispose();
        const viaKernel = meanAndGrad(loss, yt, zt);
        expect(Array.from(viaKernel.value)).toEqual(Array.from(direct.value));
        expect(Array.from(viaKernel.grad)).toEqual(Array.from(direct.grad));
      });
    } finally {
      unregister();
    }
    tf.dispose([zt, yt]);
  });

  it('the composed form (what GPU backends run) matches the reference within 1e-5', () => {
    const [rows, cols, T] = [10, 6, 2.2];
    const x = mat(rows, cols, 41), y = labels(rows, cols, 42);
    const out = tf.tidy(() => composedCrossEntropy(tf.tensor1d(Float32Array.from(y)), tf.tensor2d(x, [rows, cols]), { temperature: T, labelSmoothing: 0.1, sparse: true }));
    expectClose(out.dataSync(), ref.crossEntropyLoss(x, rows, cols, y, { temperature: T, labelSmoothing: 0.1 }).rowLoss, 1e-5, 1e-4);
    out.dispose();
  });

  it('rejects bad temperatures, options, shapes and labels with TStarError, leaking nothing', async () => {
    for (const T of [0, -2, NaN, Infinity]) await expectCode(() => temperatureCrossEntropy(T), 'E_TEMPERATURE');
    await expectCode(() => temperatureCrossEntropy(1, { labelSmoothing: 1.5 }), 'E_ARGUMENT', /labelSmoothing/);
    await expectCode(() => temperatureCrossEntropy(1, { sparse: 'yes' as unknown as boolean }), 'E_ARGUMENT', /sparse/);
    const z = tf.tensor2d(mat(4, 3, 1), [4, 3]);
    const sparse = temperatureCrossEntropy(2, { sparse: true });
    const dense = temperatureCrossEntropy(2);
    const cases: Array<[() => unknown, string, RegExp]> = [
      [() => sparse(tf.tensor1d([0, 1, 2]), z), 'E_SHAPE', /\[4\] or \[4, 1\]/],
      [() => dense(tf.tensor1d([0, 1, 2, 1]), z), 'E_SHAPE', /\[4, 3\]/],
      [() => sparse(tf.tensor1d([0, 1, 3, 1]), z), 'E_LABEL', /label/],
      [() => sparse(tf.tensor1d([0, 1, -1, 1]), z), 'E_LABEL', /label/],
      [() => sparse(tf.tensor1d([0, 1.5, 2, 1]), z), 'E_LABEL', /integer/],
      [() => sparse(tf.tensor1d([0, 1, 2, 1]), tf.tensor1d([1, 2, 3])), 'E_SHAPE', /rank 2/],
      [() => sparse(tf.tensor1d([0, 1, 2, 1]), tf.tensor2d([1, NaN, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3], [4, 3])), 'E_NONFINITE', /NaN/],
      [() => dense(tf.tensor2d(new Float32Array(12).fill(-1), [4, 3]), z), 'E_ARGUMENT', /≥ 0/],
      [() => sparse({ shape: [4], dataId: {} } as unknown as tf.Tensor, z), 'E_ARGUMENT', /another copy/],
    ];
    for (const [fn, code, message] of cases) {
      await expectNoLeak(() => expectCode(() => tf.tidy(() => fn() as tf.Tensor), code, message));
    }
    z.dispose();
  });

  it('matches the float64 reference on random shapes, temperatures and smoothing, and the core bit for bit (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }), fc.integer({ min: 2, max: 30 }), fc.double({ min: 0.1, max: 30, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (rows, cols, T, smoothing, seed) => {
          const x = mat(rows, cols, seed, -20, 20), y = labels(rows, cols, seed + 1);
          const out = tf.tidy(() => temperatureCrossEntropy(T, { sparse: true, labelSmoothing: smoothing })(tf.tensor1d(y, 'int32'), tf.tensor2d(x, [rows, cols])));
          const values = out.dataSync();
          out.dispose();
          expectClose(values, ref.crossEntropyLoss(x, rows, cols, y, { temperature: T, labelSmoothing: smoothing }).rowLoss, 1e-5, 1e-5);
          expect(Array.from(values)).toEqual(Array.from(crossEntropy(x, [rows, cols], y, { temperature: T, labelSmoothing: smoothing, reduction: 'none' }).loss));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('trains a logits model with model.fit (the loss reaches tfjs through compile)', async () => {
    const [rows, cols] = [32, 3];
    const x = mat(rows, 4, 9);
    // A learnable task: the label is the argmax of the first three features.
    const y = Int32Array.from({ length: rows }, (_, r) => [0, 1, 2].reduce((best, j) => (x[r * 4 + j] > x[r * 4 + best] ? j : best), 0));
    const model = tf.sequential({ layers: [tf.layers.dense({ units: cols, inputShape: [4], kernelInitializer: 'zeros' })] });
    model.compile({ optimizer: tf.train.sgd(0.2), loss: temperatureCrossEntropy(2) });
    // One-hot targets: tfjs checks targets against the output shape unless the loss is its own sparse one.
    const xt = tf.tensor2d(x, [rows, 4]), yt = tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), cols).toFloat());
    const start = model.evaluate(xt, yt) as tf.Scalar;
    // Zero weights: every logit is 0, so the loss is ln 3 whatever T is.
    expect(Math.abs(start.dataSync()[0] - Math.log(3))).toBeLessThan(1e-6);
    start.dispose();
    const before = tf.memory().numTensors;
    const history = await model.fit(xt, yt, { epochs: 5, batchSize: 8, verbose: 0, shuffle: false });
    expect(tf.memory().numTensors).toBe(before);
    const losses = history.history.loss as number[];
    for (let e = 1; e < losses.length; e++) expect(losses[e]).toBeLessThan(losses[e - 1]);
    expect(losses[4]).toBeLessThan(0.9 * Math.log(3));
    tf.dispose([xt, yt]);
    model.dispose();
  });
});
