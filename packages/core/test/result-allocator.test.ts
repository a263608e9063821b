import { afterEach, describe, expect, it } from 'vitest';
import { softmax, logSoftmax, softmaxBackward, crossEntropy, batchNorm, batchNormTrain, batchNormBackward } from '../src/index.js';
import { setResultAllocator } from '../src/memory.js';
import { mat, labels } from './helpers.js';

// Every array a kernel returns comes from the result allocator; hosts may hand out unfilled memory,
// so each kernel must overwrite all of it. A NaN-poisoned allocator makes any missed element visible.
const [rows, cols] = [37, 301];
const n = rows * cols;
const x = mat(rows, cols, 11);
const dy = mat(rows, cols, 12);
const y = labels(rows, cols, 13);
const mean = mat(1, cols, 14), variance = new Float32Array(cols).fill(2);

function results(): Float32Array[] {
  const probs = softmax(x, [rows, cols], { temperature: 2 });
  const state = { runningMean: new Float32Array(cols), runningVariance: new Float32Array(cols).fill(1) };
  const train = batchNormTrain(x, [rows, cols], state, { momentum: 0.1, epsilon: 1e-5 });
  return [
    probs,
    logSoftmax(x, [rows, cols], { temperature: 2 }),
    softmaxBackward(probs, dy, [rows, cols], { temperature: 2 }),
    crossEntropy(x, [rows, cols], y, { temperature: 2, grad: true }).grad,
    batchNorm(x, [rows, cols], { runningMean: mean, runningVariance: variance }),
    train.y,
    batchNormBackward(dy, train.cache).dx,
  ];
}

afterEach(() => setResultAllocator((length) => new Float32Array(length)));

describe('result allocator', () => {
  it('every returned element is written, so hosts may allocate without zero fill', () => {
    const clean = results();
    setResultAllocator((length) => new Float32Array(length).fill(NaN));
    const poisoned = results();
    expect(poisoned.map((a) => a.length)).toEqual(clean.map((a) => a.length));
    poisoned.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(clean[i])));
    expect(clean.every((a) => a.length === n && a.every(Number.isFinite))).toBe(true);
  });

  it('the Node entry (built package) returns plain arrays that own exactly their buffer, small and large', async () => {
    const node = (await import('../dist/entry/node.js')) as typeof import('../src/index.js');
    await node.init();
    for (const [r, c] of [[2, 5], [64, 1000]] as const) {
      const input = mat(r, c, 21);
      const out = node.softmax(input, [r, c]);
      expect(out).toBeInstanceOf(Float32Array);
      expect(out.byteOffset).toBe(0);
      expect(out.buffer.byteLength).toBe(r * c * 4);
      expect(Array.from(out)).toEqual(Array.from(softmax(input, [r, c])));
      // Transferable like any ArrayBuffer the caller made.
      const moved = structuredClone(out, { transfer: [out.buffer] });
      expect(moved.length).toBe(r * c);
      expect(out.length).toBe(0);
    }
  });
});
