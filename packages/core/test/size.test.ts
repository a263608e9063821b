import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
// @ts-expect-error: a plain .mjs script, shared with `npm run size`
import { sizeReport, BUDGET_GZIP_BYTES, BUDGET_WASM_BYTES } from '../scripts/size.mjs';

describe('the size of @tstar/core', () => {
  it(`stays within ${BUDGET_GZIP_BYTES} gzipped bytes of JS + wasm, each wasm within ${BUDGET_WASM_BYTES} bytes`, () => {
    const report = sizeReport();
    expect(report.js.files).toBeGreaterThan(0);
    expect(report.wasm.length).toBeGreaterThan(0);
    for (const w of report.wasm as { file: string; bytes: number }[]) {
      expect(w.bytes, w.file).toBeGreaterThan(1000);
      expect(w.bytes, w.file).toBeLessThanOrEqual(BUDGET_WASM_BYTES);
    }
    expect(report.totalGzipBytes).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  });
  it('is quoted in the README as measured here (whole KB, 1 KB = 1000 bytes)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const quoted = /`tstar\.wasm` of about (\d+) KB \((\d+) KB gzipped/.exec(readme);
    expect(quoted, 'README states the wasm size').not.toBeNull();
    const wasm = (sizeReport().wasm as { file: string; bytes: number; gzipBytes: number }[]).find((w) => w.file === 'tstar.wasm')!;
    expect([Number(quoted![1]), Number(quoted![2])]).toEqual([Math.round(wasm.bytes / 1000), Math.round(wasm.gzipBytes / 1000)]);
  });
});
