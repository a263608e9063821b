import { createRequire } from 'node:module';
import path from 'node:path';

type Tf = typeof import('@tensorflow/tfjs');
export type TfBackend = 'cpu' | 'wasm';

/**
 * Loads `@tensorflow/tfjs` with the cpu backend and the wasm backend (SIMD, single thread in Node),
 * the wasm binaries served from `@tensorflow/tfjs-backend-wasm`'s own dist directory.
 */
export async function loadTfjs(): Promise<{ tf: Tf; wasmFeatures: { simd: boolean; threads: boolean } }> {
  const tf = await import('@tensorflow/tfjs');
  const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  // The cpu backend greets Node users with a hint to install tfjs-node; keep the report clean.
  const warn = console.warn;
  console.warn = () => {};
  try {
    for (const backend of ['cpu', 'wasm'] as const) {
      if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not initialise`);
      await tf.ready();
      tf.tensor1d([0]).dispose(); // the cpu backend greets on its first write
    }
  } finally {
    console.warn = warn;
  }
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  return { tf, wasmFeatures: { simd, threads } };
}
