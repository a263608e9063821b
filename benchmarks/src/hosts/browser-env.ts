// Loads the suite's environment in Chromium, on the main thread or in a module Web Worker. Files come
// from the static server (hosts/chromium.ts): /core/tstar.wasm, /tfjs-wasm/, /ort/, /models/, /stream.wasm.
import * as core from '@tstar/core';
import * as tf from '@tensorflow/tfjs';
import * as tstarTfjs from '@tstar/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as ortWasm from 'onnxruntime-web/wasm';
import * as ortWebgpu from 'onnxruntime-web/webgpu';
import type { Env, ModelName, OrtApi, OrtFlavour, TfBackend } from '../suite/env.js';

const MODELS: ModelName[] = ['softmax', 'logSoftmax', 'crossEntropy', 'batchNorm', 'logits'];

async function attempt<T>(what: string, notes: string[], load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    notes.push(`${what} unavailable: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

export async function loadBrowserEnv(worker: boolean): Promise<Env> {
  const notes: string[] = [];
  const versions: Record<string, string> = { runtime: `Chromium ${/Chrome\/([\d.]+)/.exec(navigator.userAgent)?.[1] ?? navigator.userAgent}${worker ? ' (module Web Worker)' : ' (main thread)'}` };
  if (!crossOriginIsolated) notes.push('page not cross-origin isolated: performance.now() is coarsened to 100 µs.');
  await core.init({ url: new URL('/core/tstar.wasm', location.href) });

  // Cross-origin isolation makes SharedArrayBuffer available, which would switch tfjs-wasm to its
  // threaded build; both sides run one thread.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths('/tfjs-wasm/');
  const tfBackends: TfBackend[] = [];
  for (const backend of ['cpu', 'wasm', 'webgl'] as const) {
    const ok = await attempt(`tfjs ${backend}`, notes, async () => {
      if (!(await tf.setBackend(backend))) throw new Error('setBackend returned false');
      tf.tensor1d([0]).dispose();
      return true;
    });
    if (ok) tfBackends.push(backend);
  }
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  versions.tfjs = `${tf.version.tfjs} (wasm: SIMD ${simd ? 'on' : 'off'}, threads off)`;

  const ort: OrtFlavour[] = [];
  // Only the .wasm is pointed at: each bundle keeps its embedded glue, as in the cold-start bundle.
  ortWasm.env.wasm.wasmPaths = { wasm: '/ort/ort-wasm-simd-threaded.wasm' };
  ortWebgpu.env.wasm.wasmPaths = { wasm: '/ort/ort-wasm-simd-threaded.asyncify.wasm' };
  for (const o of [ortWasm, ortWebgpu]) o.env.wasm.numThreads = 1;
  versions.onnxruntimeWeb = ortWasm.env.versions.web ?? 'unknown';
  ort.push({ name: 'ORT-web wasm', api: ortWasm as unknown as OrtApi, sessionOptions: { executionProviders: ['wasm'] } });
  type AdapterInfo = { vendor: string; architecture: string; isFallbackAdapter?: boolean };
  const adapter = await attempt('WebGPU', notes, async () => {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: AdapterInfo } | null> } }).gpu;
    const a = await gpu?.requestAdapter();
    if (!a) throw new Error('no WebGPU adapter');
    return a;
  });
  if (adapter) {
    const info = adapter.info;
    versions.webgpu = info ? `${info.vendor} ${info.architecture}${info.isFallbackAdapter ? ' (fallback adapter)' : ''}` : 'adapter';
    // Only 'webgpu' listed, so a session fails instead of falling back to wasm silently.
    ort.push({ name: 'ORT-web webgpu (software WebGPU)', api: ortWebgpu as unknown as OrtApi, sessionOptions: { executionProviders: ['webgpu'] } });
  }

  const models: Env['models'] = {};
  for (const name of MODELS) models[name] = new Uint8Array(await (await fetch(`/models/${name}.onnx`)).arrayBuffer());
  const stream = await WebAssembly.compileStreaming(fetch('/stream.wasm'));
  const gc = (globalThis as { gc?: (options?: { type: 'major' | 'minor' }) => void }).gc;
  if (!gc) notes.push('no GC hook (launch Chromium with --js-flags=--expose-gc).');
  return { runtime: worker ? 'chromium-worker' : 'chromium', core, tf, tstarTfjs, tfBackends, ort, models, stream, collect: gc && ((full: boolean) => gc({ type: full ? 'major' : 'minor' })), versions, notes };
}
