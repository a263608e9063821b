// Cold start: tfjs-core with the wasm backend (SIMD, one thread), import to first softmax.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export async function first(base: string): Promise<number> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths(base);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend did not initialise');
  const y = tf.tidy(() => tf.softmax(tf.div(tf.tensor2d([1, 2, 3, 4], [2, 2]), 3)));
  const v = (y.dataSync() as Float32Array)[0];
  y.dispose();
  return v;
}
