import { TStarError } from '@tstar/core';
import { modelError } from '../errors.js';
import { makeNode, makeTensor, makeValueInfo, valueInfo, type Dim, type NodeSpec, type TensorSpec, type ValueSpec } from './model.js';
import { int64, onnx, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor } from './proto.js';

/** What a model declares about one tensor: its ONNX data type and dims, each undefined when not declared. */
export interface TensorType {
  dataType: number | undefined;
  dims: Dim[] | undefined;
}

/** The model's main graph, or E_MODEL. */
export function graphOf(op: string, model: OnnxModel): OnnxGraph {
  if (!model || typeof model !== 'object' || !model.graph) throw modelError(`${op}: the model has no graph`);
  const g = model.graph;
  g.node ??= [];
  g.input ??= [];
  g.output ??= [];
  g.initializer ??= [];
  g.valueInfo ??= [];
  return g;
}

/** Index of the node that produces `name` in the main graph, or -1 (a graph input, initializer or unknown). */
export function producerIndex(model: OnnxModel, name: string): number {
  const nodes = graphOf('producerIndex', model).node!;
  for (let i = nodes.length - 1; i >= 0; i--) if ((nodes[i].output ?? []).includes(name)) return i;
  return -1;
}

/** Indices of the nodes that read `name`, in graph order. */
export function consumerIndices(model: OnnxModel, name: string): number[] {
  const out: number[] = [];
  graphOf('consumerIndices', model).node!.forEach((n, i) => {
    if ((n.input ?? []).includes(name)) out.push(i);
  });
  return out;
}

/** True when `name` is a tensor of the main graph: an input, an initializer or some node's output. */
export function hasTensor(model: OnnxModel, name: string): boolean {
  const g = graphOf('hasTensor', model);
  return g.input!.some((v) => v.name === name) || g.initializer!.some((t) => t.name === name) || producerIndex(model, name) >= 0;
}

/**
 * `base`, or `base_1`, `base_2`, … — the first that no tensor or node of the graph uses yet.
 * @example uniqueName(model, 'tstar/temperature')
 */
