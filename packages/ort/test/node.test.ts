import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelInfo, runModelLogits, writeTemperatureModel } from '../src/node.js';
import { linearModel, maxAbs, OCR_MODEL, ortNode, ref, rejectsWith, uniform } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tstar-ort-'));

describe('readModelInfo', () => {
  it('reads M, the class count, the logits and the inputs off the OCR classifier file', async () => {
    const info = await readModelInfo(OCR_MODEL);
    expect(info).toMatchObject({ featureDim: 200, numClasses: 2, logits: 'p2o.Add.87', softmax: true, opset: 9 });
    expect(info.inputs).toEqual([{ name: 'x', type: 'float32', dims: ['p2o.DynamicDimension.0', 3, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2'] }]);
  });

  it('names the file when it cannot be read (E_ARGUMENT) or is no model (E_MODEL)', async () => {
    const error = await rejectsWith(readModelInfo(join(dir, 'missing.onnx')), 'E_ARGUMENT');
    expect(error.message).toContain('missing.onnx');
    writeFileSync(join(dir, 'text.onnx'), 'not a model');
    await rejectsWith(readModelInfo(join(dir, 'text.onnx')), 'E_MODEL');
  });
});

describe('runModelLogits', () => {
  it('runs onnxruntime-node over a float64 batch in chunks and returns the logits within 1e-5 of float64', async () => {
    const n = 20, m = 6, c = 4;
    const model = linearModel({ m, c, softmax: 'Softmax', scale: 2 });
    const path = join(dir, 'linear.onnx');
    writeFileSync(path, model.bytes);
    const x = uniform(n * m, 5);
    const { logits, shape } = await runModelLogits(path, { data: Float64Array.from(x), shape: [n, m] }, { batchSize: 7 });
    expect(shape).toEqual([n, c]);
    expect(maxAbs(logits, model.logits64(x, n))).toBeLessThan(1e-5);
  });

  it('rejects an input onnxruntime cannot take (E_ARGUMENT) and an empty batch (E_SHAPE)', async () => {
    const path = join(dir, 'linear2.onnx');
    writeFileSync(path, linearModel({ m: 3, c: 2 }).bytes);
    await rejectsWith(runModelLogits(path, { data: new Float32Array(8), shape: [2, 4] }), 'E_ARGUMENT');
    await rejectsWith(runModelLogits(path, { data: new Float32Array(0), shape: [0, 3] }), 'E_SHAPE');
  });
});

describe('writeTemperatureModel', () => {
  it('writes a model with Div(T) → Softmax that onnxruntime-node runs to float64 softmax(z / T); the source is only read', async () => {
    const n = 5, m = 6, c = 4, t = 2.25;
    const model = linearModel({ m, c, scale: 2 });
    const source = join(dir, 'plain.onnx');
    const target = join(dir, 'tempered.onnx');
    writeFileSync(source, model.bytes);
    const outputs = await writeTemperatureModel(source, target, { temperature: t });
    expect(readFileSync(source)).toEqual(Buffer.from(model.bytes));
    const session = await ortNode.InferenceSession.create(target);
    const x = uniform(n * m, 6);
    const result = await session.run({ x: new ortNode.Tensor('float32', x, [n, m]) });
    expect(maxAbs(result[outputs.probabilities!].data as Float32Array, ref.softmax(model.logits64(x, n), n, c, t))).toBeLessThan(1e-5);
    await session.release();
  });

  it('rejects T ≤ 0 with E_TEMPERATURE and an unwritable target with E_ARGUMENT', async () => {
    const source = join(dir, 'plain2.onnx');
    writeFileSync(source, linearModel({ m: 3, c: 2 }).bytes);
    await rejectsWith(writeTemperatureModel(source, join(dir, 'x.onnx'), { temperature: 0 }), 'E_TEMPERATURE');
    await rejectsWith(writeTemperatureModel(source, join(dir, 'no', 'such', 'dir.onnx'), { temperature: 1 }), 'E_ARGUMENT');
  });
});
