import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemperatureSoftmax } from '../src/index.js';
import { fileIO, modelLogits, readModelHead } from '../src/node.js';
import { nsfwjsArtifacts, writeGraphModel } from './fixtures.js';
import { expectClose, expectCode, mat, useBackend } from './helpers.js';

let dir: string;
beforeAll(async () => {
  await useBackend('cpu');
  dir = await mkdtemp(path.join(tmpdir(), 'tstar-tfjs-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('fileIO', () => {
  it('saves a LayersModel to model.json + weights.bin and loads it back (same predictions, TemperatureSoftmax kept)', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], name: 'd' }), new TemperatureSoftmax({ temperature: 2.5 })] });
    const file = path.join(dir, 'seq', 'model.json');
    await model.save(fileIO(file));
    const loaded = await tf.loadLayersModel(fileIO(file));
    const x = tf.tensor2d(mat(6, 4, 1), [6, 4]);
    const a = model.predict(x) as tf.Tensor, b = loaded.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect((loaded.layers[1] as TemperatureSoftmax).temperature).toBe(2.5);
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('reports a missing model or weight file as E_MODEL naming the file', async () => {
    await expectCode(() => tf.loadLayersModel(fileIO(path.join(dir, 'nope', 'model.json'))), 'E_MODEL', /nope\/model.json: cannot read/);
    const file = path.join(dir, 'broken', 'model.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['gone.bin'], weights: [] }] }));
    await expectCode(() => tf.loadLayersModel(fileIO(file)), 'E_MODEL', /gone.bin/);
    await writeFile(file, '{ not json');
    await expectCode(() => readModelHead(file), 'E_MODEL', /not JSON/);
  });
});

describe('readModelHead and modelLogits', () => {
  it('reads nsfwjs (written to disk from its package files): LayersModel, M = 128, 5 classes, softmax output', async () => {
    const artifacts = nsfwjsArtifacts();
    const where = path.join(dir, 'nsfwjs');
    await mkdir(where, { recursive: true });
    await writeFile(path.join(where, 'group1-shard1of1.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
    await writeFile(path.join(where, 'model.json'), JSON.stringify({ modelTopology: artifacts.modelTopology, weightsManifest: artifacts.weightsManifest }));
    expect(await readModelHead(path.join(where, 'model.json'))).toEqual({ kind: 'layers', featureDim: 128, numClasses: 5, logits: 'dense_3', probabilities: true });
  });

  it('reads a GraphModel (MatMul → BiasAdd → Softmax) and runs it to its logits: x·W + b within 1e-6', async () => {
    const w = mat(4, 3, 5), b = mat(1, 3, 6);
    const file = await writeGraphModel(path.join(dir, 'graph'), w, b);
    const head = await readModelHead(file);
    expect(head).toEqual({ kind: 'graph', featureDim: 4, numClasses: 3, logits: 'logits', probabilities: true });
    const x = mat(70, 4, 7);
    const before = tf.memory().numTensors;
    const { logits, shape } = await modelLogits(file, { data: x, shape: [70, 4] }, { batchSize: 32 });
    expect(tf.memory().numTensors).toBe(before);
    expect(shape).toEqual([70, 3]);
    const expected = new Float64Array(70 * 3);
    for (let r = 0; r < 70; r++) for (let c = 0; c < 3; c++) {
      let s = b[c];
      for (let k = 0; k < 4; k++) s += x[r * 4 + k] * w[k * 3 + c];
      expected[r * 3 + c] = s;
    }
    expectClose(logits, expected, 1e-6, 1);
  });

  it('runs a LayersModel on disk to the last Dense\'s pre-softmax output', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [3], activation: 'relu' }), tf.layers.dense({ units: 4, activation: 'softmax', name: 'head' })] });
    const file = path.join(dir, 'layers', 'model.json');
    await model.save(fileIO(file));
    const x = mat(9, 3, 8);
    const { logits, shape, head } = await modelLogits(file, { data: x, shape: [9, 3] });
    expect(head).toMatchObject({ kind: 'layers', featureDim: 5, numClasses: 4, logits: 'head', probabilities: true });
    expect(shape).toEqual([9, 4]);
    const p = model.predict(tf.tensor2d(x, [9, 3])) as tf.Tensor;
    const fromLogits = tf.tidy(() => tf.softmax(tf.tensor2d(logits, [9, 4])));
    expectClose(fromLogits.dataSync(), p.dataSync(), 1e-6, 1e-6);
    tf.dispose([p, fromLogits]);
    model.dispose();
  });

  it('refuses a graph without a final MatMul with E_MODEL', async () => {
    const file = await writeGraphModel(path.join(dir, 'graph2'), mat(4, 3, 1), mat(1, 3, 2));
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.modelTopology.node[3].op = 'Conv2D';
    await writeFile(file, JSON.stringify(json));
    await expectCode(() => readModelHead(file), 'E_MODEL', /no final MatMul/);
  });
});
