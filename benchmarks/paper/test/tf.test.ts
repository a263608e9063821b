import { init, seededRandom } from '@tstar/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsWasm, tf } from '../lib/tf.js';

beforeAll(async () => {
  await init();
  await loadTfjsWasm();
});

/** float64 product of [batch, m, k] and [batch, k, n] (a batch of 1 broadcasts), from row-major values. */
function reference(a: Float32Array, aBatch: number, b: Float32Array, bBatch: number, m: number, k: number, n: number): Float64Array {
  const batch = Math.max(aBatch, bBatch);
  const out = new Float64Array(batch * m * n);
  for (let g = 0; g < batch; g++) {
    const ao = (aBatch === 1 ? 0 : g) * m * k, bo = (bBatch === 1 ? 0 : g) * k * n;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[ao + i * k + t] * b[bo + t * n + j];
      out[(g * m + i) * n + j] = s;
    }
  }
  return out;
}

function transposeLast(x: Float32Array, batch: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let g = 0; g < batch; g++) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[(g * cols + j) * rows + i] = x[(g * rows + i) * cols + j];
  return out;
}

describe('transposeFirstMatMul (the wasm BatchMatMul the study installs)', () => {
  const random = seededRandom(42);
  const values = (n: number) => Float32Array.from({ length: n }, () => 2 * random() - 1);
  const cases = [
    { aBatch: 1, bBatch: 1, m: 7, k: 5, n: 3 },
    { aBatch: 4, bBatch: 4, m: 6, k: 9, n: 2 },
    { aBatch: 1, bBatch: 5, m: 3, k: 4, n: 8 },
    { aBatch: 3, bBatch: 1, m: 2, k: 6, n: 5 },
  ];
  for (const { aBatch, bBatch, m, k, n } of cases) {
    for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`[${aBatch}, ${m}, ${k}] × [${bBatch}, ${k}, ${n}], transposeA ${transposeA}, transposeB ${transposeB}`, () => {
        const a = values(aBatch * m * k), b = values(bBatch * k * n);
        const want = reference(a, aBatch, b, bBatch, m, k, n);
        const aIn = transposeA ? transposeLast(a, aBatch, m, k) : a, bIn = transposeB ? transposeLast(b, bBatch, k, n) : b;
        const before = tf.memory().numTensors;
        const got = tf.tidy(() => tf.matMul(
          tf.tensor3d(aIn, transposeA ? [aBatch, k, m] : [aBatch, m, k]),
          tf.tensor3d(bIn, transposeB ? [bBatch, n, k] : [bBatch, k, n]), transposeA, transposeB));
        expect(got.shape).toEqual([Math.max(aBatch, bBatch), m, n]);
        const data = got.dataSync();
        got.dispose();
        expect(tf.memory().numTensors).toBe(before);
        // |values| ≤ 1 and k ≤ 9 terms: float32 products and sums stay within 1e-5 of float64.
        for (let i = 0; i < want.length; i++) expect(Math.abs(data[i] - want[i])).toBeLessThan(1e-5);
      });
    }
  }

  it('refuses batches that do not broadcast', () => {
    expect(() => tf.matMul(tf.zeros([2, 3, 4]), tf.zeros([3, 4, 5]))).toThrow();
  });
});
