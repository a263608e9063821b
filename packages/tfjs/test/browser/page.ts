// Bundled by esbuild for the Chromium test: @tstar/tfjs (from source), tfjs, its wasm backend and @tstar/core.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { init, TStarError, type Scaler } from '@tstar/core';
import { registerKernels, scaledProbabilities, TemperatureSoftmax, temperatureCrossEntropy } from '../../src/index.js';

interface Counters {
  downloads: number;
}

const counters: Counters = { downloads: 0 };

/** Counts every GPU→CPU read the active backend does (the real methods still run). */
function countReads(): void {
  const backend = tf.backend() as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['readSync', 'read', 'readToGPU']) {
    const original = backend[name];
    if (typeof original !== 'function' || (original as { counted?: boolean }).counted) continue;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      counters.downloads++;
      return original.apply(this, args);
    };
    (wrapped as { counted?: boolean }).counted = true;
    backend[name] = wrapped;
  }
}

async function setup(backend: 'webgl' | 'wasm'): Promise<{ backend: string; floatPrecision?: number }> {
  await init({ url: '/core/tstar.wasm' });
  setWasmPaths('/tfjs-wasm/');
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
  await tf.ready();
  if (backend === 'wasm') registerKernels();
  countReads();
  return { backend: tf.getBackend(), floatPrecision: backend === 'webgl' ? (tf.backend() as unknown as { floatPrecision(): number }).floatPrecision() : undefined };
}

interface Measured {
  downloads: number;
  downloadWaitMs: number;
  kernelNames: string[];
  leaked: number;
}

/** Runs `f`, recording reads, tf.time's download wait and tf.profile's kernels; returns its tensors' values after. */
async function measure(f: () => tf.Tensor[]): Promise<Measured & { values: number[][] }> {
  const before = tf.memory().numTensors;
  // Reads counted on a plain run: tf.profile itself reads outputs to check them for NaN.
  counters.downloads = 0;
  tf.dispose(f());
  const downloads = counters.downloads;
  const timing = await tf.time(() => tf.dispose(f()));
  const profile = await tf.profile(() => f());
  const outputs = profile.result as tf.Tensor[];
  const values: number[][] = [];
  for (const t of outputs) values.push(Array.from(await t.data()));
  tf.dispose(outputs);
  return { downloads, downloadWaitMs: (timing as { downloadWaitMs?: number }).downloadWaitMs ?? 0, kernelNames: profile.kernelNames, leaked: tf.memory().numTensors - before, values };
}

async function layer(spec: { x: number[]; shape: [number, number]; temperature: number }) {
  const x = tf.tensor2d(spec.x, spec.shape);
  const softmaxLayer = new TemperatureSoftmax({ temperature: spec.temperature });
  const result = await measure(() => [softmaxLayer.apply(x) as tf.Tensor, tf.softmax(x)]);
  x.dispose();
  return result;
}

async function loss(spec: { x: number[]; shape: [number, number]; labels: number[]; temperature: number; labelSmoothing: number }) {
  const x = tf.tensor2d(spec.x, spec.shape);
  const y = tf.tensor1d(spec.labels);
  const fn = temperatureCrossEntropy(spec.temperature, { sparse: true, labelSmoothing: spec.labelSmoothing });
  const result = await measure(() => {
    const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => tf.mean(fn(y, z)) as tf.Scalar)(x);
    return [fn(y, x), value, grad];
  });
  tf.dispose([x, y]);
  return result;
}

async function scaled(spec: { x: number[]; shape: [number, number]; scaler: Scaler }) {
  const x = tf.tensor2d(spec.x, spec.shape);
  const result = await measure(() => [scaledProbabilities(x, spec.scaler), scaledProbabilities(x, spec.scaler, { output: 'logits' })]);
  x.dispose();
  return result;
}

async function errors() {
  const out: Array<{ code?: string; message: string; leaked: number }> = [];
  const attempt = (f: () => unknown) => {
    const before = tf.memory().numTensors;
    try {
      tf.tidy(() => {
        f();
      });
      out.push({ message: 'no error', leaked: tf.memory().numTensors - before });
    } catch (e) {
      out.push({ code: e instanceof TStarError ? e.code : `not a TStarError: ${String(e)}`, message: (e as Error).message, leaked: tf.memory().numTensors - before });
    }
  };
  attempt(() => new TemperatureSoftmax({ temperature: 0 }));
  attempt(() => temperatureCrossEntropy(2, { sparse: true })(tf.tensor1d([0, 1]), tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2])));
  attempt(() => new TemperatureSoftmax({ temperature: 2 }).apply(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32')));
  return out;
}

(window as unknown as { tstar: object }).tstar = { setup, layer, loss, scaled, errors };
(window as unknown as { tstarReady: boolean }).tstarReady = true;
