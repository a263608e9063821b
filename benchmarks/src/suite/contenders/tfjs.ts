// @tensorflow/tfjs as its users write it: tensors made from the caller's Float32Arrays, ops inside
// tf.tidy, results read with dataSync() outside it (reading inside tidy is a known slow path), every
// tensor disposed. Each contender checks, after its first call, that a call leaves no tensor behind.
import type { Tensor } from '@tensorflow/tfjs';
import type { Tf, TfBackend } from '../env.js';
import { contender, type Contender, type Prepared } from './contender.js';

/**
 * Wraps a run so its backend is active before each block; its first call is checked to have run on that backend
 * and to leave no tensor behind. `who` names the contender in those errors.
 */
export function onBackend<O>(tf: Tf, backend: TfBackend, run: () => O, dispose?: () => void, who = 'tfjs'): Prepared<O> {
  let calls = 0;
  return {
    enter: async () => {
      if (tf.getBackend() !== backend) await tf.setBackend(backend);
    },
    run: () => {
      if (calls++ > 0) return run();
      if (tf.getBackend() !== backend) throw new Error(`${who}: ran on ${tf.getBackend()}, not ${backend}`);
      const before = tf.memory().numTensors;
      const out = run();
      const leaked = tf.memory().numTensors - before;
      if (leaked !== 0) throw new Error(`${who} on ${backend}: ${leaked} tensors left behind per call`);
      return out;
    },
    dispose,
  };
}

/** A tensor's data, the tensor disposed. */
export function read(t: Tensor): Float32Array {
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return data;
}

/**
 * tfjs cpu and webgl (software GL here) sit out cases above this many elements: there one call takes
 * 2–30 s (cpu: a scalar JS loop per element and kernel), the trend is plain from the smaller shapes, and
 * the full run must fit its window.
 */
export const TFJS_CPU_MAX_ELEMENTS = 2_100_000;

export function tfjsContender(tf: Tf, backend: TfBackend): Contender {
  const all = tfjsOps(tf, backend);
  if (backend === 'wasm') return all;
  return { ...all, prepare: (c) => (c.spec.rows * c.spec.cols > TFJS_CPU_MAX_ELEMENTS ? undefined : all.prepare(c)) };
}

function tfjsOps(tf: Tf, backend: TfBackend): Contender {
  return contender(`tfjs ${backend}`, 'tfjs', {
    softmax: ({ input: { x, rows, cols, temperature } }) =>
      onBackend(tf, backend, () => read(tf.tidy(() => tf.softmax(tf.div(tf.tensor2d(x, [rows, cols]), temperature))))),
    logSoftmax: ({ input: { x, rows, cols, temperature } }) =>
      onBackend(tf, backend, () => read(tf.tidy(() => tf.logSoftmax(tf.div(tf.tensor2d(x, [rows, cols]), temperature))))),
    crossEntropy: ({ input: { x, rows, cols, labels, temperature } }) =>
      onBackend(tf, backend, () => {
        const loss = tf.tidy(() => {
          const oneHot = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), cols), 'float32');
          return tf.losses.softmaxCrossEntropy(oneHot, tf.div(tf.tensor2d(x, [rows, cols]), temperature));
        });
        return read(loss)[0];
      }),
    crossEntropyGrad: ({ input: { x, rows, cols, labels, temperature } }) =>
      onBackend(tf, backend, () => {
        // As users write it: one-hot labels, mean softmaxCrossEntropy of x / T, valueAndGrad.
        const [value, grad] = tf.tidy(() => {
          const oneHot = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), cols), 'float32');
          const r = tf.valueAndGrad((z: Tensor) => tf.losses.softmaxCrossEntropy(oneHot, tf.div(z, temperature)))(tf.tensor2d(x, [rows, cols]));
          return [r.value, r.grad];
        });
        return { loss: read(value)[0], grad: read(grad) };
      }),
    batchNorm: ({ input: i }) =>
      onBackend(tf, backend, () =>
        // Statistics arrive as Float32Arrays like x, so their tensors are made per call too.
        read(tf.tidy(() => tf.batchNorm(tf.tensor2d(i.x, [i.rows, i.cols]), tf.tensor1d(i.mean), tf.tensor1d(i.variance), tf.tensor1d(i.beta), tf.tensor1d(i.gamma), i.epsilon))),
      ),
    batchNormTrain: async ({ input: i }) => {
      if (tf.getBackend() !== backend) await tf.setBackend(backend);
      // Parameters and running statistics live as tensors between steps, as in a tfjs model.
      const gamma = tf.keep(tf.tensor1d(i.gamma)), beta = tf.keep(tf.tensor1d(i.beta));
      let runningMean = tf.keep(tf.tensor1d(i.runningMean)), runningVariance = tf.keep(tf.tensor1d(i.runningVariance));
      const n = i.rows;
      const step = (): { y: Float32Array; dx: Float32Array; dGamma: Float32Array; dBeta: Float32Array; runningMean: Float32Array; runningVariance: Float32Array } => {
        const [y, dx, dGamma, dBeta, mean, variance] = tf.tidy(() => {
          let moments: { mean: Tensor; variance: Tensor } | undefined;
          const forward = (x: Tensor, g: Tensor, b: Tensor): Tensor => {
            const m = tf.moments(x, 0);
            // valueAndGrads disposes the forward's intermediates; the running statistics need these two.
            moments = { mean: tf.keep(m.mean), variance: tf.keep(m.variance) };
            return tf.batchNorm(x, m.mean, m.variance, b, g, i.epsilon);
          };
          const dy = tf.tensor2d(i.dy, [i.rows, i.cols]);
          const r = tf.valueAndGrads(forward)([tf.tensor2d(i.x, [i.rows, i.cols]), gamma, beta], dy);
          return [r.value, ...r.grads, moments!.mean, moments!.variance];
        });
        const [nextMean, nextVariance] = tf.tidy(() => [
          tf.add(tf.mul(runningMean, 1 - i.momentum), tf.mul(mean, i.momentum)),
          tf.add(tf.mul(runningVariance, 1 - i.momentum), tf.mul(variance, (i.momentum * n) / (n - 1))),
        ]);
        mean.dispose();
        variance.dispose();
        runningMean.dispose();
        runningVariance.dispose();
        runningMean = nextMean;
        runningVariance = nextVariance;
        const out = { y: read(y), dx: read(dx), dGamma: read(dGamma), dBeta: read(dBeta) };
        // Running statistics stay on the backend; only the check reads them.
        return {
          ...out,
          get runningMean() { return runningMean.dataSync() as Float32Array; },
          get runningVariance() { return runningVariance.dataSync() as Float32Array; },
        };
      };
      return onBackend(tf, backend, step, () => tf.dispose([gamma, beta, runningMean, runningVariance]));
    },
  });
}
