// Node-only helpers for command-line tools: read M and the class count off an .onnx file, run a session over a
// batch read from disk, write a model with the temperature built in. onnxruntime-node is imported on first use.
import { readFile, writeFile } from 'node:fs/promises';
import { TStarError } from '@tstar/core';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { findHead, type ClassifierHead } from './onnx/head.js';
import { readModel, writeModel } from './onnx/model.js';
import { elementTypeName, type OnnxModel } from './onnx/proto.js';
import { tensorType } from './onnx/edit.js';
import { insertTemperature, type BatchNormStatistics, type TemperatureOutputs } from './onnx/temperature.js';
import type { Dim } from './onnx/model.js';
import { checkRuntime, logitsMatrix, type OrtRuntime } from './runtime.js';

/** What {@link readModelInfo} reads off a model file. */
export interface ModelInfo {
  path: string;
  /** M, the width entering the head's Gemm/MatMul (undefined when the graph does not show it). */
  featureDim: number | undefined;
  numClasses: number | undefined;
  /** The logits tensor and the features tensor. */
  logits: string;
  features: string | undefined;
  /** Whether a Softmax/LogSoftmax already reads the logits. */
  softmax: boolean;
  opset: number;
  /** The graph inputs (initializers excluded) with their element types and dims. */
  inputs: { name: string; type: string; dims: Dim[] | undefined }[];
  head: ClassifierHead;
}

