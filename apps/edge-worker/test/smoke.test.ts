import { describe, expect, it } from 'vitest';
import * as core from '@tstar/core';
import { runSmoke } from '../src/smoke.js';

describe('runSmoke', () => {
  it('exercises every op family the runtime tests promise', () => {
    const { ops } = runSmoke(core);
    for (const op of ['softmax', 'crossEntropy', 'batchNorm', 'optimalTemperature', 'fitTemperature', 'calibrationMetrics']) expect(ops).toContain(op);
  });

  it('is deterministic, and a one-bit difference in an op\'s output changes its value', () => {
    const a = runSmoke(core);
    expect(runSmoke(core)).toEqual(a);
    const flipped = {
      ...core,
      softmax: (...args: Parameters<typeof core.softmax>) => {
        const y = core.softmax(...args);
        new Uint32Array(y.buffer, y.byteOffset, 1)[0] ^= 1;
        return y;
      },
    } as typeof core;
    const b = runSmoke(flipped);
    expect(b.values['softmax T=1']).not.toBe(a.values['softmax T=1']);
    expect(b.values['crossEntropy loss']).toBe(a.values['crossEntropy loss']);
  });
});
