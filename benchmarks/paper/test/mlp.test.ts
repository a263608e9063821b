import { init, seededRandom } from '@tstar/core';
import { insertBatchNorm, temperatureCrossEntropy } from '@tstar/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchOrder, fitGroup, GroupedMlp, initialWeights, type Architecture, type Split } from '../lib/mlp.js';
import { loadTfjsWasm, tf } from '../lib/tf.js';

beforeAll(async () => {
  await init();
  await loadTfjsWasm();
});

function randomSplit(rows: number, cols: number, classes: number, seed: number): Split {
  const random = seededRandom(seed);
  return {
    x: Float32Array.from({ length: rows * cols }, () => 2 * random() - 1),
    y: Int32Array.from({ length: rows }, () => Math.floor(random() * classes)),
    rows, cols,
  };
}

/** Copy g trained alone the tf.layers way: Sequential Dense layers, insertBatchNorm, the loss from @tstar/tfjs. */
async function layersReference(arch: Architecture, temperature: number, split: Split, options: { epochs: number; batchSize: number; learningRate: number }, seed: number) {
  const init = initialWeights(arch, seed);
  let model: tf.LayersModel = tf.sequential({
    layers: [
      tf.layers.dense({ units: arch.hidden, activation: 'relu', inputShape: [arch.inputDim] }),
      tf.layers.dense({ units: arch.featureDim, activation: 'relu' }),
      tf.layers.dense({ units: arch.classes }),
    ],
  });
  if (arch.batchNorm) {
    const withBn = await insertBatchNorm(model);
    model.dispose();
    model = withBn;
  }
  // Layers in data-flow order (insertBatchNorm appends the new BN layer to the functional model's list).
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
  expect(dense.length).toBe(3);
  [[init.w1, init.b1], [init.w2, init.b2], [init.w3, init.b3]].forEach((values, i) => {
    const tensors = dense[i].getWeights().map((w, j) => tf.tensor(values[j], w.shape));
    dense[i].setWeights(tensors);
    tf.dispose(tensors);
  });
  const bnLayer = model.layers.find((l) => l.getClassName() === 'BatchNormalization');
  expect(bnLayer !== undefined).toBe(arch.batchNorm);
  const loss = temperatureCrossEntropy(temperature, { sparse: true });
  const optimizer = tf.train.adam(options.learningRate);
  const x = tf.tensor2d(split.x, [split.rows, split.cols]), y = tf.tensor1d(split.y, 'int32');
  for (const order of batchOrder(split.rows, options.epochs, seed)) {
    for (let s = 0; s < split.rows; s += options.batchSize) {
      const i = tf.tensor1d(order.subarray(s, Math.min(s + options.batchSize, split.rows)), 'int32');
      const xb = tf.gather(x, i), yb = tf.gather(y, i);
      optimizer.minimize(() => tf.mean(loss(yb, model.apply(xb, { training: true }) as tf.Tensor)) as tf.Scalar);
      tf.dispose([i, xb, yb]);
    }
  }
  const weights = [...dense.slice(0, 2), ...(bnLayer ? [bnLayer] : []), dense[2]].flatMap((l) => l.getWeights().map((w) => w.dataSync() as Float32Array));
  const logits = tf.tidy(() => model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return { weights, logits };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('GroupedMlp', () => {
  for (const batchNorm of [false, true]) {
    it(`trains each copy as a tf.layers model would alone (BN ${batchNorm ? 'on' : 'off'})`, async () => {
      const arch: Architecture = { inputDim: 5, hidden: 4, featureDim: 6, classes: 3, batchNorm };
      const temperatures = [0.5, 2, 7];
      const split = randomSplit(40, 5, 3, 11);
      const options = { epochs: 3, batchSize: 8, learningRate: 0.01 };
      const before = tf.memory().numTensors;
      const model = new GroupedMlp(arch, temperatures, initialWeights(arch, 3));
      fitGroup(model, split, options, 3);
      const logits = model.logits(split);
      const weights = temperatures.map((_, g) => model.copyWeights(g));
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      for (let g = 0; g < temperatures.length; g++) {
        const reference = await layersReference(arch, temperatures[g], split, options, 3);
        expect(weights[g].length).toBe(reference.weights.length);
        // 15 Adam steps of lr 0.01 moved the weights by ~0.1; float32 sums in another order stay far below that.
        weights[g].forEach((w, i) => expect(maxAbsDiff(w, reference.weights[i])).toBeLessThan(2e-5));
        expect(maxAbsDiff(logits[g], reference.logits)).toBeLessThan(1e-4);
      }
      // The copies were trained: they moved away from the initial weights and from each other.
      expect(maxAbsDiff(weights[0][0], initialWeights(arch, 3).w1)).toBeGreaterThan(1e-2);
      expect(maxAbsDiff(logits[0], logits[2])).toBeGreaterThan(1e-2);
    });
  }
});
