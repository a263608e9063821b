import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

let loaded = false;

/**
 * tfjs on its wasm backend (SIMD, one thread in Node: the fast one here; cpu is 20–100× slower), binaries read
 * from `@tensorflow/tfjs-backend-wasm`'s own dist folder, with {@link transposeFirstMatMul} installed.
 */
export async function loadTfjsWasm(): Promise<typeof tf> {
  if (loaded) return tf;
  setWasmPaths(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend did not initialise');
  await tf.ready();
  transposeFirstMatMul();
  loaded = true;
  return tf;
}

let restore: (() => void) | undefined;

/** What the wasm backend offers a kernel: outputs in its heap, views of a tensor's heap memory. */
interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

const batchSize = (shape: readonly number[]): number => shape.slice(0, -2).reduce((a, b) => a * b, 1);

/**
 * Re-registers tfjs-wasm's BatchMatMul so that every product runs on its fast path (XNNPACK), which 4.22 takes
 * only for one untransposed [m, k] × [k, n] pair: it is ~10× slower with a transpose flag (every Dense backward
 * pass sets one) and with a batch of matrices. A transposed operand is transposed explicitly; a batch is run
 * matrix by matrix (operands copied out of and results into the wasm heap; a batch of 1 broadcasts). Same sums
 * in the same order per output element up to XNNPACK's blocking. Returns a function that puts the original
 * kernel back. Idempotent.
 */
export function transposeFirstMatMul(): () => void {
  if (restore) return restore;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) throw new Error('tfjs wasm backend has no BatchMatMul/Transpose kernel to wrap');
  const plain = { transposeA: false, transposeB: false };
  const swapLast = (backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo => {
    const perm = x.shape.map((_, i) => i);
    const r = perm.length;
    [perm[r - 1], perm[r - 2]] = [perm[r - 2], perm[r - 1]];
    return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const batchA = batchSize(a.shape), batchB = batchSize(b.shape);
      if (!transposeA && !transposeB && batchA === 1 && batchB === 1) return original.kernelFunc(args);
      const backend = args.backend as WasmBackend;
      const ta = transposeA ? swapLast(backend, a) : a;
      const tb = transposeB ? swapLast(backend, b) : b;
      try {
        if (batchA === 1 && batchB === 1) return original.kernelFunc({ ...args, inputs: { a: ta, b: tb }, attrs: { ...args.attrs, ...plain } });
        if (batchA !== batchB && batchA !== 1 && batchB !== 1) throw new Error(`BatchMatMul: batches ${batchA} and ${batchB} do not broadcast`);
        const [m, k] = ta.shape.slice(-2), n = tb.shape[tb.shape.length - 1];
        const outer = (batchA >= batchB ? ta : tb).shape.slice(0, -2);
        const out = backend.makeOutput([...outer, m, n], 'float32');
        for (let g = 0; g < Math.max(batchA, batchB); g++) {
          const ga = batchA === 1 ? 0 : g, gb = batchB === 1 ? 0 : g;
          // Copied out first: an allocation may grow the heap and detach older views of it.
          const av = backend.typedArrayFromHeap(ta).slice(ga * m * k, (ga + 1) * m * k);
          const bv = backend.typedArrayFromHeap(tb).slice(gb * k * n, (gb + 1) * k * n);
          const sa = backend.makeOutput([m, k], 'float32', undefined, av);
          const sb = backend.makeOutput([k, n], 'float32', undefined, bv);
          const product = original.kernelFunc({ ...args, inputs: { a: sa, b: sb }, attrs: { ...args.attrs, ...plain } }) as tf.TensorInfo;
          backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(product), g * m * n);
          for (const t of [sa, sb, product]) backend.disposeData(t.dataId);
        }
        return out;
      } finally {
        if (ta !== a) backend.disposeData(ta.dataId);
        if (tb !== b) backend.disposeData(tb.dataId);
      }
    },
  });
  restore = () => {
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel(original);
    restore = undefined;
  };
  return restore;
}
