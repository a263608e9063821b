import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, it, expect } from 'vitest';

// Edge hosts cap bundles (about 1 MB gzipped on Vercel's smallest plan, 3 MB on Cloudflare's free plan); the
// core keeps a far smaller budget so it never decides whether an app fits.
const BUDGET_GZIP_BYTES = 64 * 1024;

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const results = fileURLToPath(new URL('../../../benchmarks/results/edge-size.json', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

const gzip = (data: Buffer): number => gzipSync(data, { level: 9 }).byteLength;

describe('the size of @tstar/core', () => {
  it(`stays within ${BUDGET_GZIP_BYTES} gzipped bytes of JS + wasm, and is written to benchmarks/results/edge-size.json`, () => {
    const jsFiles = walk(dist).filter((f) => f.endsWith('.js')).sort();
    expect(jsFiles.length).toBeGreaterThan(0);
    const files = jsFiles.map((f) => {
      const data = readFileSync(f);
      return { file: relative(dist, f).split('\\').join('/'), bytes: data.byteLength, gzipBytes: gzip(data) };
    });
    const wasm = readFileSync(join(dist, 'tstar.wasm'));
    const js = Buffer.concat(jsFiles.map((f) => readFileSync(f)));
    const report = {
      measured: new Date().toISOString(),
      tool: 'node:zlib gzip level 9; JS = every dist/**/*.js (source maps, .d.ts and the .wat excluded)',
      wasm: { bytes: wasm.byteLength, gzipBytes: gzip(wasm) },
      js: {
        files: files.length,
        bytes: files.reduce((s, f) => s + f.bytes, 0),
        // Served file by file, each compressed alone; a bundler's single file compresses better (concatenated).
        gzipBytesPerFile: files.reduce((s, f) => s + f.gzipBytes, 0),
        gzipBytesConcatenated: gzip(js),
      },
      totalGzipBytes: 0,
      budgetGzipBytes: BUDGET_GZIP_BYTES,
      perFile: files,
    };
    report.totalGzipBytes = report.wasm.gzipBytes + report.js.gzipBytesPerFile;
    mkdirSync(join(results, '..'), { recursive: true });
    writeFileSync(results, JSON.stringify(report, null, 2) + '\n');
    expect(report.wasm.bytes).toBeGreaterThan(1000);
    expect(report.totalGzipBytes).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  });
});
