import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { findSuite } from '../src/commands/bench.js';
import { sweepGrid } from '../src/commands/calibrate.js';
import { num, table, toJson } from '../src/format.js';
import { progress } from '../src/progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (t: string) => writes.push(t) };
}

describe('progress', () => {
  it('draws nothing before the threshold, a bar after it, and clears the line', () => {
    let t = 0;
    const s = fakeStream(true);
    const p = progress('reading', { stream: s, now: () => t, timer: false });
    p.update(1, 10);
    expect(s.writes).toEqual([]);
    t = 1500;
    p.update(5, 10);
    expect(s.writes.at(-1)).toMatch(/^\r\x1b\[Kreading \[█{12}░{12}\] 50 % 1\.5 s$/);
    p.finish();
    expect(s.writes.at(-1)).toBe('\r\x1b[K');
  });
  it('draws nothing at all when stderr is not a terminal', () => {
    let t = 0;
    const s = fakeStream(false);
    const p = progress('x', { stream: s, now: () => t, timer: false });
    t = 5000;
    p.update(1, 2);
    p.finish();
    expect(s.writes).toEqual([]);
  });
  it('shows a spinner with elapsed time when there is no total', () => {
    let t = 2000;
    const s = fakeStream(true);
    const p = progress('fitting', { stream: s, now: () => t, threshold: 1000, timer: false });
    t = 3000;
    p.update();
    expect(s.writes.at(-1)).toMatch(/^\r\x1b\[K. fitting 1\.0 s$/);
  });
});

describe('format', () => {
  it('formats numbers, tables and JSON with non-finite values', () => {
    expect(num(11.673987164830137)).toBe('11.674');
    expect(num(Infinity)).toBe('∞');
    expect(num(3)).toBe('3');
    expect(table(['a', 'n'], [['x', '1'], ['yy', '22']])).toBe('  a    n\n  ──  ──\n  x    1\n  yy  22');
    expect(JSON.parse(toJson({ c: Infinity, v: new Float64Array([1, 2]) }))).toEqual({ c: 'Infinity', v: [1, 2] });
  });
});

describe('sweepGrid', () => {
  it('spans every mark with a factor-4 margin, log-spaced', () => {
    const g = sweepGrid([1, 2.5, 11.7], 9);
    expect(g[0]).toBeCloseTo(0.25, 12);
    expect(g[8]).toBeCloseTo(46.8, 10);
    expect(g[1] / g[0]).toBeCloseTo(g[8] / g[7], 10);
  });
});

describe('findSuite', () => {
  it('finds benchmarks/src/bench.ts above a directory, and nothing outside the repository', () => {
    expect(findSuite([new URL('.', import.meta.url).pathname])).toMatch(/benchmarks\/src\/bench\.ts$/);
    expect(findSuite([tempDir()])).toBeUndefined();
  });
});
