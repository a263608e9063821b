import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { calibrationMetrics, fitTemperature, optimalTemperature, softmax } from '@tstar/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { calibrateModel, insertBatchNorm, logitsModel, TemperatureSoftmax, withOptimalTemperature, withScaler } from '../src/index.js';
import { expectClose, expectCode, expectNoLeak, labels, mat, useBackend } from './helpers.js';

const M = 16, C = 4;

function sequentialModel(activation: 'softmax' | 'linear'): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 12, inputShape: [6], activation: 'relu', name: 'h1' }),
      tf.layers.dense({ units: M, activation: 'tanh', name: 'h2' }),
      tf.layers.dropout({ rate: 0.2, name: 'drop' }),
      tf.layers.dense({ units: C, activation, name: 'out' }),
    ],
  });
}

/** A functional model with a branch and a merge, ending in Dense(linear) → Activation(softmax). */
function functionalModel(): tf.LayersModel {
  const input = tf.input({ shape: [6], name: 'x' });
  const a = tf.layers.dense({ units: 8, activation: 'relu', name: 'a' }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.dense({ units: 8, activation: 'sigmoid', name: 'b' }).apply(input) as tf.SymbolicTensor;
  const merged = tf.layers.concatenate({ name: 'cat' }).apply([a, b]) as tf.SymbolicTensor;
  const features = tf.layers.dense({ units: M, activation: 'relu', name: 'features' }).apply(merged) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: C, name: 'out' }).apply(features) as tf.SymbolicTensor;
  const probs = tf.layers.activation({ activation: 'softmax', name: 'probs' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: probs, name: 'branchy' });
}

function weightBits(model: tf.LayersModel): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const layer of model.layers) layer.getWeights().forEach((w, i) => out.set(`${layer.name}/${i}`, Array.from(new Uint32Array((w.dataSync() as Float32Array).slice().buffer))));
  return out;
}

/** The layer feeding `name` in a built model (its single inbound node). */
function parentName(model: tf.LayersModel, name: string): string {
  const layer = model.getLayer(name) as unknown as { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> };
  return layer.inboundNodes[0].inboundLayers[0].name;
}

/** Sets a BatchNormalization layer to exact identity: mean 0, variance 1 − ε, γ 1, β 0. */
function identityStatistics(bn: tf.layers.Layer): void {
  const epsilon = (bn.getConfig() as { epsilon: number }).epsilon;
  const width = bn.getWeights()[0].shape[0];
  bn.setWeights([tf.ones([width]), tf.zeros([width]), tf.zeros([width]), tf.fill([width], 1 - epsilon)]);
}

const models: tf.LayersModel[] = [];
const keep = <T extends tf.LayersModel>(m: T): T => { models.push(m); return m; };
afterEach(() => { for (const m of models.splice(0)) m.dispose(); });

