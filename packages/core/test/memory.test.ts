import { describe, it, expect } from 'vitest';
import { softmax, crossEntropy, batchNorm, TStarError } from '../src/index.js';
import { wasm } from '../src/load.js';
import { alloc, arenaReset } from '../src/memory.js';
import { mat, labels } from './helpers.js';

describe('the wasm arena', () => {
  it('does not grow memory over 10,000 repeated calls of the same size', () => {
    const x = mat(16, 100, 1);
    const y = labels(16, 100, 2);
    const mean = new Float32Array(100), variance = new Float32Array(100).fill(1);
    const out = new Float32Array(1600);
    softmax(x, [16, 100], { out });
    crossEntropy(x, [16, 100], y, { grad: true });
    batchNorm(x, [16, 100], { runningMean: mean, runningVariance: variance, out });
    const before = wasm().memory.buffer.byteLength;
    for (let i = 0; i < 10_000; i++) {
      softmax(x, [16, 100], { temperature: 2, out });
      crossEntropy(x, [16, 100], y, { grad: true });
      batchNorm(x, [16, 100], { runningMean: mean, runningVariance: variance, out });
    }
    expect(wasm().memory.buffer.byteLength).toBe(before);
  });

  it('grows for a larger input and keeps results correct after the buffer is replaced', () => {
    const small = softmax(mat(1, 8, 3), [1, 8]);
    const big = mat(64, 65536, 4);
    const y = softmax(big, [64, 65536]);
    expect(y.length).toBe(big.length);
    expect(Array.from(softmax(mat(1, 8, 3), [1, 8]))).toEqual(Array.from(small));
  });

  it('reports E_MEMORY when a request cannot fit in wasm32 memory, and recovers', () => {
    arenaReset();
    let error: unknown;
    try {
      alloc(2 ** 32);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TStarError);
    expect((error as TStarError).code).toBe('E_MEMORY');
    expect(softmax(new Float32Array([0, 0]), [1, 2])[0]).toBe(0.5);
  });
});

describe('an oversized call', () => {
  it('checks the whole call\'s size before growing: two blocks that fit alone but not together fail with E_MEMORY and memory stays as it was', () => {
    const before = wasm().memory.buffer.byteLength;
    expect(() => arenaReset(2.5e9, 2e9)).toThrow(TStarError);
    expect(wasm().memory.buffer.byteLength).toBe(before);
    arenaReset();
  });
});
