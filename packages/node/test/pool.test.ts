import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  calibrationMetrics, fitTemperature, fitTemperatureWith, logSoftmax, mergeTemperatureObjectives, softmax, temperatureObjective, TStarError,
} from '@tstar/core';
import { chunkRanges, createPool, splitRows, type Pool } from '../src/index.js';
import { labels, mat } from './helpers.js';

// Bit-identity means Object.is on every element (it separates -0 from 0 and compares NaN).
function expectBits(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`element ${i}: ${a[i]} !== ${b[i]}`);
}

const pools: Pool[] = [];
beforeAll(async () => {
  for (const workers of [1, 2, 3]) pools.push(await createPool({ workers, chunkRows: 257 }));
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('splitRows / chunkRanges', () => {
  it('cover every row once, in order', () => {
    for (const [rows, parts] of [[0, 3], [1, 4], [10, 3], [1001, 7]]) {
      const r = splitRows(rows, parts);
      expect(r.flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i))).toEqual(Array.from({ length: rows }, (_, i) => i));
      expect(chunkRanges(rows, 4).reduce((s, [a, b]) => s + b - a, 0)).toBe(rows);
    }
  });
});

describe('pool.softmax / pool.logSoftmax', () => {
  const shapes: [number, number][] = [[1, 1], [1, 7], [5, 3], [97, 13], [2000, 100], [4099, 5]];
  it('are bit-identical to the single-thread core for 1, 2 and 3 workers', async () => {
    for (const [r, c] of shapes) {
      const x = mat(r, c, r + c, 30);
      for (const temperature of [1, 0.37, 11.674]) {
        const one = softmax(x, [r, c], { temperature });
        const oneLog = logSoftmax(x, [r, c], { temperature });
        for (const pool of pools) {
          expectBits(await pool.softmax(x, [r, c], { temperature }), one);
          expectBits(await pool.logSoftmax(x, [r, c], { temperature }), oneLog);
        }
      }
    }
  });
  it('keep -Infinity masks exact and leave the input untouched', async () => {
    const x = mat(40, 6, 3);
    for (let r = 0; r < 40; r++) x[r * 6 + (r % 6)] = -Infinity;
    const copy = x.slice();
    expectBits(await pools[2].softmax(x, [40, 6]), softmax(x, [40, 6]));
    expectBits(x, copy);
  });
  it('report a NaN with the caller’s row number, not the shard’s', async () => {
    const x = mat(300, 4, 5);
    x[250 * 4 + 1] = NaN;
    await expect(pools[2].softmax(x, [300, 4])).rejects.toThrow(/row 250 holds NaN/);
  });
  it('reject a bad shape and a bad temperature with the core’s codes', async () => {
    await expect(pools[1].softmax(new Float32Array(6), [2, 4])).rejects.toMatchObject({ code: 'E_SHAPE' });
    await expect(pools[1].softmax(new Float32Array(6), [2, 3], { temperature: 0 })).rejects.toBeInstanceOf(TStarError);
    await expect(pools[1].softmax(new Float32Array(6), [2, 3], { temperature: 0 })).rejects.toMatchObject({ code: 'E_TEMPERATURE' });
  });
});

describe('pool.temperatureObjective / pool.fitTemperature', () => {
  const [r, c] = [3001, 17];
  const x = mat(r, c, 11, 8);
  const y = labels(r, c, 12);
  // The single-thread twin: the same fixed chunks, summed in the same order, in this thread.
  const chunked = (t: number) => mergeTemperatureObjectives(chunkRanges(r, 257).map(([a, b]) => temperatureObjective(x.subarray(a * c, b * c), [b - a, c], y.subarray(a, b), { temperature: t })));

  it('gives the same sums, bit for bit, for every worker count and the single-thread chunked sum', async () => {
    for (const t of [0.5, 1, 3.3]) {
      const want = chunked(t);
      for (const pool of pools) expect(await pool.temperatureObjective(x, [r, c], y, { temperature: t })).toStrictEqual(want);
    }
  });
  it('fits the same temperature, bit for bit, for every worker count and single-thread', async () => {
    const want = fitTemperatureWith(chunked);
    for (const pool of pools) expect(await pool.fitTemperature(x, [r, c], y)).toStrictEqual(want);
    // And agrees with the core's one-pass fit to rounding (its sum runs over all rows at once).
    const core = fitTemperature(x, [r, c], y);
    expect(Math.abs(want.temperature - core.temperature) / core.temperature).toBeLessThan(1e-9);
  });
  it('equals the core’s fitTemperature exactly when one chunk holds every row', async () => {
    const pool = await createPool({ workers: 2, chunkRows: r });
    try {
      expect(await pool.fitTemperature(x, [r, c], y, { initialTemperature: 2 })).toStrictEqual(fitTemperature(x, [r, c], y, { initialTemperature: 2 }));
    } finally {
      await pool.close();
    }
  });
  it('names the caller’s row for a label out of range', async () => {
    const bad = y.slice();
    bad[2000] = c;
    await expect(pools[2].temperatureObjective(x, [r, c], bad, { temperature: 1 })).rejects.toThrow(/at row 2000 is outside/);
  });
});

describe('pool.calibrationSweep', () => {
  it('returns exactly the single-thread calibrationMetrics at each temperature', async () => {
    const [r, c] = [1500, 10];
    const x = mat(r, c, 21, 6);
    const y = labels(r, c, 22);
    const ts = [0.25, 0.5, 1, 2, 4, 8, 16];
    let calls = 0;
    const got = await pools[2].calibrationSweep(x, [r, c], y, ts, { binCount: 10 }, () => calls++);
    expect(calls).toBe(ts.length);
    got.forEach((m, i) => expect(m).toStrictEqual(calibrationMetrics(x, [r, c], y, { binCount: 10, temperature: ts[i] })));
  });
});

describe('pool.call / pool.close', () => {
  it('runs a named core function and refuses unknown names and use after close', async () => {
    const pool = await createPool({ workers: 1 });
    expectBits(await pool.call<Float32Array>('softmax', new Float32Array([1, 2]), [1, 2]), softmax(new Float32Array([1, 2]), [1, 2]));
    await expect(pool.call('noSuchThing')).rejects.toThrow(/no function noSuchThing/);
    await pool.close();
    await expect(pool.softmax(new Float32Array(1), [1, 1])).rejects.toThrow(/after close/);
  });
  it('rejects a bad worker count', async () => {
    await expect(createPool({ workers: 0 })).rejects.toMatchObject({ code: 'E_ARGUMENT' });
  });
});
