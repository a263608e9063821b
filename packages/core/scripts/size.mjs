// Measures @tstar/core's shipped bytes (dist JS + wasm, gzip level 9). `node scripts/size.mjs --write` records
// them in benchmarks/results/edge-size.json; the size test only reads the numbers.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

// Edge hosts cap bundles (about 1 MB gzipped on Vercel's smallest plan, 3 MB on Cloudflare's free plan); the
// core keeps a far smaller budget so it never decides whether an app fits.
// Issue 20 (calibration: sigmoid heads, classwise bins, resampling, vector/Platt scaling) took the wasm from
// 27 to 35 KB and the JS from 32 to 54 KB gzipped; bundlers tree-shake the JS an app does not import.
// checkScaler / parseScaler (the adapters' scaler.json check) add ~1 KB of unminified JS (~0.6 KB minified).
export const BUDGET_GZIP_BYTES = 97 * 1024;
export const BUDGET_WASM_BYTES = 40 * 1024;

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const gzip = (data) => gzipSync(data, { level: 9 }).byteLength;

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The size report of the built package. */
export function sizeReport() {
  const all = walk(dist).sort();
  const jsFiles = all.filter((f) => f.endsWith('.js'));
  const files = jsFiles.map((f) => {
    const data = readFileSync(f);
    return { file: relative(dist, f).split('\\').join('/'), bytes: data.byteLength, gzipBytes: gzip(data) };
  });
  const wasm = all.filter((f) => f.endsWith('.wasm')).map((f) => {
    const data = readFileSync(f);
    return { file: relative(dist, f).split('\\').join('/'), bytes: data.byteLength, gzipBytes: gzip(data) };
  });
  const js = Buffer.concat(jsFiles.map((f) => readFileSync(f)));
  const jsGzip = files.reduce((s, f) => s + f.gzipBytes, 0);
  return {
    measured: new Date().toISOString(),
    tool: 'node:zlib gzip level 9; JS = every dist/**/*.js (source maps and .d.ts excluded); every dist/**/*.wasm',
    wasm,
    js: {
      files: files.length,
      bytes: files.reduce((s, f) => s + f.bytes, 0),
      // Served file by file, each compressed alone; a bundler's single file compresses better (concatenated).
      gzipBytesPerFile: jsGzip,
      gzipBytesConcatenated: gzip(js),
    },
    totalGzipBytes: jsGzip + wasm.reduce((s, w) => s + w.gzipBytes, 0),
    budgetGzipBytes: BUDGET_GZIP_BYTES,
    budgetWasmBytes: BUDGET_WASM_BYTES,
    perFile: files,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = sizeReport();
  console.log(`wasm: ${report.wasm.map((w) => `${w.file} ${w.bytes} B (${w.gzipBytes} B gz)`).join(', ')}; JS ${report.js.bytes} B (${report.js.gzipBytesPerFile} B gz per file); total ${report.totalGzipBytes} B gz of ${BUDGET_GZIP_BYTES}`);
  if (process.argv.includes('--write')) {
    const out = fileURLToPath(new URL('../../../benchmarks/results/edge-size.json', import.meta.url));
    writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
    console.log(`wrote ${out}`);
  }
}
