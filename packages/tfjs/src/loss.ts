import type * as tf from '@tensorflow/tfjs';
import { TStarError } from '@tstar/core';
import { temperatureCrossEntropyRows } from './ops.js';
import { checkTemperature } from './tensors.js';

/** Options of {@link temperatureCrossEntropy}. */
export interface TemperatureCrossEntropyOptions {
  /** ε in [0, 1]: targets become (1 − ε)·target + ε / classes (as tf.losses.softmaxCrossEntropy). Default 0. */
  labelSmoothing?: number;
  /** Labels are integer class indices of shape [batch] or [batch, 1] instead of one-hot rows. Default false. */
  sparse?: boolean;
}

/** A loss function for `model.compile({ loss })`: (yTrue, yPred = logits) → one loss per row. */
export type TemperatureLoss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/**
 * Softmax cross-entropy of `logits / temperature`, for `model.compile({ loss })` on a model that outputs logits
 * (the paper's recipe: train with softmax(z / T̂*)). Returns one loss per row, as tfjs' own losses do, so
 * `fit`'s sample and class weights apply; the model averages. On cpu and wasm the loss and dL/dlogits come from
 * the core's fused cross-entropy through `tf.customGrad` (scaled by the incoming gradient); on webgl / webgpu it
 * composes tf ops. Labels get a zero gradient.
 * @throws {TStarError} E_TEMPERATURE, E_ARGUMENT (labelSmoothing outside [0, 1], sparse not boolean) at once;
 * at call: E_SHAPE (logits not [batch, classes], labels of the wrong shape), E_DTYPE, E_LABEL (a label not an
 * integer in [0, classes) — checked on cpu/wasm), E_NONFINITE, E_MASKED
 * @example model.compile({ optimizer: 'adam', loss: temperatureCrossEntropy(4.2, { sparse: true }) })
 */
export function temperatureCrossEntropy(temperature: number, options: TemperatureCrossEntropyOptions = {}): TemperatureLoss {
  const op = 'temperatureCrossEntropy';
  checkTemperature(op, temperature);
  if (typeof options !== 'object' || options === null) throw new TStarError('E_ARGUMENT', `${op}: options must be an object, got ${String(options)}`);
  const labelSmoothing = options.labelSmoothing ?? 0;
  if (typeof labelSmoothing !== 'number' || !(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new TStarError('E_ARGUMENT', `${op}: labelSmoothing must be a number in [0, 1], got ${String(labelSmoothing)}`);
  }
  const sparse = options.sparse ?? false;
  if (typeof sparse !== 'boolean') throw new TStarError('E_ARGUMENT', `${op}: sparse must be a boolean, got ${String(sparse)}`);
  const attrs = { temperature, labelSmoothing, sparse };
  const loss: TemperatureLoss = (yTrue, yPred) => temperatureCrossEntropyRows(yTrue, yPred, attrs);
  // tfjs names compiled losses by the function's name (in fit logs and saved training configs).
  Object.defineProperty(loss, 'name', { value: 'temperatureCrossEntropy' });
  return loss;
}
