import * as tf from '@tensorflow/tfjs';
import { crossEntropy, softmax, softmaxBackward, TStarError } from '@tstar/core';
import { KERNELS, type CrossEntropyAttrs } from './ops.js';
import { CORE_BACKENDS, checkTemperature, hostFloats, intoWasmHeap, toTarget } from './tensors.js';

/** What cpu and wasm backends share: host reads of a tensor's values and a write that makes a new one. */
interface HostBackend {
  readSync(dataId: object): unknown;
  write(values: Float32Array, shape: number[], dtype: 'float32'): object;
}

type Info = tf.TensorInfo;

function host(backend: unknown): HostBackend {
  return backend as HostBackend;
}

function values(backend: HostBackend, info: Info): Float32Array | Int32Array {
  return backend.readSync(info.dataId) as Float32Array | Int32Array;
}

function floats(op: string, backend: HostBackend, info: Info): Float32Array {
  if (info.dtype !== 'float32') throw new TStarError('E_DTYPE', `${op}: expected a float32 tensor, got ${info.dtype}`);
  return hostFloats(values(backend, info));
}

function output(backend: HostBackend, data: Float32Array, shape: number[]): Info {
  return { dataId: backend.write(data, shape, 'float32'), shape, dtype: 'float32' };
}

/** softmax(x / T) into a new tensor: on tfjs' wasm heap directly when the backend is wasm. */
function softmaxOutput(op: string, b: HostBackend, x: Info, temperature: number): Info {
  const shape = rowsCols(x);
  return intoWasmHeap(b, x, (input, out) => softmax(input, shape, { temperature, out }))
    ?? output(b, softmax(floats(op, b, x), shape, { temperature }), x.shape);
}

function rowsCols(info: Info): [number, number] {
  const cols = info.shape[info.shape.length - 1] ?? 1;
  return [info.shape.reduce((a, b) => a * b, 1) / cols, cols];
}

// tfjs' own Softmax (what tf.softmax calls): no temperature attribute, so T = 1; a Div before it stays a tf op.
const softmaxKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const op = 'Softmax';
  const logits = inputs.logits as Info;
  const dim = (attrs as { dim?: number }).dim ?? -1;
  if (dim !== -1 && dim !== logits.shape.length - 1) throw new TStarError('E_ARGUMENT', `${op}: only the last axis is supported, got dim ${dim}`);
  const b = host(backend);
  return softmaxOutput(op, b, logits, 1);
};

/** A fixed T travels as an exact attribute; a trainable one as its float32 tensor. */
function temperatureOf(op: string, b: HostBackend, inputs: tf.NamedTensorInfoMap, attrs: unknown): number {
  const fixed = (attrs as { temperature?: number } | undefined)?.temperature;
  return checkTemperature(op, typeof fixed === 'number' ? fixed : values(b, inputs.temperature as Info)[0]);
}

const temperatureSoftmaxKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const op = KERNELS.softmax;
  const x = inputs.x as Info;
  const b = host(backend);
  const temperature = temperatureOf(op, b, inputs, attrs);
  return softmaxOutput(op, b, x, temperature);
};

// Two outputs: dL/dx and dL/dT (the latter shaped like the temperature tensor).
const temperatureSoftmaxGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const op = KERNELS.softmaxGrad;
  const y = inputs.y as Info;
  const b = host(backend);
  const temperature = temperatureOf(op, b, inputs, attrs);
  const { dx, dTemperature } = softmaxBackward(floats(op, b, y), floats(op, b, inputs.dy as Info), rowsCols(y), { temperature, x: floats(op, b, inputs.x as Info) });
  const tShape = (inputs.temperature as Info).shape;
  return [output(b, dx, y.shape), output(b, new Float32Array(1).fill(dTemperature), tShape)];
};

const crossEntropyKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const op = KERNELS.crossEntropy;
  const { temperature, labelSmoothing, sparse } = attrs as unknown as CrossEntropyAttrs;
  const logits = inputs.logits as Info;
  const b = host(backend);
  const shape = rowsCols(logits);
  const target = toTarget(op, values(b, inputs.labels as Info), sparse);
  const { loss } = crossEntropy(floats(op, b, logits), shape, target, { temperature, labelSmoothing, reduction: 'none' });
  return output(b, loss, [shape[0]]);
};

const crossEntropyGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const op = KERNELS.crossEntropyGrad;
  const { temperature, labelSmoothing, sparse } = attrs as unknown as CrossEntropyAttrs;
  const logits = inputs.logits as Info;
  const b = host(backend);
  const target = toTarget(op, values(b, inputs.labels as Info), sparse);
  // The incoming gradient (one value per row) scales each row inside the core's pass.
  const upstream = floats(op, b, inputs.dy as Info);
  const { grad } = crossEntropy(floats(op, b, logits), rowsCols(logits), target, { temperature, labelSmoothing, reduction: 'none', grad: true, upstream });
  return output(b, grad, logits.shape);
};

const GRADIENTS: tf.GradConfig[] = [
  {
    kernelName: KERNELS.softmax,
    inputsToSave: ['x', 'temperature'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, t, y] = saved;
      const grads = (i: number) => () => tf.tidy(() => (tf.engine().runKernel(KERNELS.softmaxGrad, { y, dy: dy as tf.Tensor, x, temperature: t }, attrs) as tf.Tensor[])[i]);
      return { x: grads(0), temperature: grads(1) };
    },
  },
  {
    kernelName: KERNELS.crossEntropy,
    inputsToSave: ['logits', 'labels'],
    gradFunc: (dy, saved, attrs) => {
      const [logits, labels] = saved;
      return {
        logits: () => tf.engine().runKernel(KERNELS.crossEntropyGrad, { logits, labels, dy: dy as tf.Tensor }, attrs) as tf.Tensor,
        labels: () => tf.zerosLike(labels),
      };
    },
  },
];

const KERNEL_FUNCS: Array<[string, tf.KernelFunc]> = [
  ['Softmax', softmaxKernel],
  [KERNELS.softmax, temperatureSoftmaxKernel],
  [KERNELS.softmaxGrad, temperatureSoftmaxGradKernel],
  [KERNELS.crossEntropy, crossEntropyKernel],
  [KERNELS.crossEntropyGrad, crossEntropyGradKernel],
];

let registered: (() => void) | undefined;

/**
 * Registers tstar kernels for the `cpu` and `wasm` backends: tfjs' own `Softmax` (so `tf.softmax`, and every
 * model or composed expression using it, runs on @tstar/core), and `TStarSoftmax` / `TStarCrossEntropy` with their
 * gradients, which {@link TemperatureSoftmax} and {@link temperatureCrossEntropy} then dispatch to (visible in
 * `tf.profile`). Other backends (webgl, webgpu, …) are left alone: there the layer and loss compose tf ops and
 * keep data on the GPU. Explicit by design: importing this package registers no kernel. Idempotent; call the
 * returned function to restore tfjs' own Softmax and remove the rest.
 * Registered kernels follow the core's contract: NaN or +Infinity (E_NONFINITE) and an all −Infinity row (E_MASKED) throw
 * (tfjs' Softmax would return NaN), and `Softmax` supports the last axis only (as `tf.softmax` does).
 * @throws {TStarError} from a registered kernel, at the op that runs it
 * @example const unregister = registerKernels(); tf.softmax(x); unregister();
 */
export function registerKernels(): () => void {
  if (registered) return registered;
  const originals: tf.KernelConfig[] = [];
  for (const backendName of CORE_BACKENDS) {
    for (const [kernelName, kernelFunc] of KERNEL_FUNCS) {
      const existing = tf.getKernel(kernelName, backendName);
      if (existing) {
        originals.push(existing);
        tf.unregisterKernel(kernelName, backendName);
      }
      tf.registerKernel({ kernelName, backendName, kernelFunc });
    }
  }
  const replacedGradients = GRADIENTS.map((g) => tf.getGradient(g.kernelName)).filter((g): g is tf.GradConfig => g !== undefined);
  for (const g of replacedGradients) tf.unregisterGradient(g.kernelName);
  for (const g of GRADIENTS) tf.registerGradient(g);
  registered = () => {
    for (const backendName of CORE_BACKENDS) for (const [kernelName] of KERNEL_FUNCS) tf.unregisterKernel(kernelName, backendName);
    for (const original of originals) tf.registerKernel(original);
    for (const g of GRADIENTS) tf.unregisterGradient(g.kernelName);
    for (const g of replacedGradients) tf.registerGradient(g);
    registered = undefined;
  };
  return registered;
}
