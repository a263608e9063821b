// `--model model.json`: tfjs LayersModels and GraphModels on disk. @tstar/tfjs and tfjs itself are imported only
// when a command names such a model (the import costs a few hundred ms).
import { createRequire } from 'node:module';
import path from 'node:path';
import { TStarError } from '@tstar/core';
import { readArray, readLabels } from '@tstar/node';
import type { ModelHead } from '@tstar/tfjs/node';
import type { Labelled } from './data.js';

/** Whether `file` names a tfjs model (its model.json). */
export function isTfjsModel(file: string): boolean {
  return path.extname(file).toLowerCase() === '.json';
}

/** M, the class count and where the logits are, read from the model.json (weights only when it must). */
export async function tfjsModelHead(file: string): Promise<ModelHead> {
  const { readModelHead } = await import('@tstar/tfjs/node');
  return readModelHead(file);
}

/** tfjs' wasm backend (the fast one in Node), its binaries from its own package; the cpu backend otherwise. */
async function tfjsBackend(): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  try {
    const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
    if (await tf.setBackend('wasm')) return;
  } catch {
    // fall through to cpu
  }
  // The cpu backend greets Node users with a tfjs-node hint on stdout's neighbour; keep the CLI's output clean.
  const warn = console.warn;
  console.warn = () => {};
  try {
    await tf.setBackend('cpu');
    tf.tensor1d([0]).dispose();
  } finally {
    console.warn = warn;
  }
}

/** Runs the model on `inputsPath` to its logits and pairs them with the labels, as `readLabelled` does for files. */
export async function tfjsModelLabelled(modelPath: string, inputsPath: string, labelsPath: string): Promise<Labelled & { head: ModelHead }> {
  const inputs = await readArray(inputsPath);
  if (inputs.shape.length < 2) throw new TStarError('E_SHAPE', `${inputsPath}: inputs need a batch axis and features, got shape (${inputs.shape.join(', ')})`);
  const data = inputs.data instanceof Float32Array ? inputs.data : Float32Array.from(inputs.data as ArrayLike<number>);
  const labels = await readLabels(labelsPath);
  if (labels.length !== inputs.shape[0]) throw new TStarError('E_SHAPE', `${labelsPath}: ${labels.length} labels but ${inputsPath} has ${inputs.shape[0]} rows`);
  await tfjsBackend();
  const { modelLogits } = await import('@tstar/tfjs/node');
  const { logits, shape, head } = await modelLogits(modelPath, { data, shape: inputs.shape });
  return { logits, shape, labels, logitsPath: `${modelPath} on ${inputsPath}`, labelsPath, head };
}
