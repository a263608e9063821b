// Everything that touches onnxruntime-web: the execution provider, the logits pass, tempered runs and timings.
import * as ort from 'onnxruntime-web/webgpu';
import { float16ToFloat32, TStarError } from '@tstar/core';
import { TemperatureSession, type OrtRuntime } from '@tstar/ort';
import { DATA_TYPES, elementTypeName, findHead, insertTemperature, readModel, tensorType, writeModel, type ClassifierHead, type OnnxModel } from '@tstar/ort/onnx';
import type { Batch, InputSpec } from './batch.js';

/** The onnxruntime-web execution providers the page uses. */
export type Provider = 'webgpu' | 'wasm';

/** What the browser offers, probed once: never inferred from the user agent. */
export interface WebGpuProbe {
  available: boolean;
  /** Why not, when not. */
  reason: string;
  shaderF16: boolean;
}

/** The execution provider a session really ran on, and what proves it. */
export interface ProviderReport {
  provider: Provider;
  /** Why this provider (and not WebGPU) was used. */
  note: string;
  /** The GPUDevice onnxruntime made, read back from it after the session was created (WebGPU only). */
  device?: { vendor: string; architecture: string; description: string; fallback: boolean };
}

/** A model decoded with its head and the one input the playground feeds. */
export interface ModelInfo {
  name: string;
  bytes: Uint8Array;
  model: OnnxModel;
  head: ClassifierHead;
  input: InputSpec;
  /** Whether the graph holds float16 tensors (WebGPU then needs shader-f16). */
  float16: boolean;
}

/** One timed session: creation and one run over the whole batch, in milliseconds. */
export interface Timing {
  mode: 'post' | 'graph';
  provider: Provider;
  temperature: number;
  createMs: number;
  runMs: number;
  rows: number;
}

const runtime = ort as unknown as OrtRuntime;
// One thread: a static page is not cross-origin isolated, so threads are unavailable anyway.
ort.env.wasm.numThreads = 1;

