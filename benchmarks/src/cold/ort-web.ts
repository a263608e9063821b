// Cold start: onnxruntime-web (wasm, one thread), import to the first result of a softmax model.
import * as ort from 'onnxruntime-web/wasm';

export async function first(base: string, model: () => Promise<Uint8Array>): Promise<number> {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = { wasm: new URL('ort-wasm-simd-threaded.wasm', base).href };
  const session = await ort.InferenceSession.create(await model(), { executionProviders: ['wasm'] });
  const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [2, 2]) });
  return (out.y.data as Float32Array)[0];
}
