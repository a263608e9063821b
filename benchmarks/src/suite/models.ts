// The ONNX models the onnxruntime contenders run, built with onnx-proto (Node only; hosts receive the
// bytes). Dims are symbolic, so one session per model serves every shape. T and ε are baked in as
// the suite's constants, as an exported classifier head would have them.
import { createRequire } from 'node:module';
import type { onnx as Onnx } from 'onnx-proto';
import { TEMPERATURE } from './cases.js';
import type { ModelName } from './env.js';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto') as { onnx: typeof Onnx };
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const { INT, FLOAT: FLOAT_ATTR, STRING } = onnx.AttributeProto.AttributeType;
const OPSET = 17;

function value(name: string, dims: (string | number)[], elemType = FLOAT): Onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } };
}

function model(name: string, graph: Omit<Onnx.IGraphProto, 'name'>): Uint8Array {
  return onnx.ModelProto.encode({ irVersion: 8, producerName: 'tstar-benchmarks', opsetImport: [{ domain: '', version: OPSET }], graph: { name, ...graph } }).finish();
}

const temperature: Onnx.ITensorProto = { name: 'T', dataType: FLOAT, dims: [], floatData: [TEMPERATURE] };
const divide: Onnx.INodeProto = { opType: 'Div', input: ['x', 'T'], output: ['z'] };
const lastAxis: Onnx.IAttributeProto = { name: 'axis', type: INT, i: -1 };

/** Every model, as ONNX bytes. */
export function buildModels(): Record<ModelName, Uint8Array> {
  return {
    softmax: model('softmax', {
      input: [value('x', ['N', 'C'])], output: [value('y', ['N', 'C'])], initializer: [temperature],
      node: [divide, { opType: 'Softmax', input: ['z'], output: ['y'], attribute: [lastAxis] }],
    }),
    logSoftmax: model('logSoftmax', {
      input: [value('x', ['N', 'C'])], output: [value('y', ['N', 'C'])], initializer: [temperature],
      node: [divide, { opType: 'LogSoftmax', input: ['z'], output: ['y'], attribute: [lastAxis] }],
    }),
    crossEntropy: model('crossEntropy', {
      input: [value('x', ['N', 'C']), value('labels', ['N'], INT64)], output: [value('loss', [])], initializer: [temperature],
      node: [divide, { opType: 'SoftmaxCrossEntropyLoss', input: ['z', 'labels'], output: ['loss'], attribute: [{ name: 'reduction', type: STRING, s: new TextEncoder().encode('mean') }] }],
    }),
    // What a classifier hands @tstar/ort: logits as an output, nothing after them.
    logits: model('logits', {
      input: [value('x', ['N', 'C'])], output: [value('logits', ['N', 'C'])],
      node: [{ opType: 'Identity', input: ['x'], output: ['logits'] }],
    }),
    batchNorm: model('batchNorm', {
      input: [value('x', ['N', 'C']), ...['scale', 'bias', 'mean', 'variance'].map((n) => value(n, ['C']))],
      output: [value('y', ['N', 'C'])],
      node: [{ opType: 'BatchNormalization', input: ['x', 'scale', 'bias', 'mean', 'variance'], output: ['y'], attribute: [{ name: 'epsilon', type: FLOAT_ATTR, f: 1e-5 }] }],
    }),
  };
}
