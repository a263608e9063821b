// onnx-proto is protobufjs's static code for ONNX's own onnx.proto (ONNX 1.10, IR 8): every byte we read or
// write goes through its decode/encode. It is CommonJS, hence the default import.
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { modelError } from '../errors.js';

/** onnx-proto's `onnx` namespace: ModelProto, GraphProto, NodeProto… with protobufjs encode/decode. */
export const { onnx } = onnxProto;

/** A decoded ONNX model (onnx.proto's ModelProto as plain protobufjs objects). */
export type OnnxModel = Onnx.IModelProto;
/** A graph of {@link OnnxModel}. */
export type OnnxGraph = Onnx.IGraphProto;
/** A node (one operator call). */
export type OnnxNode = Onnx.INodeProto;
/** A constant tensor (initializer or attribute value). */
export type OnnxTensor = Onnx.ITensorProto;
/** A typed tensor name (graph input, output or value_info). */
export type OnnxValueInfo = Onnx.IValueInfoProto;
/** A node attribute. */
export type OnnxAttribute = Onnx.IAttributeProto;

/** An int64 as protobufjs hands it over: a number, a `Long` (when the `long` package is found) or a bigint. */
export type Int64 = number | bigint | { low: number; high: number; unsigned?: boolean; toString(): string };

/** An int64 read from a model as a safe JS integer; larger values are not a model anyone can run. */
export function int64(op: string, what: string, value: Int64 | null | undefined): number {
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (value !== null && typeof value === 'object' && typeof value.low === 'number' && typeof value.high === 'number') {
    n = Number(BigInt(value.toString()));
  }
  if (n === undefined || !Number.isSafeInteger(n)) {
    throw modelError(`${op}: ${what} must be an integer within ±2^53, got ${String(value)}`);
  }
  return n;
}

/** ONNX TensorProto.DataType numbers and onnxruntime's names for the ones tstar handles. */
export const DATA_TYPES = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
} as const;

/** An element type by its onnxruntime name (`'float32'`, `'float16'`, …). */
export type ElementType = keyof typeof DATA_TYPES;

/** The onnxruntime name of an ONNX data type number, or `type <n>` for one tstar does not name. */
export function elementTypeName(dataType: number | null | undefined): string {
  for (const [name, n] of Object.entries(DATA_TYPES)) if (n === dataType) return name;
  return `type ${String(dataType)}`;
}

/** Float element types a softmax can take once cast to float32. */
export const FLOAT_TYPES: ReadonlySet<number> = new Set([DATA_TYPES.float32, DATA_TYPES.float16, DATA_TYPES.float64, DATA_TYPES.bfloat16]);
