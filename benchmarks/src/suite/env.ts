// What a host hands the runtime-neutral runner: the libraries it loaded (each the way that runtime
// loads it) and the runtime's own facilities. Nothing in suite/ imports a library or a node: module
// itself, so the same code runs in Node, Bun, Deno, Chromium (page and worker) and workerd.
import type * as Core from '@tstar/core';

export type Tf = typeof import('@tensorflow/tfjs');
export type TfBackend = 'cpu' | 'wasm' | 'webgl';
/** @tstar/tfjs, loaded beside the host's tfjs (one tfjs copy: the package imports the same module). */
export type TstarTfjs = typeof import('@tstar/tfjs');

/** The part of onnxruntime's API the suite uses; onnxruntime-web and onnxruntime-node both fit it. */
export interface OrtApi {
  InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]) => unknown;
}
export interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dispose?(): void }>>;
  release?(): Promise<void>;
}

/** One onnxruntime flavour as a contender: its label in the report and how sessions are made. */
export interface OrtFlavour {
  /** e.g. 'ORT-web wasm', 'ORT-web webgpu (software WebGPU)', 'ORT-node'. */
  name: string;
  api: OrtApi;
  sessionOptions: Record<string, unknown>;
}

/** ONNX models the ORT contenders run, built once by the orchestrator (suite/models.ts). */
export type ModelName = 'softmax' | 'logSoftmax' | 'crossEntropy' | 'batchNorm' | 'logits';

export type RuntimeId = 'node' | 'bun' | 'deno' | 'chromium' | 'chromium-worker' | 'workerd';

export interface Env {
  runtime: RuntimeId;
  core: typeof Core;
  tf?: Tf;
  /** @tstar/tfjs's layer and loss, where the host loaded tfjs. */
  tstarTfjs?: TstarTfjs;
  tfBackends: TfBackend[];
  ort: OrtFlavour[];
  models: Partial<Record<ModelName, Uint8Array>>;
  /** The physical-limit kernel (dist/stream.wasm), compiled the way this runtime allows. */
  stream?: WebAssembly.Module;
  /** Forced GC where the runtime exposes one: full, or young generation only (see MeasureOptions). */
  collect?: (full: boolean) => void;
  /** Library and runtime versions for the report. */
  versions: Record<string, string>;
  /** Things the report should say about this runtime (a library that did not load, a missing GC hook). */
  notes: string[];
}
