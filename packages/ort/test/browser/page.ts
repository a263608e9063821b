// The page's script, bundled by the test with esbuild; @tstar/core and onnxruntime-web/webgpu stay external and
// come from their packages through the page's import map, so each fetches its own wasm from where it lives.
import * as ort from 'onnxruntime-web/webgpu';
import { init, type Scaler } from '@tstar/core';
import { TemperatureSession } from '../../src/index.js';
import { insertTemperature, readModel, writeModel } from '../../src/onnx/index.js';
import type { OrtRuntime } from '../../src/runtime.js';

export interface PageCase {
  model: string;
  mode: 'post' | 'graph' | 'logits';
  temperature?: number | 'auto';
  /** A fitted scaler instead of the temperature. */
  scaler?: Scaler;
  input: number[];
  dims: number[];
  inputName: string;
  logProbabilities?: boolean;
  /** onnxruntime's verbose log (node placement, WebGPU programs) on the console: slow on big graphs. */
  verbose?: boolean;
}

export interface PageAnswer {
  values: number[];
  dims: number[];
  location: string;
  logProbabilities?: number[];
  temperature?: number;
  featureDim?: number;
  device: boolean;
}

// Only WebGPU: with ['webgpu', 'wasm'] a missing adapter would fall back to wasm silently.
const webgpu = (verbose = false) => ({ executionProviders: ['webgpu'], logSeverityLevel: verbose ? 0 : 2, preferredOutputLocation: 'gpu-buffer' }) as const;

async function environment() {
  const adapter = await navigator.gpu?.requestAdapter();
  const info = adapter?.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
  return {
    gpu: 'gpu' in navigator,
    adapter: adapter ? { vendor: info!.vendor, architecture: info!.architecture, isFallbackAdapter: info!.isFallbackAdapter ?? false, shaderF16: adapter.features.has('shader-f16') } : null,
    crossOriginIsolated,
    userAgent: navigator.userAgent,
  };
}

async function tensorValues(tensor: ort.Tensor): Promise<number[]> {
  const data = await tensor.getData();
  return Array.from(data as Float32Array);
}

async function runCase(c: PageCase): Promise<PageAnswer> {
  const bytes = new Uint8Array(await (await fetch(c.model)).arrayBuffer());
  const feeds = { [c.inputName]: new ort.Tensor('float32', Float32Array.from(c.input), c.dims) };
  if (c.mode === 'logits') {
    // The reference logits on the same EP: the model with its logits exposed by the graph tools.
    const model = readModel(bytes);
    const { logits } = insertTemperature(model, { temperature: 1, exposeOnly: true });
    const session = await ort.InferenceSession.create(writeModel(model), webgpu(c.verbose));
    const out = (await session.run(feeds))[logits];
    const location = out.location;
    const answer = { values: await tensorValues(out), dims: [...out.dims], location, device: Boolean(await ort.env.webgpu.device) };
    await session.release();
    return answer;
  }
  const session = await TemperatureSession.create(bytes, {
    ...(c.scaler ? { scaler: c.scaler } : { temperature: c.temperature }), mode: c.mode, runtime: ort as unknown as OrtRuntime, sessionOptions: webgpu(c.verbose), logProbabilities: c.logProbabilities,
  });
  const result = await session.run(feeds);
  const p = result.probabilities;
  // Read before getData(), which downloads the tensor and moves it to 'cpu'.
  const location = p.location;
  const answer: PageAnswer = {
    values: await tensorValues(p),
    dims: [...p.dims],
    location,
    logProbabilities: result.logProbabilities ? await tensorValues(result.logProbabilities) : undefined,
    temperature: session.temperature,
    featureDim: session.featureDim,
    device: Boolean(await ort.env.webgpu.device),
  };
  await session.release();
  return answer;
}

Object.assign(globalThis, { tstarOrt: { environment, runCase, initCore: () => init() } });
