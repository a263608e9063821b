import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  addInitializer, addOutput, cloneModel, createModel, findHead, insertNodes, insertTemperature, onnx, opsetVersion, readModel, tensorType,
  uniqueName, writeModel, type OnnxModel,
} from '../src/onnx/index.js';
import { int64 } from '../src/onnx/proto.js';
import { expectCode, linearModel, OCR_MODEL, uniform } from './helpers.js';

/** Every node reads only graph inputs, initializers or outputs of nodes before it. */
function expectTopological(model: OnnxModel): void {
  const g = model.graph!;
  const known = new Set<string>(['', ...(g.input ?? []).map((v) => v.name!), ...(g.initializer ?? []).map((t) => t.name!)]);
  for (const node of g.node ?? []) {
    for (const input of node.input ?? []) expect(known.has(input), `${node.opType} '${node.name}' reads '${input}' before it exists`).toBe(true);
    for (const output of node.output ?? []) known.add(output);
  }
  for (const output of g.output ?? []) expect(known.has(output.name!), `graph output '${output.name}'`).toBe(true);
}

const ops = (model: OnnxModel): string[] => (model.graph!.node ?? []).map((n) => n.opType!);
const attr = (model: OnnxModel, op: string, name: string): number | undefined => {
  const a = model.graph!.node!.find((n) => n.opType === op)?.attribute?.find((x) => x.name === name);
  return a ? int64('test', name, a.i) : undefined;
};
const fingerprint = (b: Uint8Array): string => Buffer.from(b).toString('base64');

describe('readModel / writeModel / createModel', () => {
  it('round-trips a built model: the same graph after encode → decode', () => {
    const { bytes } = linearModel({ m: 8, c: 3 });
    const model = readModel(bytes);
    expect(ops(model)).toEqual(['MatMul', 'Add']);
    expect(opsetVersion(model)).toBe(17);
    expect(int64('test', 'ir', model.irVersion)).toBe(8);
    expect(tensorType(model, 'w')).toEqual({ dataType: 1, dims: [8, 3] });
    expect(tensorType(model, 'logits')).toEqual({ dataType: 1, dims: ['n', 3] });
    expect(tensorType(model, 'z')).toEqual({ dataType: undefined, dims: undefined });
    expect(writeModel(readModel(writeModel(model)))).toEqual(writeModel(model));
  });

  it('copies the bytes: editing the decoded model, its raw data included, leaves the caller buffer as it was', () => {
    const bytes = readFileSync(OCR_MODEL);
    const before = fingerprint(bytes);
    const model = readModel(bytes);
    const constant = model.graph!.node!.find((n) => n.opType === 'Constant' && n.attribute?.[0]?.t?.rawData?.length);
    const raw = constant!.attribute![0].t!.rawData!;
    raw.fill(0xff);
    insertTemperature(model, { temperature: 3, logProbabilities: true, featuresOutput: true });
    writeModel(model);
    expect(fingerprint(bytes)).toBe(before);
  });

  it('rejects random bytes, truncated models and empty input with E_MODEL', () => {
    const bytes = readFileSync(OCR_MODEL);
    const before = fingerprint(bytes);
    expectCode(() => readModel(bytes.subarray(0, bytes.length >> 1)), 'E_MODEL');
    expectCode(() => readModel(bytes.subarray(0, 100)), 'E_MODEL');
    expectCode(() => readModel(new Uint8Array(0)), 'E_MODEL');
    expectCode(() => readModel(Uint8Array.from(uniform(4096, 3), (v) => Math.floor((v + 1) * 128))), 'E_MODEL');
    expectCode(() => readModel(new TextEncoder().encode('<html>not found</html>')), 'E_MODEL');
    expect(fingerprint(bytes)).toBe(before);
  });

  it('rejects what is not bytes with E_ARGUMENT', () => {
    expectCode(() => readModel('model.onnx' as unknown as Uint8Array), 'E_ARGUMENT');
    expectCode(() => readModel(null as unknown as Uint8Array), 'E_ARGUMENT');
  });

  it('accepts ArrayBuffer and other views of the same bytes', () => {
    const { bytes } = linearModel({ m: 4, c: 2 });
    const padded = new Uint8Array(bytes.length + 8);
    padded.set(bytes, 8);
    expect(ops(readModel(padded.buffer.slice(8)))).toEqual(['MatMul', 'Add']);
    expect(ops(readModel(new DataView(padded.buffer, 8)))).toEqual(['MatMul', 'Add']);
  });
});