describe('insertBatchNorm', () => {
  beforeAll(() => useBackend('cpu'));

  for (const [kind, make] of [['Sequential (Dense with softmax activation)', () => sequentialModel('softmax')], ['functional (branches, Activation softmax head)', functionalModel]] as const) {
    it(`puts BatchNormalization directly before the last Dense of a ${kind}, keeps every weight bit-identical and the original untouched`, async () => {
      const original = keep(make());
      const before = weightBits(original);
      const beforeJson = JSON.stringify(original.toJSON(null, false));
      const withBn = keep(await insertBatchNorm(original));
      expect(withBn).not.toBe(original);
      const bn = withBn.layers.find((l) => l.getClassName() === 'BatchNormalization') as tf.layers.Layer;
      expect(bn).toBeDefined();
      expect(parentName(withBn, 'out')).toBe(bn.name);
      expect(withBn.getLayer('out').getConfig().activation).toBe('linear');
      const last = withBn.layers[withBn.layers.length - 1];
      expect(last).toBeInstanceOf(TemperatureSoftmax);
      expect((last as TemperatureSoftmax).temperature).toBe(1);
      expect(parentName(withBn, last.name)).toBe('out');
      // Every original weight carried over bit for bit; the original model is unchanged.
      const after = weightBits(withBn);
      for (const [key, bits] of before) expect(after.get(key), key).toEqual(bits);
      expect(weightBits(original)).toEqual(before);
      expect(JSON.stringify(original.toJSON(null, false))).toBe(beforeJson);
      // Identity statistics ⇒ the same predictions (1e-6: softmax by the core vs tfjs' own).
      identityStatistics(bn);
      const x = tf.tensor2d(mat(20, 6, 3), [20, 6]);
      const a = original.predict(x) as tf.Tensor, b = withBn.predict(x) as tf.Tensor;
      expectClose(b.dataSync(), a.dataSync(), 1e-6, 1e-6);
      tf.dispose([x, a, b]);
    });
  }

  it('keeps a logits model a logits model, with the new BN statistics applied as documented', async () => {
    const original = keep(sequentialModel('linear'));
    const withBn = keep(await insertBatchNorm(original, { epsilon: 0.01 }));
    expect(withBn.layers[withBn.layers.length - 1].name).toBe('out');
    const bn = withBn.layers[withBn.layers.length - 2];
    expect(bn.getClassName()).toBe('BatchNormalization');
    expect((bn.getConfig() as { epsilon: number }).epsilon).toBe(0.01);
    // Fresh BN statistics scale the features by 1/√(1 + ε): the logits minus the bias scale the same way.
    const x = tf.tensor2d(mat(5, 6, 8), [5, 6]);
    const a = original.predict(x) as tf.Tensor, b = withBn.predict(x) as tf.Tensor;
    const bias = original.getLayer('out').getWeights()[1];
    const expected = tf.tidy(() => tf.add(tf.div(tf.sub(a, bias), Math.sqrt(1.01)), bias));
    expectClose(b.dataSync(), expected.dataSync(), 1e-5, 1e-3);
    tf.dispose([x, a, b, expected]);
  });

  it('inserts BN before a Dense that is the first layer of a Sequential (the input shape moves to BN)', async () => {
    const original = keep(tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [5], activation: 'softmax', name: 'only' })] }));
    const withBn = keep(await insertBatchNorm(original));
    expect(withBn.layers.map((l) => l.getClassName())).toEqual(['BatchNormalization', 'Dense', 'TemperatureSoftmax']);
    expect(withBn.inputs[0].shape).toEqual([null, 5]);
  });

  it('refuses models without a final Dense, with another head activation, several outputs, or from another tfjs copy — leaking nothing', async () => {
    const conv = keep(tf.sequential({ layers: [tf.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [4, 1] })] }));
    const sigmoid = keep(tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], activation: 'sigmoid' })] }));
    const input = tf.input({ shape: [3] });
    const twoHeads = keep(tf.model({ inputs: input, outputs: [tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor, tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor] }));
    // A second, self-contained tfjs bundle: its models are not instances of this package's tf.LayersModel (it
    // shares tfjs' global engine, hence a layer name of its own).
    const otherTf = createRequire(import.meta.url)('@tensorflow/tfjs/dist/tf.es2017.js') as typeof tf;
    const foreign = otherTf.sequential({ layers: [otherTf.layers.dense({ units: 3, inputShape: [2], name: 'foreign_dense' })] });
    for (const fn of [insertBatchNorm, withOptimalTemperature, logitsModel] as Array<(m: tf.LayersModel) => Promise<unknown>>) {
      await expectNoLeak(() => expectCode(() => fn(conv), 'E_MODEL', /no final Dense.*Conv1D/));
      // logitsModel reads a sigmoid Dense's logits too (scaler.test.ts).
      if (fn !== logitsModel) await expectNoLeak(() => expectCode(() => fn(sigmoid), 'E_MODEL', /activation 'sigmoid'/));
      await expectNoLeak(() => expectCode(() => fn(twoHeads), 'E_MODEL', /one output, got 2/));
      await expectNoLeak(() => expectCode(() => fn(foreign as unknown as tf.LayersModel), 'E_MODEL', /another copy of @tensorflow\/tfjs/));
      await expectNoLeak(() => expectCode(() => fn({} as tf.LayersModel), 'E_MODEL', /expected a tf.LayersModel/));
    }
    await expectCode(() => insertBatchNorm(sigmoid, { epsilon: -1 }), 'E_ARGUMENT', /epsilon/);
    foreign.dispose();
  });
});

