export { readModel, writeModel, createModel, opsetVersion, type Dim, type ValueSpec, type TensorSpec, type NodeSpec, type AttributeValue, type ModelSpec } from './model.js';
export {
  producerIndex, consumerIndices, uniqueName, constantTensor, tensorType, insertNodes, addInitializer, addOutput, cloneModel,
  type TensorType, type InsertOptions,
} from './edit.js';
export { findHead, type ClassifierHead, type HeadSoftmax, type FindHeadOptions } from './head.js';
export { insertTemperature, type InsertTemperatureOptions, type TemperatureOutputs, type BatchNormStatistics } from './temperature.js';
export { DATA_TYPES, elementTypeName, onnx, type ElementType, type OnnxModel, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxValueInfo, type OnnxAttribute, type Int64 } from './proto.js';
