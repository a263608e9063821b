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
});
