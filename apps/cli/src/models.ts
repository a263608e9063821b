// ONNX models on the command line (--model). @tstar/ort (and onnxruntime-node, for calibrate) load only when
// --model is given, so every other command starts without them.
import { TStarError } from '@tstar/core';
import { readArray, readLabels } from '@tstar/node';
import { optionalString, required, UsageError, type OptionSpec, type Values } from './command.js';
import type { Labelled } from './data.js';
import { isTfjsModel, tfjsModelHead, tfjsModelLabelled } from './models-tfjs.js';
import { progress } from './progress.js';

export const MODEL_OPTION: Record<string, OptionSpec> = {
  model: { type: 'string', value: 'FILE', help: 'an ONNX classifier (final Gemm/MatMul) or a tfjs model.json (last Dense / MatMul): M and the class count are read off it' },
};

export const CALIBRATE_MODEL_OPTIONS: Record<string, OptionSpec> = {
  ...MODEL_OPTION,
  inputs: { type: 'string', value: 'FILE', help: 'with --model: the model input batch (.npy, rows on the first axis); its logits are computed with onnxruntime-node' },
  'logits-output': { type: 'string', value: 'NAME', help: 'with --model: the tensor holding the logits (default: found from the graph)' },
  'write-model': { type: 'string', value: 'FILE', help: 'with --model: also write the model with Div(fitted T) → Softmax built into its graph' },
};

/** M and the class count read off the model's graph; E_MODEL when it has no Gemm/MatMul head to read them from. */
export async function modelShape(values: Values): Promise<{ featureDim: number; numClasses: number | undefined; path: string }> {
  const path = required(values, 'model');
  if (isTfjsModel(path)) {
    const head = await tfjsModelHead(path);
    return { featureDim: head.featureDim, numClasses: head.numClasses, path };
  }
  const { readModelInfo } = await import('@tstar/ort/node');
  const info = await readModelInfo(path, { logitsOutput: optionalString(values, 'logits-output') });
  if (info.featureDim === undefined) {
    throw new TStarError('E_MODEL', `${path}: no Gemm/MatMul with a constant 2-D weight makes the logits '${info.logits}', so M cannot be read; pass --feature-dim`);
  }
  return { featureDim: info.featureDim, numClasses: info.numClasses, path };
}

/** The model's logits on --inputs, with --labels, as calibrate's other data source; also M for T̂*. */
export async function modelLabelled(values: Values): Promise<Labelled & { featureDim?: number }> {
  const model = required(values, 'model');
  const inputsPath = optionalString(values, 'inputs');
  if (inputsPath === undefined) throw new UsageError('--model needs --inputs FILE (the batch to run the model on)');
  const labelsPath = required(values, 'labels');
  if (isTfjsModel(model)) {
    const data = await tfjsModelLabelled(model, inputsPath, labelsPath);
    return { ...data, featureDim: data.head.featureDim };
  }
  const { runModelLogits } = await import('@tstar/ort/node');
  const bar = progress(`running ${model}`);
  try {
    const input = await readArray(inputsPath);
    const labels = await readLabels(labelsPath);
    const { logits, shape, head } = await runModelLogits(model, input, { logitsOutput: optionalString(values, 'logits-output') });
    if (labels.length !== shape[0]) throw new TStarError('E_SHAPE', `${labelsPath}: ${labels.length} labels but ${inputsPath} has ${shape[0]} rows`);
    return { logits, shape, labels, logitsPath: `${model} on ${inputsPath}`, labelsPath, featureDim: head.featureDim };
  } finally {
    bar.finish();
  }
}

/** --write-model: the model with Div(T) → Softmax in its graph; returns the path written. */
export async function writeCalibratedModel(values: Values, temperature: number): Promise<string> {
  const target = required(values, 'write-model');
  if (values.model === undefined) throw new UsageError('--write-model needs --model');
  if (isTfjsModel(required(values, 'model'))) throw new UsageError('--write-model writes ONNX models only; for a tfjs model use @tstar/tfjs calibrateModel');
  const { writeTemperatureModel } = await import('@tstar/ort/node');
  await writeTemperatureModel(required(values, 'model'), target, { temperature, logitsOutput: optionalString(values, 'logits-output') });
  return target;
}