describe('withOptimalTemperature', () => {
  beforeAll(() => useBackend('cpu'));

  it('reads M from the last Dense, takes T̂* from the core, and serves softmax(logits / T̂*) over shared layers', async () => {
    const base = keep(await insertBatchNorm(sequentialModel('softmax')));
    const result = await withOptimalTemperature(base);
    keep(result.model);
    const expected = optimalTemperature({ featureDim: M, numClasses: C });
    expect(result.details.featureDim).toBe(M);
    expect(result.details.numClasses).toBe(C);
    expect(result.temperature).toBe(expected.temperature);
    expect(result.details.optimal).toEqual(expected);
    const ts = result.model.layers[result.model.layers.length - 1] as TemperatureSoftmax;
    expect(ts).toBeInstanceOf(TemperatureSoftmax);
    expect(ts.temperature).toBe(expected.temperature);
    // The served model is the core's softmax of the logits model's output at T̂*, bit for bit.
    const x = tf.tensor2d(mat(7, 6, 21), [7, 6]);
    const z = result.logits.predict(x) as tf.Tensor, p = result.model.predict(x) as tf.Tensor;
    expect(Array.from(p.dataSync())).toEqual(Array.from(softmax(z.dataSync() as Float32Array, [7, C], { temperature: expected.temperature })));
    // Shared layers: a change to the logits model's weights shows in the served model.
    const out = result.logits.getLayer('out');
    out.setWeights([tf.zerosLike(out.getWeights()[0]), tf.zerosLike(out.getWeights()[1])]);
    const flat = result.model.predict(x) as tf.Tensor;
    expectClose(flat.dataSync(), new Float32Array(7 * C).fill(1 / C), 1e-7);
    tf.dispose([x, z, p, flat]);
  });

  it('adds the CSG term from features + labels through the core (γ given), and rejects features without labels', async () => {
    const base = keep(sequentialModel('linear'));
    const n = 60;
    const y = Int32Array.from({ length: n }, (_, i) => i % 3);
    const features = tf.tensor2d(Float32Array.from(mat(n, 5, 4), (v, i) => v + 3 * y[Math.floor(i / 5)]), [n, 5]);
    const coefficients = { gamma: 0.5 };
    const result = await withOptimalTemperature(base, { features, labels: y, coefficients, csgOptions: { seed: 3 } });
    keep(result.model);
    const csg = result.details.csg?.csg as number;
    expect(csg).toBeGreaterThan(0);
    expect(result.temperature).toBe(optimalTemperature({ featureDim: M, numClasses: C, csg, coefficients }).temperature);
    await expectNoLeak(() => expectCode(() => withOptimalTemperature(base, { features }), 'E_ARGUMENT', /features and labels/));
    features.dispose();
  });
});

describe('calibrateModel', () => {
  beforeAll(() => useBackend('wasm'));

  it('fits T on the logits with the core, reports metrics before/after, and returns the model at that T', async () => {
    const model = keep(sequentialModel('softmax'));
    // Sharpen the head so the uncalibrated model is overconfident: ×8 on the last kernel.
    const out = model.getLayer('out');
    const [kernel, bias] = out.getWeights();
    out.setWeights([tf.mul(kernel, 8), bias]);
    const n = 200;
    const x = tf.tensor2d(mat(n, 6, 50), [n, 6]);
    const y = labels(n, C, 51);
    const logits = keep(await logitsModel(model));
    const z = logits.predict(x) as tf.Tensor;
    const zData = z.dataSync() as Float32Array;
    const fit = fitTemperature(zData, [n, C], y);
    await expectNoLeak(async () => {
      const yt = tf.tensor1d(y, 'int32');
      const result = await calibrateModel(model, x, yt, { batchSize: 64 });
      expect(result.temperature).toBe(fit.temperature);
      expect(result.fit).toEqual(fit);
      expect(result.previousTemperature).toBe(1);
      expect(result.before).toEqual(calibrationMetrics(zData, [n, C], y, { temperature: 1 }));
      expect(result.after).toEqual(calibrationMetrics(zData, [n, C], y, { temperature: fit.temperature }));
      expect(result.after.nll).toBeLessThan(result.before.nll);
      expect(result.after.ece).toBeLessThan(result.before.ece);
      const p = result.model.predict(x) as tf.Tensor;
      expect(Array.from(p.dataSync())).toEqual(Array.from(softmax(zData, [n, C], { temperature: fit.temperature })));
      // The scaler serves the same probabilities through withScaler (ScalerOutput: the core's applyScaler).
      expect(result.scaler).toEqual({ method: 'temperature', temperature: fit.temperature });
      const served = await withScaler(model, JSON.stringify(result.scaler));
      const q = served.predict(x) as tf.Tensor;
      expectClose(q.dataSync(), p.dataSync(), 1e-6, 1e-7);
      tf.dispose([p, q, yt]);
      served.dispose();
      result.model.dispose();
    });
    // Failures leave nothing behind either.
    await expectNoLeak(() => expectCode(() => calibrateModel(model, x, y.subarray(1)), 'E_SHAPE', /199 labels for 200 rows/));
    await expectNoLeak(() => expectCode(() => calibrateModel(model, x, Int32Array.from(y, (v) => v + 1)), 'E_LABEL'));
    await expectNoLeak(() => expectCode(() => calibrateModel(model, x, [0.5, ...Array.from(y.subarray(1))]), 'E_LABEL', /integer/));
    tf.dispose([x, z]);
  });
});
