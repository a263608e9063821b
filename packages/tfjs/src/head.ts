// The classification head of a LayersModel, read from its Keras-format JSON, and the rewrites of that JSON
// this package makes: BatchNorm before the last Dense, the softmax split off the Dense into TemperatureSoftmax.
import type { Scaler } from '@tstar/core';
import { modelError } from './tensors.js';

type Inbound = [string, number, number, Record<string, unknown>];

/** One layer entry of a Keras-format model config. */
export interface LayerJson {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes?: Inbound[][];
}

/** The Keras-format topology `model.toJSON(null, false)` returns (Sequential or functional). */
export interface TopologyJson {
  class_name: string;
  config: { name?: string; layers: LayerJson[]; input_layers?: unknown; output_layers?: [string, number, number][] } | LayerJson[];
  [key: string]: unknown;
}

/** What sits between the last Dense and the model's output. */
export interface Head {
  /** The last Dense layer's name. */
  dense: string;
  /** Its activation in the saved config. */
  activation: string;
  /** Its units: the class count. */
  units: number;
  /** Layers after it on the way to the output (softmax activations, Softmax, TemperatureSoftmax). */
  tail: LayerJson[];
  /** Whether the model outputs probabilities (a softmax somewhere in the head). */
  probabilities: boolean;
  /** The temperature of a TemperatureSoftmax already in the tail, or 1. */
  temperature: number;
  /** Functional (node graph) or Sequential (a list). */
  sequential: boolean;
}

const SOFTMAXES = new Set(['softmax', 'linear']);

function layersOf(topology: TopologyJson): LayerJson[] {
  const c = topology.config;
  return Array.isArray(c) ? c : c.layers;
}

function nameOf(layer: LayerJson): string {
  return layer.name ?? layer.config.name;
}

/** The single layer feeding `layer` in a functional config, or undefined for an input / shared / merging layer. */
function parentOf(layer: LayerJson): string | undefined {
  const nodes = layer.inbound_nodes ?? [];
  if (nodes.length !== 1 || nodes[0].length !== 1) return undefined;
  return nodes[0][0][0];
}

/** Whether a tail layer only normalises the Dense output (and so can be replaced by TemperatureSoftmax). */
function isSoftmaxLike(layer: LayerJson): boolean {
  if (layer.class_name === 'TemperatureSoftmax' || layer.class_name === 'ScalerOutput') return true;
  if (layer.class_name === 'Softmax') return (layer.config.axis ?? -1) === -1;
  if (layer.class_name === 'Activation') return SOFTMAXES.has(String(layer.config.activation));
  return false;
}

/**
 * Finds the last Dense: walking back from the single output through softmax-like layers only. Anything else
 * (a model with several outputs, a head ending in another layer, a Dense with a non-softmax activation) is
 * E_MODEL, named in the message.
 */
export function findHead(op: string, topology: TopologyJson, options: { sigmoid?: boolean } = {}): Head {
  const layers = layersOf(topology);
  const sequential = topology.class_name === 'Sequential' || Array.isArray(topology.config);
  const byName = new Map(layers.map((l) => [nameOf(l), l]));
  let current: LayerJson | undefined;
  if (sequential) current = layers[layers.length - 1];
  else {
    const outputs = (topology.config as { output_layers?: [string, number, number][] }).output_layers ?? [];
    if (outputs.length !== 1) throw modelError(`${op}: expected a model with one output, got ${outputs.length}`);
    current = byName.get(outputs[0][0]);
  }
  const tail: LayerJson[] = [];
  while (current && current.class_name !== 'Dense') {
    if (!isSoftmaxLike(current)) {
      throw modelError(`${op}: no final Dense layer: the output comes from ${current.class_name} '${nameOf(current)}' (expected a Dense, optionally followed by a softmax)`);
    }
    tail.unshift(current);
    current = sequential ? layers[layers.indexOf(current) - 1] : byName.get(parentOf(current) ?? '');
  }
  if (!current) throw modelError(`${op}: no final Dense layer in model '${String((topology.config as { name?: string }).name ?? '')}'`);
  const activation = String(current.config.activation ?? 'linear');
  if (!SOFTMAXES.has(activation) && !(options.sigmoid && activation === 'sigmoid')) {
    const expected = options.sigmoid ? "'softmax', 'sigmoid' or 'linear'" : "'softmax' or 'linear' (a softmax classifier)";
    throw modelError(`${op}: the last Dense '${nameOf(current)}' has activation '${activation}'; expected ${expected}`);
  }
  if (!sequential && (current.inbound_nodes ?? []).length !== 1) {
    throw modelError(`${op}: the last Dense '${nameOf(current)}' is shared by ${(current.inbound_nodes ?? []).length} call sites; expected one`);
  }
  const softmaxInTail = tail.some((l) => l.class_name !== 'Activation' || l.config.activation === 'softmax');
  const ts = tail.find((l) => l.class_name === 'TemperatureSoftmax');
  return {
    dense: nameOf(current),
    activation,
    units: Number(current.config.units),
    tail,
    probabilities: activation === 'softmax' || softmaxInTail,
    temperature: ts ? Number(ts.config.temperature) : 1,
    sequential,
  };
}

