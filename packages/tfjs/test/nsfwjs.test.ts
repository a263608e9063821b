import * as tf from '@tensorflow/tfjs';
import { fitTemperature, optimalTemperature, softmax } from '@tstar/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateModel, logitsModel, TemperatureSoftmax, withOptimalTemperature } from '../src/index.js';
import { nsfwjsArtifacts } from './fixtures.js';
import { expectClose, rng, useBackend } from './helpers.js';

const N = 10;
const CLASSES = 5; // Drawing, Hentai, Neutral, Porn, Sexy

/** Seeded synthetic 224×224 RGB images in [0, 1]: a colour gradient plus noise, different per image. */
function images(n: number): tf.Tensor4D {
  const r = rng(2026);
  const size = 224 * 224 * 3;
  const data = new Float32Array(n * size);
  for (let k = 0; k < n; k++) {
    const base = [r(), r(), r()], slope = [r() - 0.5, r() - 0.5, r() - 0.5], noise = r() * 0.5;
    for (let i = 0; i < 224 * 224; i++) {
      const u = (i % 224) / 224, v = Math.floor(i / 224) / 224;
      for (let c = 0; c < 3; c++) data[k * size + i * 3 + c] = Math.min(1, Math.max(0, base[c] + slope[c] * (u + v) + noise * (r() - 0.5)));
    }
  }
  return tf.tensor4d(data, [n, 224, 224, 3]);
}

function entropy(p: ArrayLike<number>, row: number): number {
  let h = 0;
  for (let j = 0; j < CLASSES; j++) { const q = p[row * CLASSES + j]; if (q > 0) h -= q * Math.log(q); }
  return h;
}

function top(p: ArrayLike<number>, row: number): { index: number; value: number } {
  let index = 0;
  for (let j = 1; j < CLASSES; j++) if (p[row * CLASSES + j] > p[row * CLASSES + index]) index = j;
  return { index, value: p[row * CLASSES + index] };
}

describe('nsfwjs MobileNetV2: a real third-party LayersModel, loaded from its npm package files', () => {
  let model: tf.LayersModel;
  let x: tf.Tensor4D;
  let probs: Float32Array;
  let logits: Float32Array;

  beforeAll(async () => {
    await useBackend('wasm');
    model = await tf.loadLayersModel(tf.io.fromMemory(nsfwjsArtifacts()));
    x = images(N);
    const p = model.predict(x) as tf.Tensor;
    probs = (await p.data()) as Float32Array;
    p.dispose();
    const lm = await logitsModel(model);
    const z = lm.predict(x) as tf.Tensor;
    logits = (await z.data()) as Float32Array;
    z.dispose();
  });

  afterAll(() => {
    model?.dispose();
    x?.dispose();
  });

  it('has a Dense 128 → 5 softmax head; its logits under TemperatureSoftmax(1) give its own probabilities (1e-6)', () => {
    const head = model.layers[model.layers.length - 1];
    expect(head.getClassName()).toBe('Dense');
    expect(head.getConfig().activation).toBe('softmax');
    expect(head.getWeights()[0].shape).toEqual([128, CLASSES]);
    const z = tf.tensor2d(logits, [N, CLASSES]);
    const p1 = new TemperatureSoftmax({ temperature: 1 }).apply(z) as tf.Tensor;
    expectClose(p1.dataSync(), probs, 1e-6, 1e-6);
    // At T = 2 the layer is the core's softmax of the logits, bit for bit.
    const p2 = new TemperatureSoftmax({ temperature: 2 }).apply(z) as tf.Tensor;
    expect(Array.from(p2.dataSync())).toEqual(Array.from(softmax(logits, [N, CLASSES], { temperature: 2 })));
    tf.dispose([z, p1, p2]);
  });

  it('gets T̂* from its real feature width M = 128; serving at T̂* > 1 keeps each top class and flattens every row', async () => {
    const result = await withOptimalTemperature(model);
    expect(result.details.featureDim).toBe(128);
    expect(result.details.numClasses).toBe(CLASSES);
    expect(result.temperature).toBe(optimalTemperature({ featureDim: 128, numClasses: CLASSES }).temperature);
    expect(result.temperature).toBeCloseTo(0.7239 * Math.sqrt(128) - 4.706, 12);
    const p = result.model.predict(x) as tf.Tensor;
    const served = p.dataSync();
    expect(Array.from(served)).toEqual(Array.from(softmax(logits, [N, CLASSES], { temperature: result.temperature })));
    for (let r = 0; r < N; r++) {
      expect(top(served, r).index).toBe(top(probs, r).index);
      expect(top(served, r).value).toBeLessThan(top(probs, r).value);
      expect(entropy(served, r)).toBeGreaterThan(entropy(probs, r));
    }
    p.dispose();
    result.model.dispose();
  });

  it('calibrates on generated inputs: the core fits T on its logits, NLL drops, confidences move toward accuracy', async () => {
    // Labels: the model's own top class on even rows, its runner-up on odd rows (50 % accuracy).
    const labels = Int32Array.from({ length: N }, (_, r) => {
      const order = [...Array(CLASSES).keys()].sort((a, b) => probs[r * CLASSES + b] - probs[r * CLASSES + a]);
      return order[r % 2];
    });
    const result = await calibrateModel(model, x, labels);
    expect(result.fit).toEqual(fitTemperature(logits, [N, CLASSES], labels));
    expect(result.before.accuracy).toBe(0.5);
    expect(result.after.nll).toBeLessThan(result.before.nll);
    const p = result.model.predict(x) as tf.Tensor;
    const calibrated = p.dataSync();
    expectClose(calibrated, softmax(logits, [N, CLASSES], { temperature: result.temperature }), 1e-6, 1e-6);
    // T > 1 flattens, T < 1 sharpens, every row the same way; the top class never changes.
    const direction = Math.sign(result.temperature - 1);
    expect(direction).not.toBe(0);
    let before = 0, after = 0;
    for (let r = 0; r < N; r++) {
      expect(top(calibrated, r).index).toBe(top(probs, r).index);
      expect(Math.sign(top(probs, r).value - top(calibrated, r).value)).toBe(direction);
      before += top(probs, r).value / N;
      after += top(calibrated, r).value / N;
    }
    expect(Math.abs(after - 0.5)).toBeLessThan(Math.abs(before - 0.5));
    p.dispose();
    result.model.dispose();
  });
});
