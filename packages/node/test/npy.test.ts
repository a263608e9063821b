import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TStarError } from '@tstar/core';
import { encodeNpy, parseNpy, readNpy, writeNpy, type NpyDtype } from '../src/index.js';
import { dict, leBytes, npyBytes } from './fixtures.js';

function expectCode(fn: () => unknown, code: string, text?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TStarError);
    expect((e as TStarError).code).toBe(code);
    if (text) expect((e as Error).message).toMatch(text);
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

const VALUES: Record<Exclude<NpyDtype, 'b1'>, number[]> = {
  f4: [1.5, -2.25, 3.0000001192092896, 0, -0, 1e-30],
  f8: [Math.PI, -1e300, 5e-324, 0.1, 2, -3],
  i4: [0, -1, 2147483647, -2147483648, 7, 42],
  i8: [0, -1, 9007199254740991, -9007199254740991, 7, 42],
  u1: [0, 1, 2, 127, 200, 255],
};

describe('parseNpy', () => {
  for (const version of [1, 2, 3] as const) {
    for (const kind of Object.keys(VALUES) as (keyof typeof VALUES)[]) {
      it(`reads hand-made v${version} '${kind}' bytes exactly, shape (2, 3)`, () => {
        const descr = kind === 'u1' ? '|u1' : `<${kind}`;
        const got = parseNpy(npyBytes(version, dict(descr, '(2, 3)'), leBytes(kind, VALUES[kind])));
        expect(got.shape).toEqual([2, 3]);
        expect(got.dtype).toBe(kind);
        const expected = kind === 'f4' ? Array.from(new Float32Array(VALUES.f4)) : VALUES[kind];
        expect(Array.from(got.data, Number)).toEqual(expected);
      });
    }
  }
  it('reads bool arrays (|b1) as 0/1 bytes', () => {
    const got = parseNpy(npyBytes(1, dict('|b1', '(4,)'), new Uint8Array([1, 0, 0, 1])));
    expect(got.dtype).toBe('b1');
    expect(Array.from(got.data as Uint8Array)).toEqual([1, 0, 0, 1]);
  });
  it('reads 1-D, 0-D and empty shapes', () => {
    expect(parseNpy(npyBytes(1, dict('<i4', '(3,)'), leBytes('i4', [1, 2, 3]))).shape).toEqual([3]);
    const scalar = parseNpy(npyBytes(1, dict('<f8', '()'), leBytes('f8', [2.5])));
    expect(scalar.shape).toEqual([]);
    expect(scalar.data[0]).toBe(2.5);
    expect(parseNpy(npyBytes(1, dict('<f4', '(0, 5)'), new Uint8Array(0))).data.length).toBe(0);
  });
  it('accepts the old 16-byte header alignment, key order changes, and a Fortran flag on 1-D data', () => {
    const bytes = npyBytes(1, "{'shape': (2,), 'fortran_order': True, 'descr': '<f4'}", leBytes('f4', [1, 2]), 16);
    expect(Array.from(parseNpy(bytes).data as Float32Array)).toEqual([1, 2]);
  });
  it('returns an aligned copy even when the bytes sit at an odd offset', () => {
    const raw = npyBytes(1, dict('<f8', '(2,)'), leBytes('f8', [1, 2]));
    const shifted = new Uint8Array(raw.length + 3);
    shifted.set(raw, 3);
    const got = parseNpy(shifted.subarray(3));
    expect(Array.from(got.data as Float64Array)).toEqual([1, 2]);
  });
  it('rejects bad magic with E_ARGUMENT', () => expectCode(() => parseNpy(new TextEncoder().encode('not a numpy file at all')), 'E_ARGUMENT', /magic/));
  it('rejects an unknown format version, major or minor', () => {
    const bytes = npyBytes(1, dict('<f4', '(1,)'), leBytes('f4', [1]));
    bytes[6] = 4;
    expectCode(() => parseNpy(bytes), 'E_ARGUMENT', /version 4\.0/);
    bytes[6] = 1;
    bytes[7] = 1;
    expectCode(() => parseNpy(bytes), 'E_ARGUMENT', /version 1\.1 is not supported/);
  });
  for (const kind of ['f4', 'f8', 'i4', 'i8'] as const) {
    it(`reads big-endian '>${kind}' as numpy does, swapping to the host's order`, () => {
      const got = parseNpy(npyBytes(1, dict(`>${kind}`, '(3,)'), leBytes(kind, [1, -2, 7], false)));
      expect(got.dtype).toBe(kind);
      expect(Array.from(got.data, Number)).toEqual([1, -2, 7]);
    });
  }
  it('reads Fortran-order arrays into C order (column-major bytes, row-major result)', () => {
    // numpy's Fortran file of [[1, 2, 3], [4, 5, 6]] stores the columns: 1 4 2 5 3 6.
    expect(Array.from(parseNpy(npyBytes(1, dict('<f4', '(2, 3)', true), leBytes('f4', [1, 4, 2, 5, 3, 6]))).data)).toEqual([1, 2, 3, 4, 5, 6]);
    // 2×3×2: element [i, j, k] sits at i + 2j + 6k.
    const values = Array.from({ length: 12 }, (_, f) => f);
    const c = parseNpy(npyBytes(1, dict('<i4', '(2, 3, 2)', true), leBytes('i4', values))).data;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 2; k++) expect(c[i * 6 + j * 2 + k]).toBe(i + 2 * j + 6 * k);
  });
  it('rejects object arrays with E_DTYPE', () => expectCode(() => parseNpy(npyBytes(1, dict('|O', '(2,)'), new Uint8Array(16))), 'E_DTYPE', /object/));
  it('rejects structured dtypes with E_DTYPE', () =>
    expectCode(() => parseNpy(npyBytes(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4))), 'E_DTYPE', /structured/));
  it('rejects unsupported dtypes (float16, strings) with E_DTYPE', () => {
    expectCode(() => parseNpy(npyBytes(1, dict('<f2', '(2,)'), new Uint8Array(4))), 'E_DTYPE', /"<f2" is not supported/);
    expectCode(() => parseNpy(npyBytes(1, dict('<U3', '(1,)'), new Uint8Array(12))), 'E_DTYPE', /"<U3" is not supported/);
  });
  it('rejects data shorter than the shape needs with E_SHAPE naming both sizes', () => {
    const full = npyBytes(2, dict('<f8', '(3, 2)'), leBytes('f8', [1, 2, 3, 4, 5, 6]));
    expectCode(() => parseNpy(full.subarray(0, full.length - 1), 'l.npy'), 'E_SHAPE', /^l\.npy: file is truncated: shape \(3, 2\) of '<f8' needs 48 data bytes, found 47$/);
  });
  it('rejects a file cut inside its header', () => {
    const full = npyBytes(1, dict('<f4', '(1,)'), leBytes('f4', [1]));
    expectCode(() => parseNpy(full.subarray(0, 30)), 'E_SHAPE', /header/);
    expectCode(() => parseNpy(full.subarray(0, 9)), 'E_ARGUMENT', /magic/);
  });
  it('rejects a header that is not a dict or misses a key', () => {
    expectCode(() => parseNpy(npyBytes(1, 'garbage', new Uint8Array(0))), 'E_ARGUMENT', /not a literal numpy can read: the name "garbage"/);
    expectCode(() => parseNpy(npyBytes(1, "('descr', '<f4')", new Uint8Array(0))), 'E_ARGUMENT', /is a tuple, not a dict/);
    expectCode(() => parseNpy(npyBytes(1, "{'descr': '<f4', 'shape': (1,), }", new Uint8Array(4))), 'E_ARGUMENT', /fortran_order/);
    expectCode(() => parseNpy(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", new Uint8Array(4))), 'E_ARGUMENT', /shape/);
  });
});