function uniqueName(taken: Set<string>, base: string): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  return name;
}

/** What {@link rewriteHead} builds after the Dense. */
export interface HeadRewrite {
  /** Insert BatchNormalization right before the Dense. */
  batchNorm?: { epsilon: number; momentum: number };
  /** 'logits': the Dense's output; a number: TemperatureSoftmax at that T; a scaler: ScalerOutput applying it. */
  output: 'logits' | number | { scaler: Scaler };
}

/**
 * A copy of the topology whose head is [BatchNormalization →] Dense(linear) [→ TemperatureSoftmax(T)]; the tail
 * is dropped. Layer names other than the new ones are kept, so weights copy over by name.
 * @returns the new topology and the names of the inserted layers
 */
export function rewriteHead(topology: TopologyJson, head: Head, rewrite: HeadRewrite): { topology: TopologyJson; batchNorm?: string; softmax?: string } {
  const copy = structuredClone(topology);
  const layers = layersOf(copy);
  const taken = new Set(layers.map(nameOf));
  const tailNames = new Set(head.tail.map(nameOf));
  const kept = layers.filter((l) => !tailNames.has(nameOf(l)));
  const dense = kept.find((l) => nameOf(l) === head.dense) as LayerJson;
  dense.config.activation = 'linear';
  let bnName: string | undefined;
  let tsName: string | undefined;
  const at = kept.indexOf(dense);
  const link = (source: string): Inbound[][] => [[[source, 0, 0, {}]]];
  if (rewrite.batchNorm) {
    bnName = uniqueName(taken, `${head.dense}_batchnorm`);
    const bn: LayerJson = {
      class_name: 'BatchNormalization',
      config: { name: bnName, axis: -1, momentum: rewrite.batchNorm.momentum, epsilon: rewrite.batchNorm.epsilon, center: true, scale: true, trainable: true },
    };
    if (head.sequential) {
      // The first layer of a Sequential carries the input shape; BN now comes first.
      for (const key of ['batch_input_shape', 'input_shape', 'batch_size', 'dtype'] as const) {
        if (key in dense.config) {
          bn.config[key] = dense.config[key];
          if (key !== 'dtype') delete dense.config[key];
        }
      }
    } else {
      bn.name = bnName;
      bn.inbound_nodes = dense.inbound_nodes;
      dense.inbound_nodes = link(bnName);
    }
    kept.splice(at, 0, bn);
  }
  if (rewrite.output !== 'logits') {
    const scaler = typeof rewrite.output === 'number' ? undefined : rewrite.output.scaler;
    tsName = uniqueName(taken, `${head.dense}_${scaler ? 'scaler_output' : 'temperature_softmax'}`);
    const ts: LayerJson = scaler
      ? { class_name: 'ScalerOutput', config: { name: tsName, scaler: structuredClone(scaler), trainable: false } }
      : { class_name: 'TemperatureSoftmax', config: { name: tsName, temperature: rewrite.output, learnable: false, trainable: true } };
    if (!head.sequential) {
      ts.name = tsName;
      ts.inbound_nodes = link(head.dense);
    }
    kept.splice(kept.indexOf(dense) + 1, 0, ts);
  }
  if (Array.isArray(copy.config)) copy.config = kept;
  else {
    copy.config.layers = kept;
    if (!head.sequential) copy.config.output_layers = [[tsName ?? head.dense, 0, 0]];
  }
  return { topology: copy, batchNorm: bnName, softmax: tsName };
}
