// @tstar/tfjs's overhead (issue 18): its TemperatureSoftmax layer and temperatureCrossEntropy loss, called
// the way the `tfjs <backend>` rows call tfjs' own ops on the same backend — tensors from the caller's
// arrays, the op, dataSync() outside tidy, nothing leaked — so the two rows differ only in what the
// package adds (the read into the core, the core's kernel, the tensor written back) against tfjs' Div +
// Softmax or its one-hot softmaxCrossEntropy graph. Only cpu and wasm: on webgl the package composes
// the same tf ops as the tfjs row.
import type { Tensor } from '@tensorflow/tfjs';
import type { Tf, TfBackend, TstarTfjs } from '../env.js';
import { contender, type Contender } from './contender.js';
import { onBackend, read } from './tfjs.js';

/** The backends where @tstar/tfjs runs the core (elsewhere it is tfjs' own graph). */
export const TSTAR_TFJS_BACKENDS: readonly TfBackend[] = ['cpu', 'wasm'];

export function tstarTfjsContender(tf: Tf, lib: TstarTfjs, backend: TfBackend, temperature: number): Contender {
  // One layer and one loss per runtime, as a model holds them; T is the suite's.
  const layer = new lib.TemperatureSoftmax({ temperature });
  const loss = lib.temperatureCrossEntropy(temperature);
  const meanLoss = (oneHot: Tensor, z: Tensor): Tensor => tf.mean(loss(oneHot, z));
  const oneHotOf = (labels: Int32Array, cols: number): Tensor => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), cols), 'float32');
  const who = `@tstar/tfjs (tfjs ${backend})`;
  return contender(who, 'adapter', {
    softmax: ({ input: { x, rows, cols } }) =>
      onBackend(tf, backend, () => read(tf.tidy(() => layer.apply(tf.tensor2d(x, [rows, cols])) as Tensor)), undefined, who),
    crossEntropy: ({ input: { x, rows, cols, labels } }) =>
      onBackend(tf, backend, () => read(tf.tidy(() => meanLoss(oneHotOf(labels, cols), tf.tensor2d(x, [rows, cols]))))[0], undefined, who),
    crossEntropyGrad: ({ input: { x, rows, cols, labels } }) =>
      onBackend(tf, backend, () => {
        const [value, grad] = tf.tidy(() => {
          const oneHot = oneHotOf(labels, cols);
          const r = tf.valueAndGrad((z: Tensor) => meanLoss(oneHot, z))(tf.tensor2d(x, [rows, cols]));
          return [r.value, r.grad];
        });
        return { loss: read(value)[0], grad: read(grad) };
      }, undefined, who),
  });
}
