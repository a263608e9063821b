// Node-only: tfjs models on disk (model.json + weight files), read with node:fs. tfjs-node, which would bring
// file:// loading, does not install everywhere; this small handler is all the CLI needs.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TStarError } from '@tstar/core';
import { modelError } from './tensors.js';
import { findHead, type TopologyJson } from './head.js';
import { logitsModel } from './model.js';
import './temperature-softmax.js';

function problem(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

async function readJson(file: string): Promise<tf.io.ModelJSON> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw modelError(`${file}: cannot read the model (${problem(cause)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw modelError(`${file}: not JSON (${problem(cause)})`);
  }
  if (typeof json !== 'object' || json === null || !('modelTopology' in json)) throw modelError(`${file}: not a tfjs model.json (no modelTopology)`);
  return json as tf.io.ModelJSON;
}

/**
 * A tfjs IO handler for a model.json on disk and the weight files its manifest names (paths relative to it):
 * `tf.loadLayersModel(fileIO(p))`, `tf.loadGraphModel(fileIO(p))`, and `model.save(fileIO(p))`, which writes
 * model.json and one `weights.bin` beside it.
 * @throws {TStarError} E_MODEL (unreadable or not a model.json, a missing weight file) on load
 * @example const model = await tf.loadLayersModel(fileIO('model/model.json'));
 */
export function fileIO(modelJsonPath: string): tf.io.IOHandler {
  const dir = path.dirname(modelJsonPath);
  return {
    async load() {
      const json = await readJson(modelJsonPath);
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const p of group.paths) {
            try {
              const bytes = await readFile(path.join(dir, p));
              buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
            } catch (cause) {
              throw modelError(`${modelJsonPath}: cannot read weight file ${p} (${problem(cause)})`);
            }
          }
        }
        return [manifest.flatMap((g) => g.weights), tf.io.concatenateArrayBuffers(buffers)];
      });
    },
    async save(artifacts) {
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        ...(artifacts.signature ? { signature: artifacts.signature } : {}),
      };
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(weights));
      await writeFile(modelJsonPath, JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** What a model.json says about its classification head, read without loading weights. */
export interface ModelHead {
  kind: 'layers' | 'graph';
  /** M: the width of the features entering the final linear layer. */
  featureDim: number;
  numClasses: number;
  /** LayersModel: the last Dense layer; GraphModel: the node whose output is the logits. */
  logits: string;
  /** Whether the model's output is probabilities (a softmax after the logits). */
  probabilities: boolean;
}

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { b?: boolean; list?: { s?: string[] } }>;
}

const PASS_THROUGH = new Set(['Softmax', 'Identity']);
const ADDS = new Set(['BiasAdd', 'Add', 'AddV2']);

function source(input: string): string {
  return input.replace(/^\^/, '').replace(/:\d+$/, '');
}

function decoded(s: string): string {
  // GraphDef attrs carry strings base64-encoded.
  return Buffer.from(s, 'base64').toString('utf8');
}

function graphHead(file: string, json: tf.io.ModelJSON): ModelHead {
  const topology = json.modelTopology as { node?: GraphNode[] };
  const nodes = topology.node ?? [];
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const consumed = new Set(nodes.flatMap((n) => (n.input ?? []).map(source)));
  const signature = (json as { signature?: { outputs?: Record<string, { name: string }> } }).signature;
  const outputs = signature?.outputs ? Object.values(signature.outputs).map((o) => source(o.name)) : nodes.filter((n) => !consumed.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp').map((n) => n.name);
  if (outputs.length !== 1) throw modelError(`${file}: expected a graph with one output, got ${outputs.length} (${outputs.join(', ')})`);
  let node = byName.get(outputs[0]);
  let probabilities = false;
  while (node && PASS_THROUGH.has(node.op)) {
    probabilities ||= node.op === 'Softmax';
    node = byName.get(source((node.input ?? [])[0] ?? ''));
  }
  let logits = node;
  if (node && ADDS.has(node.op)) {
    node = (node.input ?? []).map((i) => byName.get(source(i))).find((n) => n && (n.op === 'MatMul' || n.op === '_FusedMatMul'));
  }
  if (!node || !logits || (node.op !== 'MatMul' && node.op !== '_FusedMatMul')) {
    throw modelError(`${file}: no final MatMul: the output comes from ${logits ? `${logits.op} '${logits.name}'` : 'nothing'} (expected MatMul [+ BiasAdd] [+ Softmax])`);
  }
  const fused = (node.attr?.fused_ops?.list?.s ?? []).map(decoded);
  const activation = fused.find((op) => op !== 'BiasAdd');
  if (activation !== undefined) throw modelError(`${file}: the final MatMul '${node.name}' has a fused ${activation}; expected plain logits`);
  const weight = source((node.input ?? [])[1] ?? '');
  const spec = (json.weightsManifest ?? []).flatMap((g) => g.weights).find((w) => w.name === weight);
  if (!spec || spec.shape.length !== 2) throw modelError(`${file}: the final MatMul '${node.name}' has no 2-D weight '${weight}' in the manifest`);
  const transposed = node.attr?.transpose_b?.b === true;
  return { kind: 'graph', featureDim: spec.shape[transposed ? 1 : 0], numClasses: spec.shape[transposed ? 0 : 1], logits: logits.name, probabilities };
}

function layersHead(file: string, json: tf.io.ModelJSON): ModelHead | undefined {
  const raw = json.modelTopology as { model_config?: TopologyJson } & TopologyJson;
  const head = findHead(file, raw.model_config ?? raw);
  const kernel = (json.weightsManifest ?? []).flatMap((g) => g.weights).find((w) => w.name === `${head.dense}/kernel`);
  // Weight names are not guaranteed to follow layer names; then the model must be loaded to read M.
  if (!kernel || kernel.shape.length !== 2) return undefined;
  return { kind: 'layers', featureDim: kernel.shape[0], numClasses: head.units, logits: head.dense, probabilities: head.probabilities };
}

function isGraph(json: tf.io.ModelJSON): boolean {
  return json.format === 'graph-model' || Array.isArray((json.modelTopology as { node?: unknown }).node);
}

/**
 * Reads M (the last linear layer's input width), the class count and where the logits are from a tfjs
 * LayersModel or GraphModel model.json — from the JSON and its weight manifest alone when they say enough,
 * else by loading the model.
 * @throws {TStarError} E_MODEL (unreadable file, no final Dense / MatMul, several outputs, a non-softmax head)
 * @example const { featureDim, numClasses } = await readModelHead('model/model.json');
 */
export async function readModelHead(modelJsonPath: string): Promise<ModelHead> {
  const json = await readJson(modelJsonPath);
  if (isGraph(json)) return graphHead(modelJsonPath, json);
  const head = layersHead(modelJsonPath, json);
  if (head) return head;
  const model = await tf.loadLayersModel(fileIO(modelJsonPath));
  try {
    const raw = model.toJSON(null, false) as unknown as TopologyJson;
    const h = findHead(modelJsonPath, raw);
    return { kind: 'layers', featureDim: model.getLayer(h.dense).getWeights()[0].shape[0], numClasses: h.units, logits: h.dense, probabilities: h.probabilities };
  } finally {
    model.dispose();
  }
}

/**
 * Runs a tfjs model on disk to its logits: `inputs` is one float32 batch shaped as the model's input
 * ([n, ...]), fed in slices of `batchSize` rows. For a LayersModel the last Dense's pre-activation output; for
 * a GraphModel the node {@link readModelHead} finds.
 * @throws {TStarError} E_MODEL (as readModelHead), E_SHAPE (inputs without a batch axis)
 * @example const { logits, shape } = await modelLogits('model/model.json', { data, shape: [100, 4] });
 */
export async function modelLogits(modelJsonPath: string, inputs: { data: Float32Array; shape: readonly number[] }, options: { batchSize?: number } = {}): Promise<{ logits: Float32Array; shape: [number, number]; head: ModelHead }> {
  if (inputs.shape.length < 2) throw new TStarError('E_SHAPE', `modelLogits: inputs need a batch axis and features, got shape [${inputs.shape.join(', ')}]`);
  const head = await readModelHead(modelJsonPath);
  const batchSize = options.batchSize ?? 64;
  const x = tf.tensor(inputs.data, [...inputs.shape], 'float32');
  try {
    if (head.kind === 'layers') {
      const model = await tf.loadLayersModel(fileIO(modelJsonPath));
      const logits = await logitsModel(model);
      try {
        const out = logits.predict(x, { batchSize }) as tf.Tensor;
        const data = (await out.data()) as Float32Array;
        out.dispose();
        return { logits: data, shape: [inputs.shape[0], head.numClasses], head };
      } finally {
        model.dispose();
        logits.dispose();
      }
    }
    const model = await tf.loadGraphModel(fileIO(modelJsonPath));
    try {
      const parts: Float32Array[] = [];
      for (let start = 0; start < inputs.shape[0]; start += batchSize) {
        const size = Math.min(batchSize, inputs.shape[0] - start);
        const slice = tf.slice(x, start, size);
        const out = model.execute(slice, head.logits) as tf.Tensor;
        parts.push((await out.data()) as Float32Array);
        tf.dispose([slice, out]);
      }
      const data = new Float32Array(inputs.shape[0] * head.numClasses);
      parts.reduce((offset, p) => (data.set(p, offset), offset + p.length), 0);
      return { logits: data, shape: [inputs.shape[0], head.numClasses], head };
    } finally {
      model.dispose();
    }
  } finally {
    x.dispose();
  }
}
