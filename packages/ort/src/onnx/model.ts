import { TStarError } from '@tstar/core';
import { typeName } from '@tstar/core/validate';
import { modelError } from '../errors.js';
import { DATA_TYPES, int64, onnx, type ElementType, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './proto.js';

/** A dimension: a size, a symbolic name (`'batch'`) or `null` for unknown. */
export type Dim = number | string | null;

/** A typed graph input or output; no `dims` leaves its shape undeclared. */
export interface ValueSpec {
  name: string;
  type: ElementType;
  dims?: readonly Dim[];
}

/** Constant data: an initializer, or a `Constant` node's value. float16 data is given as its IEEE bits. */
export interface TensorSpec {
  name: string;
  type: ElementType;
  dims: readonly number[];
  data: Float32Array | Float64Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array | readonly number[];
}

/**
 * A node attribute. A number is an INT when it is an integer and a FLOAT otherwise; `{ float }` forces a FLOAT,
 * `{ floats }` / `{ ints }` give lists, a string is a STRING, a {@link TensorSpec} a TENSOR.
 */
export type AttributeValue = number | string | { float: number } | { floats: readonly number[] } | { ints: readonly number[] } | TensorSpec;

/** A node to add to a graph. */
export interface NodeSpec {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  domain?: string;
  attributes?: Readonly<Record<string, AttributeValue>>;
}

/** What {@link createModel} builds: one graph, default-domain opset. */
export interface ModelSpec {
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  nodes: readonly NodeSpec[];
  initializers?: readonly TensorSpec[];
  /** Default-domain opset. Default 17. */
  opset?: number;
  /** IR version. Default: the lowest that carries `opset` (3 for opset 7 … 10 for opset 21+). */
  irVersion?: number;
  name?: string;
}

const READ = 'readModel';

/**
 * Decodes ONNX model bytes (a `.onnx` file). The bytes are copied first, so nothing done to the returned
 * model, or to its tensors' raw data, can reach the caller's buffer.
 * @throws {TStarError} E_ARGUMENT (not bytes), E_MODEL (not protobuf, truncated, no graph, no default-domain
 * opset)
 * @example const model = readModel(new Uint8Array(await (await fetch('/model.onnx')).arrayBuffer()));
 */
export function readModel(bytes: Uint8Array | ArrayBuffer | ArrayBufferView): OnnxModel {
  // A real copy: Buffer's slice() would return a view of the caller's memory.
  const view = toBytes(READ, bytes);
  const copy = new Uint8Array(view.length);
  copy.set(view);
  let model: OnnxModel;
  try {
    model = onnx.ModelProto.decode(copy);
  } catch (cause) {
    throw modelError(`${READ}: ${copy.length} bytes are not an ONNX model (${(cause as Error).message})`, cause);
  }
  const graph = model.graph;
  if (!graph || (graph.node ?? []).length === 0 || (graph.output ?? []).length === 0) {
    throw modelError(`${READ}: ${copy.length} bytes decode to a model with no graph, nodes or outputs (corrupt or truncated?)`);
  }
  opsetVersion(model);
  return model;
}

/**
 * Encodes a model to fresh bytes ready for `InferenceSession.create`. Fields newer than onnx-proto's schema
 * (ONNX 1.10) that {@link readModel} met are not carried over.
 * @throws {TStarError} E_MODEL (the model cannot be encoded)
 * @example const bytes = writeModel(model);
 */
export function writeModel(model: OnnxModel): Uint8Array {
  let encoded: Uint8Array;
  try {
    encoded = onnx.ModelProto.encode(model).finish();
  } catch (cause) {
    throw modelError(`writeModel: the model cannot be encoded (${(cause as Error).message})`, cause);
  }
  // A standalone copy: in Node protobufjs may hand back a slice of a pooled Buffer.
  const out = new Uint8Array(encoded.length);
  out.set(encoded);
  return out;
}

/**
 * The opset of the default ONNX domain (`''` or `'ai.onnx'`), or of `domain`.
 * @throws {TStarError} E_MODEL (no such opset import)
 * @example opsetVersion(readModel(bytes)) // 13
 */
export function opsetVersion(model: OnnxModel, domain = ''): number {
  const wanted = domain === 'ai.onnx' ? '' : domain;
  const entry = (model.opsetImport ?? []).find((o) => ((o.domain ?? '') === 'ai.onnx' ? '' : (o.domain ?? '')) === wanted);
  if (!entry) throw modelError(`opsetVersion: the model imports no opset for domain '${domain}'`);
  return int64('opsetVersion', `the opset of domain '${domain}'`, entry.version);
}

// The IR version each opset first appeared with (onnx/helper.py's VERSION_TABLE).
function irVersionFor(opset: number): number {
  if (opset >= 21) return 10;
  if (opset >= 19) return 9;
  if (opset >= 15) return 8;
  if (opset >= 12) return 7;
  if (opset === 11) return 6;
  if (opset === 10) return 5;
  if (opset === 9) return 4;
  return 3;
}

/**
 * Builds a model from plain specs: the way tests and tools make small graphs without a Python toolchain.
 * @throws {TStarError} E_ARGUMENT (unknown element type, data length not matching dims)
 * @example
 * const bytes = writeModel(createModel({
 *   inputs: [{ name: 'x', type: 'float32', dims: ['n', 4] }],
 *   outputs: [{ name: 'y', type: 'float32', dims: ['n', 3] }],
 *   initializers: [{ name: 'w', type: 'float32', dims: [4, 3], data: new Float32Array(12) }],
 *   nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
 * }));
 */
export function createModel(spec: ModelSpec): OnnxModel {
  const opset = spec.opset ?? 17;
  return onnx.ModelProto.create({
    irVersion: spec.irVersion ?? irVersionFor(opset),
    producerName: 'tstar',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: opset })],
    graph: onnx.GraphProto.create({
      name: spec.name ?? 'graph',
      input: spec.inputs.map(makeValueInfo),
      output: spec.outputs.map(makeValueInfo),
      node: spec.nodes.map(makeNode),
      initializer: (spec.initializers ?? []).map(makeTensor),
    }),
  });
}

