import * as tf from '@tensorflow/tfjs';
import { crossEntropy, softmax, softmaxBackward, TStarError } from '@tstar/core';
import { checkTargetShape, checkTemperature, checkTensor, floatData, intoWasmHeap, matrixShape, onCoreBackend, toTarget } from './tensors.js';

/**
 * Names of the kernels {@link registerKernels} adds for the cpu and wasm backends (besides tfjs' own `Softmax`).
 * @example tf.getKernel(KERNELS.softmax, 'wasm') !== undefined // registered?
 */
export const KERNELS = {
  softmax: 'TStarSoftmax',
  softmaxGrad: 'TStarSoftmaxGrad',
  crossEntropy: 'TStarCrossEntropy',
  crossEntropyGrad: 'TStarCrossEntropyGrad',
} as const;

/** Options of the temperature cross-entropy op and loss. */
export interface CrossEntropyAttrs {
  temperature: number;
  labelSmoothing: number;
  sparse: boolean;
}

type Route = 'kernel' | 'core' | 'composed';

/** Registered tstar kernel (cpu/wasm after registerKernels) → core through tf.customGrad (cpu/wasm) → tf ops. */
function route(kernel: string): Route {
  const backend = tf.getBackend();
  if (tf.getKernel(kernel, backend) !== undefined) return 'kernel';
  return onCoreBackend() ? 'core' : 'composed';
}

function temperatureValue(op: string, t: tf.Tensor): number {
  return checkTemperature(op, t.dataSync()[0]);
}

/**
 * softmax(x / T) over the last axis: the op behind {@link TemperatureSoftmax}. `temperature` is a number, or a
 * one-element tensor (a trainable variable) that receives dL/dT. On cpu and wasm the values and gradients come
 * from @tstar/core (through registered kernels after registerKernels()); elsewhere from tf.softmax(tf.div(x, T)).
 * @throws {TStarError} E_TEMPERATURE, E_DTYPE (x not a float32 tf.Tensor), E_SHAPE (a scalar x, a temperature
 * tensor of several values), E_ARGUMENT (a tensor of another tfjs copy); on cpu/wasm E_NONFINITE, E_MASKED
 * @example const p = softmaxWithTemperature(logits, 2.5);
 */
export function softmaxWithTemperature(x: tf.Tensor, temperature: number | tf.Tensor): tf.Tensor {
  const op = 'TemperatureSoftmax';
  checkTensor(op, 'x', x);
  const shape = matrixShape(op, 'x', x);
  if (typeof temperature === 'number') checkTemperature(op, temperature);
  else {
    checkTensor(op, 'temperature', temperature);
    if (temperature.size !== 1) throw new TStarError('E_SHAPE', `${op}: a temperature tensor must hold one value, got shape [${temperature.shape.join(', ')}]`);
  }
  const path = route(KERNELS.softmax);
  if (path === 'composed') return tf.tidy(() => tf.softmax(tf.div(x, temperature)));
  if (path === 'kernel') {
    // A fixed T also rides as an exact attribute: its float32 tensor would round it (0.6 → 0.60000002).
    const fixed = typeof temperature === 'number';
    return tf.tidy(() => tf.engine().runKernel(KERNELS.softmax, { x, temperature: fixed ? tf.scalar(temperature) : temperature }, fixed ? { temperature } : {}) as tf.Tensor);
  }
  if (typeof temperature === 'number') {
    const f = tf.customGrad((input, save) => {
      const t = input as tf.Tensor;
      const info = intoWasmHeap(tf.backend(), t, (data, out) => softmax(data, shape, { temperature, out }));
      const value = info ? tf.engine().makeTensorFromTensorInfo(info) : tf.tensor(softmax(floatData(t), shape, { temperature }), t.shape, 'float32');
      (save as tf.GradSaveFunc)([value]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tensor(softmaxBackward(floatData(saved[0]), floatData(dy), shape, { temperature }), t.shape, 'float32'),
      };
    });
    return f(x);
  }
  const f = tf.customGrad((input, tInput) => {
    const t = input as tf.Tensor, tT = tInput as tf.Tensor;
    const T = temperatureValue(op, tT);
    const data = floatData(t);
    const y = softmax(data, shape, { temperature: T });
    return {
      value: tf.tensor(y, t.shape, 'float32'),
      gradFunc: (dy: tf.Tensor) => {
        const { dx, dTemperature } = softmaxBackward(y, floatData(dy), shape, { temperature: T, x: data });
        return [tf.tensor(dx, t.shape, 'float32'), tf.fill(tT.shape, dTemperature)];
      },
    };
  });
  return f(x, temperature);
}

/**
 * Per-row softmax cross-entropy of logits / T ([rows, classes]) against one-hot / soft targets ([rows,
 * classes]) or sparse integer labels ([rows] or [rows, 1]); returns [rows]. Gradient to the logits only.
 */
export function temperatureCrossEntropyRows(labels: tf.Tensor, logits: tf.Tensor, attrs: CrossEntropyAttrs): tf.Tensor1D {
  const op = 'temperatureCrossEntropy';
  checkTensor(op, 'labels', labels);
  checkTensor(op, 'logits', logits);
  const shape = matrixShape(op, 'logits', logits, 2);
  const [rows, cols] = shape;
  checkTargetShape(op, labels.shape, rows, cols, attrs.sparse);
  checkTemperature(op, attrs.temperature);
  const path = route(KERNELS.crossEntropy);
  if (path === 'composed') return composedCrossEntropy(labels, logits, attrs);
  if (path === 'kernel') return tf.engine().runKernel(KERNELS.crossEntropy, { logits, labels }, { ...attrs }) as tf.Tensor1D;
  const { temperature, labelSmoothing, sparse } = attrs;
  const f = tf.customGrad((labelsInput, logitsInput) => {
    const y = labelsInput as tf.Tensor, z = logitsInput as tf.Tensor;
    const data = floatData(z);
    const target = toTarget(op, y.dataSync(), sparse);
    const { loss } = crossEntropy(data, shape, target, { temperature, labelSmoothing, reduction: 'none' });
    return {
      value: tf.tensor1d(loss, 'float32'),
      gradFunc: (dy: tf.Tensor) => {
        // The incoming gradient (one value per row) scales each row inside the core's pass.
        const { grad } = crossEntropy(data, shape, target, { temperature, labelSmoothing, reduction: 'none', grad: true, upstream: floatData(dy) });
        return [tf.zerosLike(y), tf.tensor2d(grad, shape)];
      },
    };
  });
  return f(labels, logits) as tf.Tensor1D;
}

/** The same loss in tf ops, for GPU backends (no download) and as the tests' second reference. */
export function composedCrossEntropy(labels: tf.Tensor, logits: tf.Tensor, attrs: CrossEntropyAttrs): tf.Tensor1D {
  const cols = logits.shape[1] as number;
  return tf.tidy(() => {
    let target = attrs.sparse ? tf.oneHot(tf.cast(tf.reshape(labels, [-1]), 'int32'), cols) : labels;
    if (attrs.labelSmoothing > 0) target = tf.add(tf.mul(target, 1 - attrs.labelSmoothing), attrs.labelSmoothing / cols);
    return tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(tf.div(logits, attrs.temperature))), -1)) as tf.Tensor1D;
  });
}
