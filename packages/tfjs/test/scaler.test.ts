import * as tf from '@tensorflow/tfjs';
import { applyScaler, calibrate, type Scaler } from '@tstar/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logitsModel, scaledProbabilities, ScalerOutput, withScaler } from '../src/index.js';
import { composedScaler } from '../src/scaler.js';
import { iris, nsfwjsArtifacts } from './fixtures.js';
import { expectClose, expectCode, HOST_BACKENDS, mat, rng, useBackend } from './helpers.js';

const SCALERS: [string, Scaler, number][] = [
  ['temperature', { method: 'temperature', temperature: 1.7 }, 5],
  ['vector', { method: 'vector', scale: [0.5, 1.25, 2, 0.8, 1], bias: [0.3, -0.2, 0, 1.1, -0.7] }, 5],
  ['sigmoid-temperature shared', { method: 'sigmoid-temperature', temperatures: [2.5] }, 5],
  ['sigmoid-temperature per label', { method: 'sigmoid-temperature', temperatures: [0.5, 1, 2, 3, 4] }, 5],
  ['platt', { method: 'platt', scale: 0.75, bias: -0.4 }, 1],
];

async function values(t: tf.Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

describe.each(HOST_BACKENDS)('scaledProbabilities on %s: the core applyScaler on a tensor', (backend) => {
  beforeAll(async () => useBackend(backend));

  it.each(SCALERS)('%s: probabilities and scaled logits equal the core on the same logits', async (_name, scaler, cols) => {
    const data = mat(7, cols, 11, -6, 6);
    for (const output of ['probabilities', 'logits'] as const) {
      const x = tf.tensor2d(data, [7, cols]);
      const before = tf.memory().numTensors;
      const y = scaledProbabilities(x, scaler, { output });
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(y.shape).toEqual([7, cols]);
      // Same function of the same float32 inputs: equal up to the last bit of float32.
      expectClose(await values(y), applyScaler(data, [7, cols], scaler, { output }), 1e-7, 1e-30);
      x.dispose();
    }
  });

  it('folds leading axes into rows and takes the JSON text tstar calibrate writes', async () => {
    const scaler = SCALERS[1][1];
    const data = mat(12, 5, 3);
    const x = tf.tensor3d(data, [2, 6, 5]);
    const y = scaledProbabilities(x, JSON.stringify(scaler, null, 2));
    expect(y.shape).toEqual([2, 6, 5]);
    expectClose(await values(y), applyScaler(data, [12, 5], scaler), 1e-7, 1e-30);
    x.dispose();
  });

  it('rejects a bad scaler or input with a TStarError and leaks nothing', async () => {
    const x = tf.tensor2d(mat(3, 5, 4), [3, 5]);
    const before = tf.memory().numTensors;
    await expectCode(() => scaledProbabilities(x, { method: 'isotonic' } as unknown as Scaler), 'E_ARGUMENT');
    await expectCode(() => scaledProbabilities(x, { method: 'vector', scale: [1, 1], bias: [0, 0] }), 'E_ARGUMENT', /5/);
    await expectCode(() => scaledProbabilities(x, { method: 'vector', scale: [1, 1, 1, NaN, 1], bias: [0, 0, 0, 0, 0] }), 'E_ARGUMENT');
    await expectCode(() => scaledProbabilities(x, { method: 'sigmoid-temperature', temperatures: [1, 2] }), 'E_ARGUMENT');
    await expectCode(() => scaledProbabilities(x, { method: 'temperature', temperature: -1 }), 'E_TEMPERATURE');
    await expectCode(() => scaledProbabilities(x, { method: 'platt', scale: 1, bias: 0 }), 'E_SHAPE');
    await expectCode(() => scaledProbabilities(x, '{"method": "temperature", "temperature": '), 'E_ARGUMENT');
    await expectCode(() => scaledProbabilities(x, SCALERS[0][1], { output: 'odds' as 'logits' }), 'E_ARGUMENT');
    const [scalar, ints, nan] = [tf.scalar(1), x.toInt(), tf.tensor2d([0, NaN, 1, 2, 3], [1, 5])];
    await expectCode(() => scaledProbabilities(scalar, SCALERS[0][1]), 'E_SHAPE');
    await expectCode(() => scaledProbabilities(ints, SCALERS[0][1]), 'E_DTYPE');
    await expectCode(() => scaledProbabilities(nan, SCALERS[1][1]), 'E_NONFINITE');
    tf.dispose([scalar, ints, nan]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('composedScaler: the tf-ops formula webgl / webgpu run', () => {
  beforeAll(async () => useBackend('cpu'));
  it.each(SCALERS)('%s agrees with the core within 1e-5', async (_name, scaler, cols) => {
    const data = mat(9, cols, 21, -8, 8);
    const x = tf.tensor2d(data, [9, cols]);
    for (const output of ['probabilities', 'logits'] as const) {
      expectClose(await values(composedScaler(x, scaler, output)), applyScaler(data, [9, cols], scaler, { output }), 1e-5, 1e-6);
    }
    x.dispose();
  });
});

/** Seeded 224×224 RGB images in [0, 1]: smooth colour fields plus noise. */
function images(n: number): tf.Tensor4D {
  const r = rng(77);
  return tf.tidy(() => tf.clipByValue(tf.add(tf.mul(tf.tensor4d(Float32Array.from({ length: n * 224 * 224 * 3 }, () => r()), [n, 224, 224, 3]), 0.3), 0.35), 0, 1) as tf.Tensor4D);
}

describe('withScaler on nsfwjs MobileNetV2 (Dense 128 → 5, softmax): a real LayersModel', () => {
  let model: tf.LayersModel;
  let x: tf.Tensor4D;
  let logits: Float32Array;
  beforeAll(async () => {
    await useBackend('wasm');
    model = await tf.loadLayersModel(tf.io.fromMemory(nsfwjsArtifacts()));
    x = images(3);
    const lm = await logitsModel(model);
    logits = await values(lm.predict(x) as tf.Tensor);
    lm.dispose();
  });
  afterAll(() => {
    model?.dispose();
    x?.dispose();
  });

  it.each(SCALERS.slice(0, 2))('%s: the served model gives the core applyScaler of its logits', async (_name, scaler) => {
    const served = await withScaler(model, scaler);
    expect(served.outputs[0].shape).toEqual([null, 5]);
    expect(served.layers.at(-1)).toBeInstanceOf(ScalerOutput);
    // Same weights and backend: the logits are the same, so the probabilities agree to float32 rounding.
    expectClose(await values(served.predict(x) as tf.Tensor), applyScaler(logits, [3, 5], scaler), 1e-6, 1e-7);

    // The scaler survives save / load as the layer's config.
    let saved: tf.io.ModelArtifacts | undefined;
    await served.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expect((loaded.layers.at(-1) as ScalerOutput).scaler).toEqual(scaler);
    expectClose(await values(loaded.predict(x) as tf.Tensor), applyScaler(logits, [3, 5], scaler), 1e-6, 1e-7);
    loaded.dispose();
    served.dispose();
  });

  it('refuses scalers that do not fit the head', async () => {
    await expectCode(() => withScaler(model, { method: 'vector', scale: [1, 1, 1], bias: [0, 0, 0] }), 'E_ARGUMENT', /5/);
    await expectCode(() => withScaler(model, { method: 'platt', scale: 1, bias: 0 }), 'E_SHAPE');
    await expectCode(() => withScaler(model, { method: 'sigmoid-temperature', temperatures: [2] }), 'E_ARGUMENT', /softmax classifier/);
    await expectCode(() => withScaler({} as tf.LayersModel, SCALERS[0][1]), 'E_MODEL');
  });
});

describe('withScaler with a Platt scaler fitted by calibrate() on a single-logit model (iris: setosa or not)', () => {
  beforeAll(async () => useBackend('cpu'));

  it('the served sigmoid head equals the core applyScaler of its logits', async () => {
    const { x, y, n } = iris();
    const r = rng(5);
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4] })] });
    // A fixed separating-ish direction (petal length/width against sepal width) plus seeded noise: a real, imperfect classifier.
    model.layers[0].setWeights([tf.tensor2d([0.2 + 0.1 * r(), 1.1, -1.3 + 0.1 * r(), -1.2], [4, 1]), tf.tensor1d([2.8])]);
    const xs = tf.tensor2d(x, [n, 4]);
    const lm = await logitsModel(model);
    const z = await values(lm.predict(xs) as tf.Tensor);
    // The logits model reads the Dense before its sigmoid.
    expectClose(await values(model.predict(xs) as tf.Tensor), Array.from(z, (v) => 1 / (1 + Math.exp(-v))), 1e-6, 1e-7);
    const setosa = Int32Array.from(y, (c) => (c === 0 ? 1 : 0));
    const { scaler } = calibrate(z, [n, 1], setosa, { method: 'platt', targets: 'platt' });
    expect(scaler.method).toBe('platt');
    const served = await withScaler(model, JSON.stringify(scaler));
    expectClose(await values(served.predict(xs) as tf.Tensor), applyScaler(z, [n, 1], scaler), 1e-6, 1e-7);
    // A sigmoid head takes no softmax scaler.
    await expectCode(() => withScaler(model, { method: 'temperature', temperature: 2 }), 'E_ARGUMENT', /sigmoid classifier/);
    for (const m of [model, lm, served]) m.dispose();
    xs.dispose();
  });
});
