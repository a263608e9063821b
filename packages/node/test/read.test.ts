import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy, readLabels, readMatrix } from '../src/index.js';
import { expectReject, tempDir } from './helpers.js';

describe('readMatrix', () => {
  it('reads the same matrix from .npy (f4, f8), .json and .csv as Float32', async () => {
    const dir = tempDir();
    const values = [0.5, -1, 2, 3.25, 4, -5];
    writeFileSync(join(dir, 'a.npy'), encodeNpy(new Float32Array(values), [2, 3]));
    writeFileSync(join(dir, 'b.npy'), encodeNpy(new Float64Array(values), [2, 3]));
    writeFileSync(join(dir, 'c.json'), JSON.stringify([values.slice(0, 3), values.slice(3)]));
    writeFileSync(join(dir, 'd.csv'), 'x,y,z\n0.5,-1,2\n3.25,4,-5\n');
    for (const f of ['a.npy', 'b.npy', 'c.json', 'd.csv']) {
      const m = await readMatrix(join(dir, f));
      expect(m.shape).toEqual([2, 3]);
      expect(m.data).toBeInstanceOf(Float32Array);
      expect(Array.from(m.data)).toEqual(values);
    }
  });
  it('rejects 1-D and 3-D arrays, empty matrices and unknown extensions', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'v.npy'), encodeNpy(new Float32Array(4), [4]));
    writeFileSync(join(dir, 't.npy'), encodeNpy(new Float32Array(8), [2, 2, 2]));
    writeFileSync(join(dir, 'e.npy'), encodeNpy(new Float32Array(0), [0, 3]));
    writeFileSync(join(dir, 'x.parquet'), '');
    await expectReject(readMatrix(join(dir, 'v.npy')), 'E_SHAPE', /v\.npy: expected a 2-D array \[rows, cols\], got shape \(4,\)/);
    await expectReject(readMatrix(join(dir, 't.npy')), 'E_SHAPE', /\(2, 2, 2\)/);
    await expectReject(readMatrix(join(dir, 'e.npy')), 'E_EMPTY', /empty/);
    await expectReject(readMatrix(join(dir, 'x.parquet')), 'E_ARGUMENT', /unknown file type '\.parquet'/);
  });
});

describe('readLabels', () => {
  it('reads int32, int64, uint8, float and [n, 1] labels as Int32Array', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.npy'), encodeNpy(new Int32Array([0, 2, 1]), [3]));
    writeFileSync(join(dir, 'b.npy'), encodeNpy(new BigInt64Array([0n, 2n, 1n]), [3]));
    writeFileSync(join(dir, 'c.npy'), encodeNpy(new Uint8Array([0, 2, 1]), [3]));
    writeFileSync(join(dir, 'd.npy'), encodeNpy(new Float64Array([0, 2, 1]), [3, 1]));
    writeFileSync(join(dir, 'e.json'), '[0, 2, 1]');
    writeFileSync(join(dir, 'f.csv'), 'label\n0\n2\n1\n');
    for (const f of ['a.npy', 'b.npy', 'c.npy', 'd.npy', 'e.json', 'f.csv']) {
      const y = await readLabels(join(dir, f));
      expect(y).toBeInstanceOf(Int32Array);
      expect(Array.from(y)).toEqual([0, 2, 1]);
    }
  });
  it('rejects one-hot matrices, fractional and negative labels', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'oh.npy'), encodeNpy(new Float32Array([1, 0, 0, 1]), [2, 2]));
    writeFileSync(join(dir, 'fr.json'), '[0, 1.5]');
    writeFileSync(join(dir, 'ng.npy'), encodeNpy(new Int32Array([0, -1]), [2]));
    await expectReject(readLabels(join(dir, 'oh.npy')), 'E_SHAPE', /one-hot/);
    await expectReject(readLabels(join(dir, 'fr.json')), 'E_LABEL', /fr\.json: label 1 is 1\.5/);
    await expectReject(readLabels(join(dir, 'ng.npy')), 'E_LABEL', /label 1 is -1/);
  });
});