export function uniqueName(model: OnnxModel, base: string): string {
  const g = graphOf('uniqueName', model);
  const used = new Set<string>();
  for (const v of [...g.input!, ...g.output!, ...g.valueInfo!, ...g.initializer!]) if (v.name) used.add(v.name);
  for (const n of g.node!) {
    if (n.name) used.add(n.name);
    for (const t of [...(n.input ?? []), ...(n.output ?? [])]) used.add(t);
  }
  if (!used.has(base)) return base;
  for (let i = 1; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

/**
 * The constant behind `name`: an initializer or the `value` of a `Constant` node (how some exporters, Paddle's
 * among them, store weights), or undefined.
 */
export function constantTensor(model: OnnxModel, name: string): OnnxTensor | undefined {
  const g = graphOf('constantTensor', model);
  const init = g.initializer!.find((t) => t.name === name);
  if (init) return init;
  const i = producerIndex(model, name);
  if (i < 0) return undefined;
  const node = g.node![i];
  if (node.opType !== 'Constant' || (node.domain ?? '') !== '') return undefined;
  return (node.attribute ?? []).find((a) => a.name === 'value')?.t ?? undefined;
}

/**
 * The data type and dims the model declares for `name` (graph input/output, value_info, initializer or
 * Constant), each undefined when nothing declares it. Dims beyond ±2^53 are E_MODEL.
 */
export function tensorType(model: OnnxModel, name: string): TensorType {
  const g = graphOf('tensorType', model);
  const constant = constantTensor(model, name);
  if (constant) return { dataType: constant.dataType ?? undefined, dims: (constant.dims ?? []).map((d) => int64('tensorType', `a dim of '${name}'`, d)) };
  const info = [...g.output!, ...g.input!, ...g.valueInfo!].find((v) => v.name === name && v.type?.tensorType);
  const t = info?.type?.tensorType;
  if (!t) return { dataType: undefined, dims: undefined };
  const dims = t.shape
    ? (t.shape.dim ?? []).map((d): Dim => (Object.prototype.hasOwnProperty.call(d, 'dimValue') && d.dimValue !== null && d.dimValue !== undefined
      ? int64('tensorType', `a dim of '${name}'`, d.dimValue)
      : d.dimParam || null))
    : undefined;
  return { dataType: t.elemType || undefined, dims };
}

/** Where {@link insertNodes} puts new nodes. */
export interface InsertOptions {
  /** Insert before this node (its index, or its name). Default: append at the end of the graph. */
  before?: number | string;
}

/**
 * Inserts nodes into the main graph, in order, keeping the node list topologically sorted as long as `before`
 * precedes every node that reads their outputs. Edits `model` in place.
 * @throws {TStarError} E_ARGUMENT (`before` names no node)
 * @example insertNodes(model, [{ op: 'Div', inputs: ['logits', 'T'], outputs: ['scaled'] }], { before: 'softmax' })
 */
export function insertNodes(model: OnnxModel, nodes: readonly NodeSpec[], options: InsertOptions = {}): OnnxNode[] {
  const list = graphOf('insertNodes', model).node!;
  let at = list.length;
  if (typeof options.before === 'number') {
    if (!Number.isInteger(options.before) || options.before < 0 || options.before > list.length) {
      throw new TStarError('E_ARGUMENT', `insertNodes: before must be a node index in [0, ${list.length}], got ${options.before}`);
    }
    at = options.before;
  } else if (typeof options.before === 'string') {
    at = list.findIndex((n) => n.name === options.before);
    if (at < 0) throw new TStarError('E_ARGUMENT', `insertNodes: no node named '${options.before}'`);
  }
  const made = nodes.map(makeNode);
  list.splice(at, 0, ...made);
  return made;
}

/**
 * Adds an initializer (constant data) to the main graph. Edits `model` in place.
 * @throws {TStarError} E_ARGUMENT (the name is taken; see {@link makeTensor} for the rest)
 * @example addInitializer(model, { name: 'T', type: 'float32', dims: [], data: [2] })
 */
export function addInitializer(model: OnnxModel, spec: TensorSpec): OnnxTensor {
  if (uniqueName(model, spec.name) !== spec.name) throw new TStarError('E_ARGUMENT', `addInitializer: the graph already uses the name '${spec.name}'`);
  const tensor = makeTensor(spec);
  graphOf('addInitializer', model).initializer!.push(tensor);
  return tensor;
}

/**
 * Makes a tensor of the graph a graph output, so a session returns it. With only a name, its type is what the
 * model declares ({@link tensorType}), else `fallbackDataType` (an ONNX data type number), else left out for
 * onnxruntime to infer. Does nothing when it is an output already. Edits `model` in place.
 * @throws {TStarError} E_ARGUMENT (no such tensor)
 * @example addOutput(model, { name: 'p2o.Add.87' })
 */
export function addOutput(model: OnnxModel, spec: ValueSpec | { name: string; type?: undefined; dims?: readonly Dim[] }, fallbackDataType?: number): void {
  const g = graphOf('addOutput', model);
  if (g.output!.some((o) => o.name === spec.name)) return;
  if (!hasTensor(model, spec.name)) throw new TStarError('E_ARGUMENT', `addOutput: the graph has no tensor named '${spec.name}'`);
  if (spec.type !== undefined) {
    g.output!.push(makeValueInfo(spec as ValueSpec));
    return;
  }
  const declared = tensorType(model, spec.name);
  const dataType = declared.dataType ?? fallbackDataType;
  g.output!.push(dataType === undefined ? onnx.ValueInfoProto.create({ name: spec.name }) : valueInfo(spec.name, dataType, spec.dims ?? declared.dims));
}

/** Sets the declared element type of `name` wherever the graph declares one (outputs and value_info). */
export function setDeclaredType(model: OnnxModel, name: string, dataType: number): void {
  const g = graphOf('setDeclaredType', model);
  for (const v of [...g.output!, ...g.valueInfo!]) {
    if (v.name === name && v.type?.tensorType) v.type.tensorType.elemType = dataType;
  }
}

/** A clone through the codec: edits to the copy never touch the original. */
export function cloneModel(model: OnnxModel): OnnxModel {
  return onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
}
