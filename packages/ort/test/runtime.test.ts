import { describe, expect, it } from 'vitest';
import type { Tensor } from 'onnxruntime-common';
import { checkDims, logitsMatrix } from '../src/runtime.js';
import { expectCode, half64, rejectsWith, RUNTIMES } from './helpers.js';

describe.each(RUNTIMES)('logits as a float32 matrix, $name tensors', ({ ort }) => {
  it('decodes every float16 bit pattern of a float16 tensor exactly (subnormals, ±0, ±Infinity, NaN)', async () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const m = await logitsMatrix('test', 'z', new ort.Tensor('float16', bits, [256, 256]) as Tensor);
    expect([m.rows, m.cols]).toEqual([256, 256]);
    for (let h = 0; h < 65536; h++) {
      const want = half64(h);
      if (Number.isNaN(want) ? !Number.isNaN(m.data[h]) : !Object.is(m.data[h], want)) expect.fail(`0x${h.toString(16)}: got ${m.data[h]}, expected ${want}`);
    }
  });

  it('rounds float64 logits to float32 and folds leading axes into rows', async () => {
    const x = Float64Array.from({ length: 24 }, (_, i) => Math.PI * (i - 12));
    const m = await logitsMatrix('test', 'z', new ort.Tensor('float64', x, [2, 3, 4]) as Tensor);
    expect([m.rows, m.cols, m.dims]).toEqual([6, 4, [2, 3, 4]]);
    expect(Array.from(m.data)).toEqual(Array.from(x, Math.fround));
  });

  it('rejects int logits (E_MODEL) and a missing tensor (E_MODEL)', async () => {
    await rejectsWith(logitsMatrix('test', 'z', new ort.Tensor('int32', Int32Array.of(1, 2), [1, 2]) as Tensor), 'E_MODEL');
    await rejectsWith(logitsMatrix('test', 'z', undefined), 'E_MODEL');
  });
});

describe('checkDims', () => {
  it('takes safe integer dims and rejects bigint, fractional, negative or empty dims with E_SHAPE', () => {
    expect(checkDims('t', 'x', [2, 3])).toEqual([2, 3]);
    for (const dims of [[2n, 3n], [2, 1.5], [-1, 2], [], [2 ** 60], 'abc']) expectCode(() => checkDims('t', 'x', dims), 'E_SHAPE');
  });
});