/** Asks the browser for a WebGPU adapter. */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  if (!('gpu' in navigator) || !navigator.gpu) return { available: false, reason: 'this browser has no navigator.gpu (WebGPU is off or unsupported)', shaderF16: false };
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { available: false, reason: 'navigator.gpu.requestAdapter() returned no adapter', shaderF16: false };
    return { available: true, reason: '', shaderF16: adapter.features.has('shader-f16') };
  } catch (error) {
    return { available: false, reason: `requestAdapter() failed: ${(error as Error).message}`, shaderF16: false };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Decodes the model and finds what the playground needs: the classifier head (logits, M, classes) and a single
 * float32 input.
 * @throws {TStarError} E_MODEL (not ONNX, no head, logits not float), E_ARGUMENT (several inputs, input not float32)
 */
export function inspectModel(name: string, bytes: Uint8Array): ModelInfo {
  const model = readModel(bytes);
  const head = findHead(model);
  if (head.logitsType === undefined) {
    throw new TStarError('E_MODEL', `${name}: the logits '${head.logits}' have no declared element type, so the page cannot tell they are float`);
  }
  const g = model.graph!;
  const constants = new Set((g.initializer ?? []).map((t) => t.name));
  const inputs = (g.input ?? []).filter((v) => !constants.has(v.name));
  if (inputs.length !== 1) {
    throw new TStarError('E_ARGUMENT', `${name}: the playground feeds one input, but the model takes ${inputs.length} (${inputs.map((v) => `'${v.name}'`).join(', ')})`);
  }
  const inputName = inputs[0].name ?? '';
  const declared = tensorType(model, inputName);
  const type = declared.dataType === undefined ? undefined : elementTypeName(declared.dataType);
  if (type !== undefined && type !== 'float32') {
    throw new TStarError('E_ARGUMENT', `${name}: the model's input '${inputName}' is ${type}; the playground feeds float32 inputs`);
  }
  const float16 = (g.initializer ?? []).some((t) => t.dataType === DATA_TYPES.float16) || head.logitsType === DATA_TYPES.float16;
  return { name, bytes, model, head, input: { name: inputName, type, dims: declared.dims }, float16 };
}

/** The provider to ask for, and why: WebGPU when offered (and able to run this model), wasm otherwise. */
export function chooseProvider(probe: WebGpuProbe, info: ModelInfo | undefined, wanted: Provider): { provider: Provider; note: string } {
  if (wanted === 'wasm') return { provider: 'wasm', note: probe.available ? 'chosen on this page' : `WebGPU unavailable: ${probe.reason}` };
  if (!probe.available) return { provider: 'wasm', note: `WebGPU unavailable: ${probe.reason}` };
  // Without shader-f16, float16 kernels fail (native EP) or return zeros (JSEP): never run them there.
  if (info?.float16 && !probe.shaderF16) return { provider: 'wasm', note: 'the model holds float16 tensors and this WebGPU adapter lacks shader-f16' };
  return { provider: 'webgpu', note: 'offered by this browser' };
}

function sessionOptions(provider: Provider): ort.InferenceSession.SessionOptions {
  // Exactly one provider: listing ['webgpu', 'wasm'] would fall back silently and the page would guess.
  return { executionProviders: [provider] };
}

async function report(provider: Provider, note: string): Promise<ProviderReport> {
  if (provider !== 'webgpu') return { provider, note };
  const device = (await ort.env.webgpu.device) as GPUDevice & { adapterInfo?: GPUAdapterInfo & { isFallbackAdapter?: boolean } };
  if (!device) throw new TStarError('E_INTERNAL', 'onnxruntime created a WebGPU session but holds no GPUDevice');
  const a = device.adapterInfo;
  return {
    provider,
    note,
    device: { vendor: a?.vendor ?? '', architecture: a?.architecture ?? '', description: a?.description ?? '', fallback: a?.isFallbackAdapter ?? false },
  };
}

/** The rows the model takes per run: a fixed first dimension, else all. */
function chunkRows(input: InputSpec, rows: number): number {
  const first = input.dims?.[0];
  return typeof first === 'number' && first > 0 ? first : rows;
}

function* chunks(input: InputSpec, batch: Batch): Generator<ort.Tensor> {
  const rows = batch.shape[0];
  const per = chunkRows(input, rows);
  if (rows % per !== 0) {
    throw new TStarError('E_SHAPE', `the model's input '${input.name}' takes exactly ${per} rows per run, and ${rows} rows do not split into runs of ${per}`);
  }
  const width = batch.data.length / rows;
  for (let start = 0; start < rows; start += per) {
    yield new ort.Tensor('float32', batch.data.subarray(start * width, (start + per) * width), [per, ...batch.shape.slice(1)]);
  }
}

async function tensorFloats(tensor: ort.Tensor, what: string): Promise<Float32Array> {
  const data = await tensor.getData();
  if (tensor.type === 'float32') return data as Float32Array;
  if (tensor.type === 'float16') return data instanceof Uint16Array ? float16ToFloat32(data) : new Float32Array(data as ArrayLike<number>);
  if (tensor.type === 'float64') return new Float32Array(data as Float64Array);
  throw new TStarError('E_MODEL', `${what} are ${tensor.type}, not float32/float16/float64`);
}

function concat(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function run(session: { run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> }, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  try {
    return await session.run(feeds);
  } catch (cause) {
    if (cause instanceof TStarError) throw cause;
    throw new TStarError('E_ARGUMENT', `onnxruntime refused the inputs (${describe(cause)})`, { cause });
  }
}

/** A model open for the page: a post-mode TemperatureSession kept for the model's lifetime, and its logits. */
export interface OpenModel {
  /**
   * Post mode's session. Its onnxruntime session returns the logits (@tstar/ort exposed them), so post mode
   * never needs a new session when T moves: softmax(z / T) runs in the page.
   */
  session: TemperatureSession;
  logits: Float32Array;
  rows: number;
  cols: number;
  report: ProviderReport;
  /** Creating the session and its first run (on WebGPU the first run also compiles the kernels). */
  first: Timing;
  /** A second, warm run through TemperatureSession.run (post mode, at the session's T). */
  warm: Timing;
  /** What that warm run returned: softmax(z / T) at `session.temperature`, from TemperatureSession.run. */
  probabilities: Float32Array;
}

async function runChunks(input: InputSpec, batch: Batch, step: (tensor: ort.Tensor) => Promise<Float32Array>): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (const tensor of chunks(input, batch)) parts.push(await step(tensor));
  return concat(parts);
}

/**
 * Opens the model on `provider`: a post-mode TemperatureSession at T = 1, run once through its onnxruntime
 * session for the logits (which feed the live metrics, the fit and the sweep), then once through its `run`.
 */
export async function openModel(info: ModelInfo, batch: Batch, provider: Provider, note: string): Promise<OpenModel> {
  const rows = batch.shape[0];
  const t0 = performance.now();
  let session: TemperatureSession;
  try {
    session = await TemperatureSession.create(info.bytes, { temperature: 1, mode: 'post', runtime, sessionOptions: sessionOptions(provider) });
  } catch (cause) {
    if (cause instanceof TStarError) throw cause;
    throw new TStarError('E_MODEL', `onnxruntime cannot create a ${provider} session (${describe(cause)})`, { cause });
  }
  try {
    const proof = await report(provider, note);
    const t1 = performance.now();
    const name = session.head.logits;
    let cols = 0;
    const logits = await runChunks(info.input, batch, async (tensor) => {
      const out = (await run(session.session as never, { [info.input.name]: tensor }))[name];
      if (!out) throw new TStarError('E_MODEL', `the session returned no '${name}' (the logits)`);
      cols = out.dims[out.dims.length - 1];
      return tensorFloats(out, `the logits '${name}'`);
    });
    const t2 = performance.now();
    const logitRows = cols > 0 ? logits.length / cols : 0;
    if (logitRows !== rows) {
      throw new TStarError('E_SHAPE', `the logits '${name}' give ${logitRows} rows for ${rows} input rows; the playground needs one row of logits per input row`);
    }
    const probabilities = await runChunks(info.input, batch, async (tensor) => tensorFloats((await run(session, { [info.input.name]: tensor })).probabilities, 'the probabilities'));
    const t3 = performance.now();
    return {
      session, logits, rows, cols, report: proof, probabilities,
      first: { mode: 'post', provider, temperature: 1, createMs: t1 - t0, runMs: t2 - t1, rows },
      warm: { mode: 'post', provider, temperature: 1, createMs: 0, runMs: t3 - t2, rows },
    };
  } catch (error) {
    await session.release().catch(() => undefined);
    throw error;
  }
}

/** A graph-mode run: softmax(z / T) for the whole batch, and its timing. */
export interface TemperedRun {
  probabilities: Float32Array;
  timing: Timing;
}

/**
 * Graph mode at one T: @tstar/ort rewrites the model so Div(T) → Softmax run inside a new session, on the
 * session's provider, and the batch runs through it. (T is a constant of the rewritten graph: each T is a new
 * session, and on WebGPU a new compile of its kernels.)
 */
export async function graphRun(info: ModelInfo, batch: Batch, provider: Provider, temperature: number): Promise<TemperedRun> {
  const t0 = performance.now();
  let session: TemperatureSession;
  try {
    session = await TemperatureSession.create(info.bytes, { temperature, mode: 'graph', runtime, sessionOptions: sessionOptions(provider) });
  } catch (cause) {
    if (cause instanceof TStarError) throw cause;
    throw new TStarError('E_MODEL', `onnxruntime cannot create a ${provider} session (${describe(cause)})`, { cause });
  }
  const t1 = performance.now();
  try {
    const probabilities = await runChunks(info.input, batch, async (tensor) => tensorFloats((await run(session, { [info.input.name]: tensor })).probabilities, 'the probabilities'));
    const t2 = performance.now();
    return { probabilities, timing: { mode: 'graph', provider, temperature, createMs: t1 - t0, runMs: t2 - t1, rows: batch.shape[0] } };
  } finally {
    await session.release();
  }
}

/**
 * The model with Div(T) → Softmax built in (a Softmax it had now reads logits / T), as `.onnx` bytes.
 * @throws {TStarError} E_TEMPERATURE, E_MODEL
 */
export function calibratedModel(info: ModelInfo, temperature: number): Uint8Array {
  const model = readModel(info.bytes);
  insertTemperature(model, { temperature, head: findHead(model) });
  return writeModel(model);
}
