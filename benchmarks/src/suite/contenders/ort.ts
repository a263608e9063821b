// onnxruntime as its users run it: one InferenceSession per model, created once per runtime and
// reused for every shape (the models have symbolic dims); tensors wrap the caller's arrays; every
// output read back as a Float32Array. onnxruntime has no gradients, so the training ops are not its.
import type { ModelName, OrtFlavour, OrtSession } from '../env.js';
import { contender, type Contender, type Prepared } from './contender.js';

export function ortContender(flavour: OrtFlavour, models: Partial<Record<ModelName, Uint8Array>>): Contender {
  const sessions = new Map<ModelName, Promise<OrtSession>>();
  const session = (name: ModelName): Promise<OrtSession> | undefined => {
    const bytes = models[name];
    if (!bytes) return undefined;
    let s = sessions.get(name);
    if (!s) {
      s = flavour.api.InferenceSession.create(bytes, flavour.sessionOptions);
      sessions.set(name, s);
    }
    return s;
  };
  const { Tensor } = flavour.api;
  const output = async <O>(name: ModelName, run: (s: OrtSession) => Promise<O>): Promise<Prepared<O> | undefined> => {
    const s = await session(name);
    return s && { run: () => run(s) };
  };
  const rowsModel = (name: 'softmax' | 'logSoftmax') => ({ input: { x, rows, cols } }: { input: { x: Float32Array; rows: number; cols: number } }) =>
    output(name, async (s) => (await s.run({ x: new Tensor('float32', x, [rows, cols]) })).y.data as Float32Array);
  return contender(flavour.name, 'ort', {
    softmax: rowsModel('softmax'),
    logSoftmax: rowsModel('logSoftmax'),
    crossEntropy: ({ input: { x, rows, cols, labels } }) =>
      output('crossEntropy', async (s) => {
        // onnxruntime takes int64 labels: the conversion is part of what a caller holding Int32Array pays.
        const target = new BigInt64Array(rows);
        for (let r = 0; r < rows; r++) target[r] = BigInt(labels[r]);
        const out = await s.run({ x: new Tensor('float32', x, [rows, cols]), labels: new Tensor('int64', target, [rows]) });
        return (out.loss.data as Float32Array)[0];
      }),
    batchNorm: ({ input: i }) =>
      output('batchNorm', async (s) => {
        const out = await s.run({
          x: new Tensor('float32', i.x, [i.rows, i.cols]),
          scale: new Tensor('float32', i.gamma, [i.cols]),
          bias: new Tensor('float32', i.beta, [i.cols]),
          mean: new Tensor('float32', i.mean, [i.cols]),
          variance: new Tensor('float32', i.variance, [i.cols]),
        });
        return out.y.data as Float32Array;
      }),
  });
}
