// Generated cases for the CSV and JSON readers: a typo never becomes a header, only decimal numbers count,
// nesting of any depth ends in an error rather than a RangeError, overflow is named.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TStarError } from '@tstar/core';
import { fromJson, parseCsv, readJson, readMatrix } from '../src/index.js';
import { expectReject, tempDir } from './helpers.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TStarError)) throw e;
    return e.code;
  }
  return 'none';
}

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 });
const table = fc.integer({ min: 1, max: 6 }).chain((cols) => fc.array(fc.array(finite, { minLength: cols, maxLength: cols }), { minLength: 2, maxLength: 8 }));
const word = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_ ]{0,8}$/).filter((w) => !/^\s*(nan|inf|infinity)\s*$/i.test(w));
const csv = (rows: readonly (readonly (string | number)[])[]) => rows.map((r) => r.join(',')).join('\n') + '\n';

describe('parseCsv: what counts as a header and as a number', () => {
  it('refuses a first line that mixes numbers and text (a typo in the first data row) instead of dropping it', () => {
    fc.assert(
      fc.property(table, fc.nat(), word, (rows, at, text) => {
        fc.pre(rows[0].length > 1);
        const first: (string | number)[] = [...rows[0]];
        first[at % first.length] = text;
        const e = (() => {
          try {
            parseCsv(csv([first, ...rows.slice(1)]), 't.csv');
          } catch (error) {
            return error as TStarError;
          }
          return undefined;
        })();
        expect(e?.code).toBe('E_DTYPE');
        expect(e?.message).toMatch(/^t\.csv: line 1 mixes numbers and text \(column \d+ is /);
      }),
    );
  });

  it('takes a first line of text only as the header, and keeps every data row exactly', () => {
    fc.assert(
      fc.property(table, fc.array(word, { minLength: 6, maxLength: 6 }), (rows, names) => {
        const header = names.slice(0, rows[0].length);
        const t = parseCsv(csv([header, ...rows]));
        expect(t.columns).toEqual(header.map((h) => h.trim()));
        expect(t.shape).toEqual([rows.length, rows[0].length]);
        expect(Array.from(t.data)).toEqual(rows.flat().map((v) => Number(String(v))));
      }),
    );
  });

  it('lets header: true and header: false decide a mixed first line', () => {
    expect(parseCsv('id,2,3\n4,5,6\n', 'x.csv', { header: true }).columns).toEqual(['id', '2', '3']);
    expect(() => parseCsv('1,2,x\n4,5,6\n', 'x.csv', { header: false })).toThrow(/line 1, column 3 is "x", not a decimal number/);
  });

  it('reads every decimal spelling of a double exactly (exponents, leading dot, signs)', () => {
    fc.assert(
      fc.property(finite, fc.integer({ min: 0, max: 3 }), (v, style) => {
        const text = [String(v), v.toExponential(), v.toExponential(20), `+${Math.abs(v)}`][style];
        expect(parseCsv(`${text}\n`).data[0]).toBe(style === 3 ? Math.abs(v) : Number(text));
      }),
    );
    expect(Array.from(parseCsv('.5,-.25,1.,1E3\n').data)).toEqual([0.5, -0.25, 1, 1000]);
  });

  it('refuses hex, octal, binary and other non-decimal literals with E_DTYPE, wherever they are', () => {
    const literal = fc.oneof(
      fc.nat().map((n) => `0x${n.toString(16)}`),
      fc.nat().map((n) => `0X${n.toString(16).toUpperCase()}`),
      fc.nat().map((n) => `0b${n.toString(2)}`),
      fc.nat().map((n) => `0o${n.toString(8)}`),
      fc.constantFrom('1_000', '1,5'.replace(',', ';'), '٣', '1e', 'e5', '--1', '0x', 'Infinity1', '1 2'),
    );
    fc.assert(
      fc.property(table, fc.nat(), fc.nat(), literal, (rows, r, c, lit) => {
        const copy = rows.map((row) => [...row] as (string | number)[]);
        const row = 1 + (r % (copy.length - 1));
        copy[row][c % copy[row].length] = lit;
        expect(codeOf(() => parseCsv(csv(copy), 'x.csv', { header: false }))).toBe('E_DTYPE');
      }),
    );
  });

  it('names a decimal literal that overflows float64 (E_NONFINITE), and still reads inf/nan spellings', () => {
    expect(() => parseCsv('1,2\n3,-1e400\n', 'o.csv')).toThrow(/^o\.csv: line 2, column 2 is "-1e400", beyond float64's range$/);
    expect(codeOf(() => parseCsv('1e309\n'))).toBe('E_NONFINITE');
    expect(Array.from(parseCsv('inf,-inf,nan\n').data)).toEqual([Infinity, -Infinity, NaN]);
  });

  it('treats a field named like an Object.prototype member as text, not a number', () => {
    expect(parseCsv('constructor,__proto__,toString\n1,2,3\n').columns).toEqual(['constructor', '__proto__', 'toString']);
    expect(codeOf(() => parseCsv('1,2\nconstructor,3\n'))).toBe('E_DTYPE');
  });
});

describe('fromJson / readJson: depth and overflow', () => {
  const deep = (depth: number) => JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`) as unknown;
  const wrapped = (depth: number) => {
    let v: unknown = [1, 2];
    for (let i = 0; i < depth; i++) v = { data: v };
    return v;
  };

  it('refuses arrays nested past 64 axes with E_SHAPE at any depth, never a RangeError', () => {
    for (const depth of [65, 5_000, 100_000]) {
      expect(() => fromJson(deep(depth), 'd.json')).toThrow(/^d\.json: arrays are nested more than 64 deep$/);
    }
    expect(fromJson(deep(64)).shape).toHaveLength(64);
  });

  it('refuses { data: { data: … } } nested 5,000 deep with E_ARGUMENT, not a RangeError', () => {
    expect(codeOf(() => fromJson(wrapped(5_000)))).toBe('E_ARGUMENT');
  });

  it('reads a 5,000-deep file through readJson as a one-line error', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'deep.json'), `${'['.repeat(5000)}1${']'.repeat(5000)}`);
    await expectReject(readJson(join(dir, 'deep.json')), 'E_SHAPE', /deep\.json: arrays are nested more than 64 deep/);
  });

  it('flattens random nested arrays exactly like a reference, and names the first ragged or non-number path', () => {
    const nested = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 6 }).chain((shape) => {
      const size = shape.reduce((a, b) => a * b, 1);
      return fc.array(finite, { minLength: size, maxLength: size }).map((flat) => ({ shape, flat }));
    });
    const build = (shape: number[], flat: number[]): unknown => {
      if (shape.length === 1) return flat.slice(0, shape[0]);
      const step = flat.length / shape[0];
      return Array.from({ length: shape[0] }, (_, k) => build(shape.slice(1), flat.slice(k * step, (k + 1) * step)));
    };
    fc.assert(
      fc.property(nested, ({ shape, flat }) => {
        const value = build(shape, flat);
        const a = fromJson(value);
        expect(a.shape).toEqual(shape);
        expect(Array.from(a.data)).toEqual(flat);
        // Break the last element: the path points at it.
        let last = value as unknown[];
        const path: number[] = [];
        for (let d = 0; d < shape.length - 1; d++) {
          path.push(last.length - 1);
          last = last[last.length - 1] as unknown[];
        }
        path.push(last.length - 1);
        last[last.length - 1] = 'x';
        expect(() => fromJson(value, 'r.json')).toThrow(`r.json: ${path.map((k) => `[${k}]`).join('')} is the string "x", expected a number`);
      }),
    );
  });

  it('names a number that overflowed float64 (1e400) with E_NONFINITE', () => {
    expect(() => fromJson(JSON.parse('[[1, 2], [3, -1e400]]'), 'o.json')).toThrow(/^o\.json: \[1\]\[1\] is beyond float64's range$/);
  });

  it('keeps a long index path short in messages', () => {
    const v = deep(60) as unknown[];
    let inner = v;
    for (let d = 0; d < 59; d++) inner = inner[0] as unknown[];
    inner[0] = null;
    const message = (() => {
      try {
        fromJson(v, 'p.json');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(message).toBe('p.json: [0][0][0]…[0][0][0] is null, expected a number');
  });
});

describe('readMatrix: float64 values beyond float32', () => {
  it('names the file and the element of a CSV or JSON value that would round to ±Infinity in float32', async () => {
    const dir = tempDir();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.nat(), fc.double({ min: 3.41e38, max: 1e300, noNaN: true }), fc.boolean(), async (rows, cols, at, big, negative) => {
        const k = at % (rows * cols);
        const values = Array.from({ length: rows * cols }, (_, i) => (i === k ? (negative ? -big : big) : i));
        const path = join(dir, `m-${rows}-${cols}.json`);
        writeFileSync(path, JSON.stringify({ data: values, shape: [rows, cols] }));
        const where = `[${Math.floor(k / cols)}, ${k % cols}]`;
        await expectReject(readMatrix(path), 'E_NONFINITE', new RegExp(`m-${rows}-${cols}\\.json: element \\[${where.slice(1, -1)}\\] is ${String(values[k]).replace(/[.+]/g, '\\$&')}, beyond float32's range`));
      }),
      { numRuns: 30 },
    );
    writeFileSync(join(dir, 'b.csv'), 'a,b,c\n1,2,3\n4,-3.5e38,6\n');
    await expectReject(readMatrix(join(dir, 'b.csv')), 'E_NONFINITE', /b\.csv: element \[1, 1\] is -3\.5e\+38, beyond float32's range/);
    writeFileSync(join(dir, 'c.json'), '[[1, 2], [3e39, 4]]');
    await expectReject(readMatrix(join(dir, 'c.json')), 'E_NONFINITE', /c\.json: element \[1, 0\] is 3e\+39/);
    // The largest float32 itself, and values that round down to it, are fine.
    writeFileSync(join(dir, 'ok.csv'), '3.4028234663852886e38,-3.4028235e38\n');
    expect(Array.from((await readMatrix(join(dir, 'ok.csv'))).data)).toEqual([3.4028234663852886e38, -3.4028234663852886e38]);
  });
});
