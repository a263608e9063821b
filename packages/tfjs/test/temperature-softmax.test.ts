import * as tf from '@tensorflow/tfjs';
import { softmax as coreSoftmax } from '@tstar/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KERNELS, registerKernels, softmaxWithTemperature, TemperatureSoftmax } from '../src/index.js';
import { expectClose, expectCode, expectNoLeak, HOST_BACKENDS, mat, ref, useBackend } from './helpers.js';

const SHAPES: Array<[number, number]> = [[1, 1], [3, 5], [8, 10], [4, 33]];
const TEMPERATURES = [0.5, 1, 3.7];

/** Σ w ⊙ f(x) for fixed seeded weights w: a scalar whose gradient exercises every output. */
function weighted(rows: number, cols: number): Float32Array {
  return mat(rows, cols, 99, -1, 1);
}

/** Central differences of Σ w ⊙ softmax(x / T) in float64, with respect to x and to T. */
function finiteDifferences(x: Float32Array, w: Float32Array, rows: number, cols: number, T: number): { dx: Float64Array; dT: number } {
  const f = (xs: ArrayLike<number>, t: number) => ref.softmax(xs, rows, cols, t).reduce((s, p, i) => s + p * w[i], 0);
  const h = 1e-5;
  const x64 = Float64Array.from(x);
  const dx = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x64[i];
    x64[i] = v + h;
    const up = f(x64, T);
    x64[i] = v - h;
    const down = f(x64, T);
    x64[i] = v;
    dx[i] = (up - down) / (2 * h);
  }
  const dT = (f(x64, T * (1 + h)) - f(x64, T * (1 - h))) / (2 * T * h);
  return { dx, dT };
}

