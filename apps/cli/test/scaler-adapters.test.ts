import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { applyScaler, init, parseScaler } from '@tstar/core';
import { encodeNpy } from '@tstar/node';
import { TemperatureSession, type OrtRuntime } from '@tstar/ort';
import { logitsModel, withScaler } from '@tstar/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../../packages/core/test/rng.js';
import { linearModel } from '../../../packages/ort/test/helpers.js';
import { tempDir, tstar } from './helpers.js';

const dir = tempDir();
const N = 600, M = 8, C = 4;

beforeAll(async () => {
  await init();
  // tfjs' cpu backend greets Node users with a hint to install tfjs-node; keep the log clean.
  const warn = console.warn;
  console.warn = () => {};
  await tf.setBackend('cpu');
  console.warn = warn;
});

/** |a − e| / max(|e|, 1e-6), the worst over all entries. */
function maxRel(a: ArrayLike<number>, e: ArrayLike<number>): number {
  expect(a.length).toBe(e.length);
  let worst = 0;
  for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]) / Math.max(Math.abs(e[i]), 1e-6));
  return worst;
}

describe('round trip: tstar calibrate --method vector writes scaler.json, the tfjs and ort adapters load it', () => {
  it('one 8 → 4 linear classifier as a tfjs LayersModel and as ONNX: each adapter gives the core applyScaler of its logits', async () => {
    // The same weights in both runtimes (the ONNX one built with @tstar/ort's graph tools).
    const onnx = linearModel({ m: M, c: C, scale: 2, seed: 9 });
    const model = tf.sequential({ layers: [tf.layers.dense({ units: C, inputShape: [M], activation: 'softmax' })] });
    model.layers[0].setWeights([tf.tensor2d(onnx.w, [M, C]), tf.tensor1d(onnx.b)]);
    const r = rng(23);
    const x = Float32Array.from({ length: N * M }, () => r() * 2 - 1);
    const xs = tf.tensor2d(x, [N, M]);
    const lm = await logitsModel(model);
    const logits = (await (lm.predict(xs) as tf.Tensor).data()) as Float32Array;
    // Labels from a differently scaled and shifted softmax: what vector scaling corrects.
    const labels = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      const z = Array.from(logits.subarray(i * C, (i + 1) * C), (v, j) => 0.4 * (j + 1) * v + (j - 1.5) * 0.5);
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      let u = r() * e.reduce((a, b) => a + b, 0), c = 0;
      while (c < C - 1 && u >= e[c]) u -= e[c++];
      labels[i] = c;
    }
    writeFileSync(join(dir, 'logits.npy'), encodeNpy(logits, [N, C]));
    writeFileSync(join(dir, 'labels.npy'), encodeNpy(labels, [N]));
    const out = join(dir, 'vector');
    const run = tstar(['calibrate', '--logits', join(dir, 'logits.npy'), '--labels', join(dir, 'labels.npy'), '--method', 'vector', '--out-dir', out]);
    expect(run.code, run.stderr).toBe(0);
    const text = readFileSync(join(out, 'scaler.json'), 'utf8');
    const scaler = parseScaler(text, C);
    expect(scaler.method).toBe('vector');

    // tfjs: the served model ends in ScalerOutput(scaler).
    const served = await withScaler(model, text);
    const p = (await (served.predict(xs) as tf.Tensor).data()) as Float32Array;
    expect(maxRel(p, applyScaler(logits, [N, C], scaler))).toBeLessThan(1e-6);

    // onnxruntime-node, both modes.
    const input = { x: new ort.Tensor('float32', x, [N, M]) };
    for (const mode of ['post', 'graph'] as const) {
      const session = await TemperatureSession.create(onnx.bytes, { scaler: text, mode, runtime: ort as unknown as OrtRuntime });
      const result = await session.run(input);
      await session.release();
      const z = result.logits.data as Float32Array;
      // The ONNX model's own logits (MatMul + Add in onnxruntime) agree with tfjs' to float32 rounding (absolute: some logits are near 0).
      expect(Math.max(...z.map((v, i) => Math.abs(v - logits[i])))).toBeLessThan(1e-5);
      expect(maxRel(result.probabilities.data as Float32Array, applyScaler(z, [N, C], scaler)), mode).toBeLessThan(mode === 'post' ? 1e-7 : 2e-5);
    }
    tf.dispose([xs]);
    for (const m of [model, lm, served]) m.dispose();
  });
});