describe('int64 dims', () => {
  it('reads numbers, bigints and protobufjs Longs inside ±2^53 and rejects larger ones (bigint-sized dims) with E_MODEL', () => {
    expect(int64('t', 'd', 5)).toBe(5);
    expect(int64('t', 'd', 5n)).toBe(5);
    expect(int64('t', 'd', { low: 7, high: 0, toString: () => '7' })).toBe(7);
    expectCode(() => int64('t', 'd', 2n ** 60n), 'E_MODEL');
    expectCode(() => int64('t', 'd', { low: 0, high: 1 << 28, toString: () => String(2n ** 60n) }), 'E_MODEL');
    expectCode(() => int64('t', 'd', 2 ** 60), 'E_MODEL');
    expectCode(() => int64('t', 'd', 1.5), 'E_MODEL');
  });

  it('turns a model whose logits declare a dim of 2^60 into E_MODEL in findHead', () => {
    const model = createModel({
      inputs: [{ name: 'x', type: 'float32', dims: ['n', 4] }],
      outputs: [{ name: 'y', type: 'float32', dims: ['n', 2 ** 60] }],
      initializers: [{ name: 'w', type: 'float32', dims: [4, 2], data: new Float32Array(8) }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    });
    const decoded = readModel(writeModel(model));
    expectCode(() => findHead(decoded), 'E_MODEL');
  });
});

describe('findHead', () => {
  it('finds MatMul → Add, M from the weight and the class count from the output', () => {
    const head = findHead(readModel(linearModel({ m: 24, c: 5 }).bytes));
    expect(head).toMatchObject({ logits: 'logits', features: 'x', featureDim: 24, numClasses: 5, logitsType: 1, logitsIsOutput: true, softmax: undefined, opset: 17 });
    expect(head.linear?.op).toBe('MatMul');
  });

  it('reads M off a Gemm with transB = 1 (weight [classes, M]) and walks back from the Softmax output', () => {
    const head = findHead(readModel(linearModel({ m: 16, c: 7, head: 'gemm', softmax: 'Softmax', opset: 11 }).bytes));
    expect(head).toMatchObject({ logits: 'logits', featureDim: 16, numClasses: 7, logitsIsOutput: false, opset: 11 });
    expect(head.linear?.op).toBe('Gemm');
    expect(head.softmax?.op).toBe('Softmax');
    expect(head.softmax?.output).toBe('probs');
  });

  it('reads M off a weight stored in a Constant node, and the features entering a hidden layer', () => {
    const head = findHead(readModel(linearModel({ m: 10, c: 3, constantWeight: true, hidden: 10 }).bytes));
    expect(head).toMatchObject({ featureDim: 10, numClasses: 3, features: 'features' });
  });

  it('walks through a Cast to float16: the logits are the Cast output, typed float16', () => {
    const head = findHead(readModel(linearModel({ m: 12, c: 4, float16: true }).bytes));
    expect(head).toMatchObject({ logits: 'logits16', logitsType: 10, featureDim: 12, numClasses: 4 });
  });

  it('takes the element type from the weight and Cast when nothing declares the logits', () => {
    const model = readModel(linearModel({ m: 6, c: 3, float16: true, softmax: 'Softmax' }).bytes);
    expect(tensorType(model, 'logits16').dataType).toBeUndefined();
    expect(findHead(model).logitsType).toBe(10);
    expect(findHead(readModel(linearModel({ m: 6, c: 3, softmax: 'Softmax' }).bytes)).logitsType).toBe(1);
  });

  it('finds a LogSoftmax ending', () => {
    expect(findHead(readModel(linearModel({ m: 6, c: 3, softmax: 'LogSoftmax' }).bytes)).softmax?.op).toBe('LogSoftmax');
  });

  it('reads the real OCR classifier: logits p2o.Add.87, M = 200, 2 classes, Softmax in the graph, opset 9', () => {
    expect(OCR_MODEL).toMatch(/node_modules\/@gutenye\/ocr-models\/assets\/ch_ppocr_mobile_v2\.0_cls_infer\.onnx$/);
    const head = findHead(readModel(readFileSync(OCR_MODEL)));
    expect(head).toMatchObject({ logits: 'p2o.Add.87', featureDim: 200, numClasses: 2, features: 'reshape2_0.tmp_0', opset: 9, logitsIsOutput: false, logitsType: 1 });
    expect(head.softmax?.output).toBe('softmax_0.tmp_0');
  });

  it('takes a named logits tensor, and rejects a name that is no tensor with E_ARGUMENT', () => {
    const model = readModel(linearModel({ m: 6, c: 3, softmax: 'Softmax' }).bytes);
    expect(findHead(model, { logitsOutput: 'logits' }).featureDim).toBe(6);
    expectCode(() => findHead(model, { logitsOutput: 'nope' }), 'E_ARGUMENT');
  });

  it('rejects a graph with no Gemm/MatMul head, and int logits, with E_MODEL', () => {
    const relu = readModel(writeModel(createModel({
      inputs: [{ name: 'x', type: 'float32', dims: ['n', 3] }],
      outputs: [{ name: 'y', type: 'float32', dims: ['n', 3] }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
    })));
    expectCode(() => findHead(relu), 'E_MODEL');
    expect(findHead(relu, { logitsOutput: 'y' }).featureDim).toBeUndefined();
    const argmax = readModel(writeModel(createModel({
      inputs: [{ name: 'x', type: 'float32', dims: ['n', 3] }],
      outputs: [{ name: 'i', type: 'int64', dims: ['n', 1] }],
      nodes: [{ op: 'ArgMax', inputs: ['x'], outputs: ['i'], attributes: { axis: 1 } }],
    })));
    expectCode(() => findHead(argmax, { logitsOutput: 'i' }), 'E_MODEL');
  });

  it('rejects a Softmax over a non-class axis (E_MODEL) with each opset\'s axis semantics', () => {
    // Opset 11, rank 3 logits: the default axis 1 flattens [k, c] together, which is not per class.
    expectCode(() => findHead(readModel(linearModel({ m: 4, c: 3, inner: 2, softmax: 'Softmax', opset: 11 }).bytes)), 'E_MODEL');
    expect(findHead(readModel(linearModel({ m: 4, c: 3, inner: 2, softmax: 'Softmax', softmaxAxis: 2, opset: 11 }).bytes)).softmax).toBeDefined();
    // Opset 13: the default −1 is per class; axis 1 is not.
    expect(findHead(readModel(linearModel({ m: 4, c: 3, inner: 2, softmax: 'Softmax', opset: 13 }).bytes)).softmax).toBeDefined();
    expectCode(() => findHead(readModel(linearModel({ m: 4, c: 3, inner: 2, softmax: 'Softmax', softmaxAxis: 1, opset: 13 }).bytes)), 'E_MODEL');
  });

  it('rejects opsets older than 7 with E_MODEL', () => {
    expectCode(() => findHead(readModel(linearModel({ m: 4, c: 2, opset: 6 }).bytes)), 'E_MODEL');
  });
});

describe('insertTemperature', () => {
  it('appends Div(T) → Softmax(axis −1) at opset 13+, with T as a float32 scalar initializer', () => {
    const model = readModel(linearModel({ m: 8, c: 3 }).bytes);
    const out = insertTemperature(model, { temperature: 2.5 });
    expect(ops(model)).toEqual(['MatMul', 'Add', 'Div', 'Softmax']);
    expect(attr(model, 'Softmax', 'axis')).toBe(-1);
    const div = model.graph!.node!.find((n) => n.opType === 'Div')!;
    const t = model.graph!.initializer!.find((i) => i.name === div.input![1])!;
    expect(t.dataType).toBe(1);
    expect(t.dims).toEqual([]);
    expect(t.floatData).toEqual([2.5]);
    expect(model.graph!.output!.map((o) => o.name)).toEqual(['logits', out.probabilities]);
    expectTopological(model);
  });

  it('uses axis = rank − 1 before opset 13 (Softmax flattens at its axis there) and −1 from 13', () => {
    for (const [opset, axis] of [[11, 2], [12, 2], [13, -1]] as const) {
      const model = readModel(linearModel({ m: 4, c: 3, inner: 2, opset }).bytes);
      insertTemperature(model, { temperature: 2, logProbabilities: true });
      expect(attr(model, 'Softmax', 'axis'), `opset ${opset}`).toBe(axis);
      expect(attr(model, 'LogSoftmax', 'axis'), `opset ${opset}`).toBe(axis);
    }
  });

  it('puts the Div before a Softmax the graph already ends in: one Softmax, reading the Div', () => {
    const model = readModel(linearModel({ m: 8, c: 3, head: 'gemm', softmax: 'Softmax', opset: 11 }).bytes);
    const out = insertTemperature(model, { temperature: 4 });
    expect(ops(model)).toEqual(['Gemm', 'Div', 'Softmax']);
    expect(out.probabilities).toBe('probs');
    const div = model.graph!.node![1];
    expect(model.graph!.node![2].input).toEqual([div.output![0]]);
    expect(model.graph!.output!.map((o) => o.name)).toEqual(['probs']);
    expectTopological(model);
  });

  it('casts float16 logits to float32 before the Div, and declares the rewired Softmax output float32', () => {
    const model = readModel(linearModel({ m: 8, c: 3, float16: true, softmax: 'Softmax' }).bytes);
    insertTemperature(model, { temperature: 2 });
    expect(ops(model)).toEqual(['MatMul', 'Add', 'Cast', 'Cast', 'Div', 'Softmax']);
    expect(model.graph!.node![3].attribute![0].i).toBe(1);
    expect(tensorType(model, 'probs').dataType).toBe(1);
    expectTopological(model);
  });

  it('adds a LogSoftmax beside the Softmax, a features output and a BatchNormalization before the head', () => {
    const model = readModel(linearModel({ m: 5, c: 3, hidden: 5 }).bytes);
    const stats = { mean: uniform(5, 1), variance: uniform(5, 2, 0.5, 2) };
    const out = insertTemperature(model, { temperature: 3, logProbabilities: true, featuresOutput: true, batchNorm: stats });
    expect(ops(model)).toEqual(['MatMul', 'Relu', 'BatchNormalization', 'MatMul', 'Add', 'Div', 'Softmax', 'LogSoftmax']);
    expect(out.features).toBe('features');
    expect(model.graph!.output!.map((o) => o.name)).toEqual(['logits', 'features', out.probabilities, out.logProbabilities]);
    expect(tensorType(model, 'features').dataType).toBe(1);
    expectTopological(model);
  });

  it('exposes only the logits (and features) with exposeOnly', () => {
    const bytes = readFileSync(OCR_MODEL);
    const model = readModel(bytes);
    const out = insertTemperature(model, { temperature: 1, exposeOnly: true, featuresOutput: true });
    expect(out.probabilities).toBeUndefined();
    expect(model.graph!.output!.map((o) => o.name)).toEqual(['softmax_0.tmp_0', 'reshape2_0.tmp_0', 'p2o.Add.87']);
    expect(ops(model).filter((o) => o === 'Softmax')).toHaveLength(1);
  });

  it('rejects T ≤ 0, NaN, Infinity and T whose reciprocal overflows float32 with E_TEMPERATURE, leaving the model alone', () => {
    const model = readModel(linearModel({ m: 4, c: 2 }).bytes);
    const before = writeModel(model);
    for (const t of [0, -1, Number.NaN, Infinity, 1e-45]) expectCode(() => insertTemperature(model, { temperature: t }), 'E_TEMPERATURE');
    expect(writeModel(model)).toEqual(before);
  });

  it('rejects BatchNorm statistics of the wrong width, type or sign', () => {
    const model = () => readModel(linearModel({ m: 4, c: 2 }).bytes);
    const ok = new Float32Array(4).fill(1);
    expectCode(() => insertTemperature(model(), { temperature: 1, batchNorm: { mean: new Float32Array(3), variance: ok } }), 'E_SHAPE');
    expectCode(() => insertTemperature(model(), { temperature: 1, batchNorm: { mean: [0, 0, 0, 0] as unknown as Float32Array, variance: ok } }), 'E_DTYPE');
    expectCode(() => insertTemperature(model(), { temperature: 1, batchNorm: { mean: ok, variance: Float32Array.of(1, -1, 1, 1) } }), 'E_ARGUMENT');
    expectCode(() => insertTemperature(model(), { temperature: 1, batchNorm: { mean: Float32Array.of(0, NaN, 0, 0), variance: ok } }), 'E_NONFINITE');
  });

  it('rejects a features name that is no tensor with E_ARGUMENT', () => {
    expectCode(() => insertTemperature(readModel(linearModel({ m: 4, c: 2 }).bytes), { temperature: 1, featuresOutput: 'nope' }), 'E_ARGUMENT');
  });
});

describe('graph editing tools', () => {
  it('uniqueName avoids every tensor and node name', () => {
    const model = readModel(linearModel({ m: 4, c: 2 }).bytes);
    expect(uniqueName(model, 'fresh')).toBe('fresh');
    expect(uniqueName(model, 'logits')).toBe('logits_1');
    expect(uniqueName(model, 'w')).toBe('w_1');
  });

  it('insertNodes places nodes before a named node or index and rejects unknown ones', () => {
    const model = readModel(linearModel({ m: 4, c: 2 }).bytes);
    insertNodes(model, [{ op: 'Identity', name: 'id', inputs: ['x'], outputs: ['x2'] }], { before: 0 });
    insertNodes(model, [{ op: 'Relu', name: 'r', inputs: ['z'], outputs: ['z2'] }], { before: model.graph!.node![2].name! });
    expect(ops(model)).toEqual(['Identity', 'MatMul', 'Relu', 'Add']);
    expectCode(() => insertNodes(model, [], { before: 'missing' }), 'E_ARGUMENT');
    expectCode(() => insertNodes(model, [], { before: 99 }), 'E_ARGUMENT');
  });

  it('addInitializer refuses a taken name; addOutput refuses an unknown tensor and is idempotent', () => {
    const model = readModel(linearModel({ m: 4, c: 2 }).bytes);
    expectCode(() => addInitializer(model, { name: 'w', type: 'float32', dims: [1], data: [1] }), 'E_ARGUMENT');
    expectCode(() => addInitializer(model, { name: 'q', type: 'float32', dims: [2], data: [1] }), 'E_ARGUMENT');
    expectCode(() => addOutput(model, { name: 'nope' }), 'E_ARGUMENT');
    addOutput(model, { name: 'z' }, 1);
    addOutput(model, { name: 'z' });
    expect(model.graph!.output!.map((o) => o.name)).toEqual(['logits', 'z']);
    expect(tensorType(model, 'z').dataType).toBe(1);
  });

  it('cloneModel gives an independent copy', () => {
    const model = readModel(linearModel({ m: 4, c: 2 }).bytes);
    const copy = cloneModel(model);
    insertTemperature(copy, { temperature: 2 });
    expect(ops(model)).toEqual(['MatMul', 'Add']);
    expect(copy).toBeInstanceOf(onnx.ModelProto);
  });
});