function dataType(op: string, type: ElementType): number {
  const n = DATA_TYPES[type];
  if (n === undefined) throw new TStarError('E_ARGUMENT', `${op}: unknown element type '${String(type)}' (expected one of ${Object.keys(DATA_TYPES).join(', ')})`);
  return n;
}

/**
 * A ValueInfoProto (a typed tensor name) from a {@link ValueSpec}.
 * @throws {TStarError} E_ARGUMENT (unknown element type)
 * @example makeValueInfo({ name: 'logits', type: 'float32', dims: ['batch', 1000] })
 */
export function makeValueInfo(spec: ValueSpec): OnnxValueInfo {
  return valueInfo(spec.name, dataType('makeValueInfo', spec.type), spec.dims);
}

/** A ValueInfoProto from an ONNX data type number; no `dims` leaves the shape undeclared. */
export function valueInfo(name: string, elemType: number, dims?: readonly Dim[]): OnnxValueInfo {
  const tensorType = onnx.TypeProto.Tensor.create({ elemType });
  if (dims) {
    const dim = dims.map((d) =>
      typeof d === 'number' ? onnx.TensorShapeProto.Dimension.create({ dimValue: d }) : d === null ? onnx.TensorShapeProto.Dimension.create() : onnx.TensorShapeProto.Dimension.create({ dimParam: d }),
    );
    tensorType.shape = onnx.TensorShapeProto.create({ dim });
  }
  return onnx.ValueInfoProto.create({ name, type: onnx.TypeProto.create({ tensorType }) });
}

/**
 * A TensorProto from a {@link TensorSpec}, its values in the typed field onnx.proto assigns to the type
 * (float16 and bool bits in `int32_data`).
 * @throws {TStarError} E_ARGUMENT (unknown type, data length not the product of dims)
 * @example makeTensor({ name: 'T', type: 'float32', dims: [], data: [2.5] })
 */
export function makeTensor(spec: TensorSpec): OnnxTensor {
  const op = 'makeTensor';
  const type = dataType(op, spec.type);
  const size = spec.dims.reduce((a, b) => a * b, 1);
  if (spec.data.length !== size) {
    throw new TStarError('E_ARGUMENT', `${op}: tensor '${spec.name}' has ${spec.data.length} values but dims [${spec.dims.join(', ')}] need ${size}`);
  }
  const values = Array.from(spec.data as ArrayLike<number | bigint>, (v) => Number(v));
  const tensor: OnnxTensor = { name: spec.name, dims: [...spec.dims], dataType: type };
  if (spec.type === 'float32') tensor.floatData = values;
  else if (spec.type === 'float64') tensor.doubleData = values;
  else if (spec.type === 'int64') tensor.int64Data = values;
  else tensor.int32Data = values;
  return onnx.TensorProto.create(tensor);
}

function makeAttribute(name: string, value: AttributeValue): OnnxAttribute {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') return Number.isInteger(value) ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value };
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: T.FLOATS, floats: [...value.floats] };
  if ('ints' in value) return { name, type: T.INTS, ints: [...value.ints] };
  return { name, type: T.TENSOR, t: makeTensor(value) };
}

/**
 * A NodeProto from a {@link NodeSpec}.
 * @throws {TStarError} E_ARGUMENT (a tensor attribute with a bad type or size)
 * @example makeNode({ op: 'Softmax', inputs: ['z'], outputs: ['p'], attributes: { axis: -1 } })
 */
export function makeNode(spec: NodeSpec): OnnxNode {
  return onnx.NodeProto.create({
    opType: spec.op,
    input: [...spec.inputs],
    output: [...spec.outputs],
    name: spec.name ?? `${spec.op}:${spec.outputs[0] ?? ''}`,
    ...(spec.domain ? { domain: spec.domain } : {}),
    attribute: Object.entries(spec.attributes ?? {}).map(([k, v]) => onnx.AttributeProto.create(makeAttribute(k, v))),
  });
}

/** `bytes` as a Uint8Array view, or E_ARGUMENT naming what arrived. */
export function toBytes(op: string, bytes: unknown): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new TStarError('E_ARGUMENT', `${op}: expected ONNX model bytes (Uint8Array or ArrayBuffer), got ${typeName(bytes)}`);
}