describe.each(HOST_BACKENDS)('TemperatureSoftmax on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('is not backed by tstar kernels until registerKernels() is called', () => {
    expect(tf.getKernel(KERNELS.softmax, backend)).toBeUndefined();
  });

  it('matches the float64 reference within 2e-6 relative and tf.softmax(tf.div(x, T)) within 1e-5', async () => {
    for (const [r, c] of SHAPES) {
      for (const T of TEMPERATURES) {
        const x = mat(r, c, r * 100 + c);
        const layer = new TemperatureSoftmax({ temperature: T });
        await expectNoLeak(() => {
          const xt = tf.tensor2d(x, [r, c]);
          const y = layer.apply(xt) as tf.Tensor;
          const composed = tf.tidy(() => tf.softmax(tf.div(xt, T)));
          expectClose(y.dataSync(), ref.softmax(x, r, c, T), 2e-6, 1e-12);
          expectClose(y.dataSync(), composed.dataSync(), 1e-5, 1e-6);
          // Bit-identical to the core: the adapter adds no arithmetic of its own.
          expect(Array.from(y.dataSync())).toEqual(Array.from(coreSoftmax(x, [r, c], { temperature: T })));
          tf.dispose([xt, y, composed]);
        });
      }
    }
  });

  it('folds leading axes into rows (rank 3 input, softmax over the last axis)', async () => {
    const x = mat(2 * 3, 4, 7);
    await expectNoLeak(() => {
      const xt = tf.tensor3d(x, [2, 3, 4]);
      const y = new TemperatureSoftmax({ temperature: 2 }).apply(xt) as tf.Tensor;
      expect(y.shape).toEqual([2, 3, 4]);
      expectClose(y.dataSync(), ref.softmax(x, 6, 4, 2), 2e-6, 1e-12);
      tf.dispose([xt, y]);
    });
  });

  it('has the gradient of tf.grad over the composed expression (1e-5) and of float64 finite differences (1e-6 abs)', async () => {
    for (const [r, c] of SHAPES) {
      const T = 1.7;
      const x = mat(r, c, r + 3 * c, -3, 3);
      const w = weighted(r, c);
      const layer = new TemperatureSoftmax({ temperature: T });
      await expectNoLeak(() => {
        const xt = tf.tensor2d(x, [r, c]);
        const wt = tf.tensor2d(w, [r, c]);
        const ours = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(wt, layer.apply(v) as tf.Tensor)))(xt);
        const theirs = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(wt, tf.softmax(tf.div(v, T)))))(xt);
        expectClose(ours.dataSync(), theirs.dataSync(), 1e-5, 1e-3);
        expectClose(ours.dataSync(), finiteDifferences(x, w, r, c, T).dx, 1e-6, 1);
        expectClose(ours.dataSync(), ref.softmaxBackward(ref.softmax(x, r, c, T), w, r, c, T), 2e-6, 1e-3);
        tf.dispose([xt, wt, ours, theirs]);
      });
    }
  });

  it('trains a learnable T: dL/dT matches tf.grad of the composed expression (1e-5) and finite differences (1e-6)', async () => {
    const [r, c] = [6, 9];
    const x = mat(r, c, 5, -4, 4);
    const w = weighted(r, c);
    const T = 2.3;
    const layer = new TemperatureSoftmax({ temperature: T, learnable: true });
    const xt = tf.tensor2d(x, [r, c]);
    const wt = tf.tensor2d(w, [r, c]);
    layer.apply(xt); // builds the weight
    const t = layer.trainableWeights[0];
    expect(t.name).toMatch(/temperature/);
    const composedT = tf.variable(tf.scalar(T));
    await expectNoLeak(() => {
      const a = tf.variableGrads(() => tf.sum(tf.mul(wt, layer.apply(xt) as tf.Tensor)) as tf.Scalar, [t.read() as tf.Variable]);
      const ours = Object.values(a.grads)[0];
      const b = tf.variableGrads(() => tf.sum(tf.mul(wt, tf.softmax(tf.div(xt, composedT)))) as tf.Scalar, [composedT]);
      const theirs = b.grads[composedT.name];
      tf.dispose([a.value, b.value]);
      const fd = finiteDifferences(x, w, r, c, T).dT;
      expect(Math.abs(ours.dataSync()[0] - theirs.dataSync()[0])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(fd)));
      expect(Math.abs(ours.dataSync()[0] - fd)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
      expect(Math.abs(fd)).toBeGreaterThan(1e-3); // a gradient that is not trivially zero
      tf.dispose([ours, theirs]);
    });
    // One SGD step moves T against dL/dT.
    const before = layer.temperature;
    const dT = finiteDifferences(x, w, r, c, before).dT;
    tf.train.sgd(0.1).minimize(() => tf.sum(tf.mul(wt, layer.apply(xt) as tf.Tensor)) as tf.Scalar, false, [t.read() as tf.Variable]);
    expect(layer.temperature).toBeCloseTo(before - 0.1 * dT, 5);
    tf.dispose([xt, wt, composedT]);
    layer.dispose();
  });

  it('round-trips through model.save / tf.loadLayersModel (memory io handler) keeping T, fixed and learnable', async () => {
    for (const learnable of [false, true]) {
      const model = tf.sequential({
        layers: [tf.layers.dense({ units: 4, inputShape: [3], name: 'logits' }), new TemperatureSoftmax({ temperature: 3.25, learnable, name: 'ts' })],
      });
      if (learnable) (model.getLayer('ts') as TemperatureSoftmax).temperature = 1.75;
      let saved: tf.io.ModelArtifacts | undefined;
      await model.save(tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
      const layer = loaded.getLayer('ts');
      expect(layer).toBeInstanceOf(TemperatureSoftmax);
      expect((layer as TemperatureSoftmax).temperature).toBe(learnable ? 1.75 : 3.25);
      expect((layer as TemperatureSoftmax).learnable).toBe(learnable);
      const x = tf.tensor2d(mat(5, 3, 11), [5, 3]);
      const a = model.predict(x) as tf.Tensor, b = loaded.predict(x) as tf.Tensor;
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([x, a, b]);
      model.dispose();
      loaded.dispose();
    }
  });

  it('rejects T ≤ 0, non-finite or below 1/FLT_MAX with E_TEMPERATURE, a non-float input with E_DTYPE, NaN with E_NONFINITE, an all −Infinity row with E_MASKED — leaking nothing', async () => {
    for (const temperature of [0, -1, 1e-40, NaN, Infinity, '2' as unknown as number]) {
      await expectNoLeak(() => expectCode(() => new TemperatureSoftmax({ temperature }), 'E_TEMPERATURE', /temperature must be a finite number/));
    }
    const layer = new TemperatureSoftmax({ temperature: 2 });
    const ints = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    const nan = tf.tensor2d([1, NaN, 3, 4], [2, 2]);
    await expectNoLeak(() => expectCode(() => layer.apply(ints), 'E_DTYPE', /float32/));
    await expectNoLeak(() => expectCode(() => layer.apply(nan), 'E_NONFINITE'));
    const masked = tf.tensor2d([1, 2, -Infinity, -Infinity], [2, 2]);
    await expectNoLeak(() => expectCode(() => layer.apply(masked), 'E_MASKED', /row 1/));
    masked.dispose();
    await expectNoLeak(() => expectCode(() => softmaxWithTemperature(nan, 0), 'E_TEMPERATURE'));
    await expectNoLeak(() => expectCode(() => softmaxWithTemperature([1, 2] as unknown as tf.Tensor, 1), 'E_DTYPE', /tf.Tensor/));
    tf.dispose([ints, nan]);
  });

  it('runs on the registered tstar kernels after registerKernels(), same values, and restores on unregister', async () => {
    const x = mat(8, 10, 3);
    // 0.6 is not a float32: a kernel reading T from a float32 tensor would drift from the core.
    const expected = coreSoftmax(x, [8, 10], { temperature: 0.6 });
    const unregister = registerKernels();
    try {
      expect(registerKernels()).toBe(unregister); // idempotent
      const layer = new TemperatureSoftmax({ temperature: 0.6 });
      await expectNoLeak(async () => {
        const xt = tf.tensor2d(x, [8, 10]);
        const profile = await tf.profile(() => layer.apply(xt) as tf.Tensor);
        expect(profile.kernelNames).toContain(KERNELS.softmax);
        (profile.result as tf.Tensor).dispose();
        const y = layer.apply(xt) as tf.Tensor;
        expect(Array.from(y.dataSync())).toEqual(Array.from(expected));
        // Gradients flow through the registered gradient.
        const wt = tf.tensor2d(weighted(8, 10), [8, 10]);
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(wt, layer.apply(v) as tf.Tensor)))(xt);
        expectClose(g.dataSync(), ref.softmaxBackward(ref.softmax(x, 8, 10, 0.6), weighted(8, 10), 8, 10, 0.6), 2e-6, 1e-3);
        // A learnable T through the registered gradient: dL/dT as finite differences say.
        const learnable = new TemperatureSoftmax({ temperature: 1.3, learnable: true });
        tf.dispose(learnable.apply(xt) as tf.Tensor);
        const t = learnable.trainableWeights[0].read() as tf.Variable;
        const dT = tf.variableGrads(() => tf.sum(tf.mul(wt, learnable.apply(xt) as tf.Tensor)) as tf.Scalar, [t]);
        const fd = finiteDifferences(x, weighted(8, 10), 8, 10, 1.3).dT;
        expect(Math.abs(dT.grads[t.name].dataSync()[0] - fd)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
        tf.dispose([xt, y, wt, g, dT.value, dT.grads[t.name]]);
        learnable.dispose();
      });
    } finally {
      unregister();
    }
    expect(tf.getKernel(KERNELS.softmax, backend)).toBeUndefined();
    expect(tf.getKernel('Softmax', backend)).toBeDefined();
  });

  it('agrees with the float64 reference and the core on random shapes, values and temperatures (fast-check, 1e-5)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), fc.double({ min: 0.05, max: 50, noNaN: true }), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (rows, cols, T, seed) => {
          const x = mat(rows, cols, seed, -30, 30);
          const y = tf.tidy(() => new TemperatureSoftmax({ temperature: T }).apply(tf.tensor2d(x, [rows, cols])) as tf.Tensor);
          const values = y.dataSync();
          y.dispose();
          expectClose(values, ref.softmax(x, rows, cols, T), 1e-5, 1e-20);
          expect(Array.from(values)).toEqual(Array.from(coreSoftmax(x, [rows, cols], { temperature: T })));
        },
      ),
      { numRuns: 200 },
    );
  });
});

afterAll(() => tf.disposeVariables());