describe('encodeNpy', () => {
  it('writes exactly the bytes numpy writes for a v1 float32 matrix', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect(encodeNpy(data, [2, 3])).toEqual(npyBytes(1, dict('<f4', '(2, 3)'), leBytes('f4', [1, 2, 3, 4, 5, 6])));
  });
  it('round-trips every dtype and version through parseNpy', () => {
    const arrays = [new Float32Array([1.5, -2]), new Float64Array([Math.E, 1e-300]), new Int32Array([-5, 9]), new BigInt64Array([-1n, 1n << 40n]), new Uint8Array([0, 255])];
    for (const version of [1, 2, 3] as const) {
      for (const data of arrays) {
        const bytes = encodeNpy(data, [2], { version });
        expect(bytes[6]).toBe(version);
        expect((bytes.length - data.byteLength) % 64).toBe(0);
        const back = parseNpy(bytes);
        expect(back.data).toEqual(data);
        expect(back.shape).toEqual([2]);
      }
    }
  });
  it('writes bool data as |b1 when asked', () => expect(parseNpy(encodeNpy(new Uint8Array([1, 0]), [2], { bool: true })).dtype).toBe('b1'));
  it('rejects a shape that does not match the data', () => expectCode(() => encodeNpy(new Float32Array(5), [2, 3]), 'E_SHAPE'));
});

describe('readNpy / writeNpy', () => {
  it('round-trips through a file and names the path in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tstar-npy-'));
    const path = join(dir, 'x.npy');
    await writeNpy(path, new Float32Array([1, 2, 3, 4]), [2, 2]);
    expect((await readNpy(path)).shape).toEqual([2, 2]);
    writeFileSync(join(dir, 'bad.npy'), 'hello');
    await expect(readNpy(join(dir, 'bad.npy'))).rejects.toThrow(/bad\.npy: not an \.npy file/);
    await expect(readNpy(join(dir, 'missing.npy'))).rejects.toThrow(/missing\.npy: no such file/);
  });
});
