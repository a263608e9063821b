// onnxruntime peers (onnxruntime-web on its wasm backend, onnxruntime-node native), one thread each, running
// small models built here: y = Softmax(x / T) and BatchNormalization. The ONNX bytes are written by a
// minimal protobuf encoder (only the fields these graphs use), so the benchmark needs no onnx tooling.
import type { Contender } from './harness.js';

// --- protobuf wire format: varint (type 0), 32-bit (type 5), length-delimited (type 2) ---
type Bytes = number[];

function varint(out: Bytes, value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

const key = (out: Bytes, field: number, wire: number): void => varint(out, field * 8 + wire);

function intField(out: Bytes, field: number, value: number): void {
  key(out, field, 0);
  varint(out, value);
}

function bytesField(out: Bytes, field: number, data: Bytes | Uint8Array): void {
  key(out, field, 2);
  varint(out, data.length);
  for (const b of data) out.push(b);
}

const stringField = (out: Bytes, field: number, s: string): void => bytesField(out, field, new TextEncoder().encode(s));

function floatField(out: Bytes, field: number, value: number): void {
  key(out, field, 5);
  out.push(...new Uint8Array(new Float32Array([value]).buffer));
}

const message = (build: (out: Bytes) => void): Bytes => {
  const out: Bytes = [];
  build(out);
  return out;
};

// --- ONNX messages (onnx.proto field numbers) ---
const FLOAT = 1;

interface Attribute {
  name: string;
  float?: number;
}

function node(op: string, inputs: string[], outputs: string[], attributes: Attribute[] = []): Bytes {
  return message((o) => {
    for (const i of inputs) stringField(o, 1, i);
    for (const x of outputs) stringField(o, 2, x);
    stringField(o, 4, op);
    for (const a of attributes) {
      bytesField(o, 5, message((m) => {
        stringField(m, 1, a.name);
        if (a.float !== undefined) {
          floatField(m, 2, a.float);
          intField(m, 20, 1); // AttributeType FLOAT
        }
      }));
    }
  });
}

function tensor(name: string, dims: number[], data: Float32Array): Bytes {
  return message((o) => {
    for (const d of dims) intField(o, 1, d);
    intField(o, 2, FLOAT);
    stringField(o, 8, name);
    bytesField(o, 9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)); // raw_data, little-endian
  });
}

/** A float tensor value with symbolic dims (strings) or fixed ones (numbers). */
function valueInfo(name: string, dims: (string | number)[]): Bytes {
  const shape = message((s) => {
    for (const d of dims) bytesField(s, 1, message((m) => (typeof d === 'number' ? intField(m, 1, d) : stringField(m, 2, d))));
  });
  const tensorType = message((t) => {
    intField(t, 1, FLOAT);
    bytesField(t, 2, shape);
  });
  return message((o) => {
    stringField(o, 1, name);
    bytesField(o, 2, message((t) => bytesField(t, 1, tensorType)));
  });
}

function model(nodes: Bytes[], initializers: Bytes[], inputs: Bytes[], outputs: Bytes[]): Uint8Array {
  const graph = message((g) => {
    for (const n of nodes) bytesField(g, 1, n);
    stringField(g, 2, 'tstar-bench');
    for (const t of initializers) bytesField(g, 5, t);
    for (const i of inputs) bytesField(g, 11, i);
    for (const x of outputs) bytesField(g, 12, x);
  });
  return new Uint8Array(message((m) => {
    intField(m, 1, 8); // ir_version 8
    stringField(m, 2, 'tstar-benchmarks');
    bytesField(m, 7, graph);
    bytesField(m, 8, message((o) => intField(o, 2, 17))); // default domain, opset 17
  }));
}

/** y = Softmax(x / T) over the last axis; x is [N, C] with symbolic dims, T a scalar initializer. */
export function softmaxModel(temperature: number): Uint8Array {
  return model(
    [node('Div', ['x', 'T'], ['z']), node('Softmax', ['z'], ['y'])],
    [tensor('T', [], new Float32Array([temperature]))],
    [valueInfo('x', ['N', 'C'])],
    [valueInfo('y', ['N', 'C'])],
  );
}

/** Inference BatchNormalization on x [N, C] with the statistics and affine parameters as initializers. */
export function batchNormModel(p: { mean: Float32Array; variance: Float32Array; gamma: Float32Array; beta: Float32Array; epsilon: number }): Uint8Array {
  const c = p.mean.length;
  return model(
    [node('BatchNormalization', ['x', 'gamma', 'beta', 'mean', 'variance'], ['y'], [{ name: 'epsilon', float: p.epsilon }])],
    [tensor('gamma', [c], p.gamma), tensor('beta', [c], p.beta), tensor('mean', [c], p.mean), tensor('variance', [c], p.variance)],
    [valueInfo('x', ['N', c])],
    [valueInfo('y', ['N', c])],
  );
}

// --- sessions ---
type OrtWeb = typeof import('onnxruntime-web');
type OrtNode = typeof import('onnxruntime-node');
type Session = import('onnxruntime-common').InferenceSession;

export interface OrtPeers {
  web: OrtWeb;
  node: OrtNode;
  versions: { web: string; node: string };
}

/** Loads both runtimes; onnxruntime-web on one wasm thread (two threads slowed a single long row 6× on 2 cores). */
export async function loadOrt(): Promise<OrtPeers> {
  const web = await import('onnxruntime-web');
  const node = await import('onnxruntime-node');
  web.env.wasm.numThreads = 1;
  web.env.logLevel = 'error';
  return { web, node, versions: { web: web.env.versions.web ?? '?', node: node.env.versions.node ?? '?' } };
}

/** One session per runtime for `bytes`, one intra-op thread each, sequential execution. */
export async function ortSessions(ort: OrtPeers, bytes: Uint8Array): Promise<{ web: Session; node: Session }> {
  const common = { executionMode: 'sequential', graphOptimizationLevel: 'all' } as const;
  const web = await ort.web.InferenceSession.create(bytes, { ...common, executionProviders: ['wasm'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  const node = await ort.node.InferenceSession.create(bytes, { ...common, executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  return { web: web as unknown as Session, node: node as unknown as Session };
}

/**
 * An ORT contender, e2e as users write it: wrap the Float32Array in a tensor, run, read `y`. onnxruntime-web
 * only runs asynchronously, so its `run` returns a promise and the harness awaits it (see `measureAsync`).
 */
export function ortContender(name: string, Tensor: OrtWeb['Tensor'] | OrtNode['Tensor'], session: Session, x: Float32Array, dims: number[]): Contender<Promise<Float32Array>> {
  return {
    name,
    run: async () => {
      const input = new Tensor('float32', x, dims);
      const out = await session.run({ x: input as never });
      const y = out.y;
      const data = y.data as Float32Array;
      y.dispose?.();
      return data;
    },
  };
}
