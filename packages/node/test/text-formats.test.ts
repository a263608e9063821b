import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromJson, parseCsv, readCsv, readJson, writeCsv, writeJson } from '../src/index.js';
import { expectReject, tempDir } from './helpers.js';

describe('fromJson', () => {
  it('reads nested arrays with their shape', () => {
    const a = fromJson([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('reads { data, shape } with flat or nested data', () => {
    expect(fromJson({ data: [1, 2, 3, 4], shape: [2, 2] }).shape).toEqual([2, 2]);
    expect(fromJson({ data: [[1, 2], [3, 4]] }).shape).toEqual([2, 2]);
  });
  it('rejects ragged rows naming the row', () => expect(() => fromJson([[1, 2], [3]], 'x.json')).toThrow(/^x\.json: \[1\] is an array of 1, expected 2 entries/));
  it('rejects non-numbers naming the element', () => expect(() => fromJson([[1, null]], 'x.json')).toThrow(/\[0\]\[1\] is null/));
  it('rejects a shape that does not match data', () => expect(() => fromJson({ data: [1, 2, 3], shape: [2, 2] })).toThrow(/needs 4/));
  it('rejects other JSON values', () => expect(() => fromJson({ logits: [] })).toThrow(/expected a JSON array/));
});

describe('readJson / writeJson', () => {
  it('round-trips and reports invalid JSON with the path', async () => {
    const dir = tempDir();
    await writeJson(join(dir, 'a.json'), [1, 2, 3, 4, 5, 6], [3, 2]);
    const a = await readJson(join(dir, 'a.json'));
    expect(a.shape).toEqual([3, 2]);
    writeFileSync(join(dir, 'b.json'), '[[1, 2], [3, ');
    await expectReject(readJson(join(dir, 'b.json')), 'E_ARGUMENT', /b\.json: invalid JSON/);
  });
});

describe('parseCsv', () => {
  it('detects a header and keeps its names', () => {
    const t = parseCsv('a,b,c\n1,2,3\n4,5,6\n');
    expect(t.columns).toEqual(['a', 'b', 'c']);
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('reads headerless data, CRLF, tabs, quotes, exponents and nan/inf spellings', () => {
    const t = parseCsv('1e-3\t"2"\r\n-inf\tnan\r\n');
    expect(t.columns).toBeUndefined();
    expect(Array.from(t.data)).toEqual([0.001, 2, -Infinity, NaN]);
  });
  it('honours header: false and header: true', () => {
    expect(() => parseCsv('a,b\n1,2', 'x.csv', { header: false })).toThrow(/line 1, column 1 is "a"/);
    expect(parseCsv('1,2\n3,4', 'x.csv', { header: true }).shape).toEqual([1, 2]);
  });
  it('rejects ragged rows with the line number', () => expect(() => parseCsv('1,2\n3,4,5\n', 'x.csv')).toThrow(/^x\.csv: line 2 has 3 fields, expected 2$/));
  it('rejects empty fields and words', () => {
    expect(() => parseCsv('1,2\n3,\n', 'x.csv')).toThrow(/line 2, column 2 is empty/);
    expect(() => parseCsv('1,2\n3,x\n', 'x.csv')).toThrow(/line 2, column 2 is "x", not a decimal number/);
  });
  it('rejects a file with no data rows', () => expect(() => parseCsv('a,b\n', 'x.csv')).toThrow(/no data rows/));
});

describe('readCsv', () => {
  it('streams a large file line by line and reports progress up to the file size', async () => {
    const dir = tempDir();
    const rows = 60_000, cols = 10;
    const lines = ['c0,c1,c2,c3,c4,c5,c6,c7,c8,c9'];
    for (let r = 0; r < rows; r++) lines.push(Array.from({ length: cols }, (_, c) => String((r * cols + c) / 8)).join(','));
    const text = `${lines.join('\n')}\n`;
    writeFileSync(join(dir, 'big.csv'), text);
    let last = 0, total = 0, calls = 0;
    const t = await readCsv(join(dir, 'big.csv'), { onProgress: (read, size) => ((last = read), (total = size), calls++) });
    expect(t.shape).toEqual([rows, cols]);
    expect(t.data[rows * cols - 1]).toBe((rows * cols - 1) / 8);
    expect(calls).toBeGreaterThan(1);
    expect(last).toBe(total);
    expect(total).toBe(Buffer.byteLength(text));
  });
  it('round-trips writeCsv and names missing files', async () => {
    const dir = tempDir();
    await writeCsv(join(dir, 'p.csv'), [0.25, 0.75, 0.5, 0.5], [2, 2], ['p0', 'p1']);
    const t = await readCsv(join(dir, 'p.csv'));
    expect(t.columns).toEqual(['p0', 'p1']);
    expect(Array.from(t.data)).toEqual([0.25, 0.75, 0.5, 0.5]);
    await expectReject(readCsv(join(dir, 'nope.csv')), 'E_ARGUMENT', /nope\.csv: no such file/);
    await expectReject(readCsv(dir), 'E_ARGUMENT', /is a directory/);
  });
});