async function readBytes(op: string, path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new TStarError('E_ARGUMENT', `${op}: cannot read '${path}' (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause });
  }
}

/**
 * Reads an ONNX file and finds its classifier head.
 * @throws {TStarError} E_ARGUMENT (unreadable file, `logitsOutput` names no tensor), E_MODEL (see findHead)
 * @example const { featureDim, numClasses } = await readModelInfo('classifier.onnx');
 */
export async function readModelInfo(path: string, options: { logitsOutput?: string } = {}): Promise<ModelInfo> {
  const model = readModel(await readBytes('readModelInfo', path));
  return infoOf(path, model, findHead(model, options));
}

function infoOf(path: string, model: OnnxModel, head: ClassifierHead): ModelInfo {
  const initializers = new Set((model.graph!.initializer ?? []).map((t) => t.name));
  const inputs = (model.graph!.input ?? []).filter((v) => !initializers.has(v.name)).map((v) => {
    const t = tensorType(model, v.name ?? '');
    return { name: v.name ?? '', type: elementTypeName(t.dataType), dims: t.dims };
  });
  return { path, featureDim: head.featureDim, numClasses: head.numClasses, logits: head.logits, features: head.features, softmax: head.softmax !== undefined, opset: head.opset, inputs, head };
}

/** An n-dimensional input batch, as @tstar/node's readArray returns it. */
export interface InputArray {
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
  shape: readonly number[];
}

/** Options of {@link runModelLogits}. */
export interface RunModelOptions {
  /** The graph input to feed. Default: the only one. */
  inputName?: string;
  logitsOutput?: string;
  /** Rows per `run`. Default 64. */
  batchSize?: number;
  /** Default: `await import('onnxruntime-node')`. */
  runtime?: OrtRuntime;
  sessionOptions?: InferenceSession.SessionOptions;
}

function inputTensor(runtime: OrtRuntime, type: string, data: InputArray['data'], dims: number[]): Tensor {
  if (type === 'float32') return new runtime.Tensor('float32', data instanceof Float32Array ? data : new Float32Array(data as ArrayLike<number>), dims);
  if (type === 'float64') return new runtime.Tensor('float64', data instanceof Float64Array ? data : new Float64Array(data as ArrayLike<number>), dims);
  if (type === 'int64') return new runtime.Tensor('int64', data instanceof BigInt64Array ? data : BigInt64Array.from(data as ArrayLike<number>, (v) => BigInt(v)), dims);
  if (type === 'int32' && data instanceof Int32Array) return new runtime.Tensor('int32', data, dims);
  if (type === 'uint8' && data instanceof Uint8Array) return new runtime.Tensor('uint8', data, dims);
  throw new TStarError('E_DTYPE', `runModelLogits: the model's input takes ${type}; the data is ${data.constructor.name}`);
}

/**
 * Runs an ONNX classifier over a batch (rows along the first axis) with onnxruntime-node and returns the logits
 * as one [rows, classes] float32 matrix (float16/float64 logits converted).
 * @throws {TStarError} E_ARGUMENT (unreadable file, ambiguous input, onnxruntime refuses the data), E_SHAPE,
 * E_DTYPE, E_MODEL
 * @example const { logits, shape } = await runModelLogits('classifier.onnx', await readArray('x.npy'));
 */
export async function runModelLogits(path: string, input: InputArray, options: RunModelOptions = {}): Promise<{ logits: Float32Array; shape: [number, number]; head: ClassifierHead }> {
  const op = 'runModelLogits';
  const runtime = checkRuntime(op, options.runtime ?? (await import('onnxruntime-node')));
  const bytes = await readBytes(op, path);
  const model = readModel(bytes);
  const head = findHead(model, { logitsOutput: options.logitsOutput });
  const info = infoOf(path, model, head);
  const inputName = options.inputName ?? (info.inputs.length === 1 ? info.inputs[0].name : undefined);
  const declared = info.inputs.find((i) => i.name === inputName);
  if (!declared) throw new TStarError('E_ARGUMENT', `${op}: name the input to feed; the model takes ${info.inputs.map((i) => `'${i.name}'`).join(', ')}`);
  const shape = [...input.shape];
  const rows = shape[0];
  if (shape.length === 0 || !(rows > 0)) throw new TStarError('E_SHAPE', `${op}: the input batch needs rows along its first axis, got shape [${shape.join(', ')}]`);
  const rowSize = input.data.length / rows;
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TStarError('E_ARGUMENT', `${op}: batchSize must be an integer ≥ 1, got ${batchSize}`);
  insertTemperature(model, { temperature: 1, exposeOnly: true, head });
  const session = await runtime.InferenceSession.create(writeModel(model), options.sessionOptions);
  try {
    let logits: Float32Array | undefined;
    let cols = 0;
    for (let start = 0; start < rows; start += batchSize) {
      const n = Math.min(batchSize, rows - start);
      const data = input.data.subarray(start * rowSize, (start + n) * rowSize) as InputArray['data'];
      let outputs: InferenceSession.ReturnType;
      try {
        outputs = await session.run({ [declared.name]: inputTensor(runtime, declared.type, data, [n, ...shape.slice(1)]) });
      } catch (cause) {
        throw new TStarError('E_ARGUMENT', `${op}: onnxruntime refused the input of shape [${shape.join(', ')}] (${(cause as Error).message})`, { cause });
      }
      const m = await logitsMatrix(op, head.logits, outputs[head.logits] as Tensor | undefined);
      if (m.rows !== n) throw new TStarError('E_SHAPE', `${op}: ${n} input rows gave ${m.rows} rows of logits '${head.logits}'`);
      if (!logits) {
        cols = m.cols;
        logits = new Float32Array(rows * cols);
      }
      logits.set(m.data, start * cols);
    }
    return { logits: logits!, shape: [rows, cols], head };
  } finally {
    await session.release();
  }
}

/** Options of {@link writeTemperatureModel}. */
export interface WriteTemperatureModelOptions {
  temperature: number;
  logitsOutput?: string;
  logProbabilities?: boolean;
  featuresOutput?: string | boolean;
  batchNorm?: BatchNormStatistics;
}

/**
 * Writes a copy of an ONNX model whose graph ends in [Cast →] Div(T) → Softmax, ready to ship (see
 * insertTemperature). The source file is only read.
 * @throws {TStarError} E_ARGUMENT (unreadable/unwritable paths), E_TEMPERATURE, E_MODEL
 * @example await writeTemperatureModel('classifier.onnx', 'classifier-t.onnx', { temperature: 1.7 });
 */
export async function writeTemperatureModel(source: string, target: string, options: WriteTemperatureModelOptions): Promise<TemperatureOutputs> {
  const model = readModel(await readBytes('writeTemperatureModel', source));
  const outputs = insertTemperature(model, options);
  try {
    await writeFile(target, writeModel(model));
  } catch (cause) {
    throw new TStarError('E_ARGUMENT', `writeTemperatureModel: cannot write '${target}' (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause });
  }
  return outputs;
}
