// Measures @tstar/core's shipped bytes (gzip level 9). `node scripts/size.mjs --write` records them in
// benchmarks/results/edge-size.json; the size test only reads the numbers.
//
// What counts (issue 15): both wasm builds (a host loads one, the package ships both) plus the JS an app
// ships — the core's full public entry (dist/index.js, every export) bundled and minified by esbuild as one
// ES module, gzipped. The per-file gzip sum of the unminified tsc output (every dist/**/*.js compressed
// alone) is reported beside it but not budgeted: no app serves those files one by one, and their comments
// and long names are most of their bytes.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';

// Edge hosts cap bundles (about 1 MB gzipped on Vercel's smallest plan, 3 MB on Cloudflare's free plan); the
// core keeps a far smaller budget so it never decides whether an app fits. The wasm budget holds because
// scripts/build-wasm.mjs drops the 6 KB of log/exp tables that -O3 would carry. (Main had raised both to
// 40 KiB / 97 KiB for issue 20's calibration kernels and checkScaler, measured per unminified file.)
export const BUDGET_GZIP_BYTES = 64 * 1024;
export const BUDGET_WASM_BYTES = 32 * 1024;

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
  const bundle = buildSync({ entryPoints: [join(dist, 'index.js')], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false }).outputFiles[0].contents;
  const shipped = { bytes: bundle.byteLength, gzipBytes: gzip(bundle) };
  return {
    measured: new Date().toISOString(),
    tool: 'node:zlib gzip level 9; shipped JS = esbuild --bundle --minify --format=esm of dist/index.js; per file = every dist/**/*.js (source maps and .d.ts excluded); every dist/**/*.wasm',
    wasm,
    js: {
      files: files.length,
      bytes: files.reduce((s, f) => s + f.bytes, 0),
      // Served file by file, each compressed alone (not budgeted; see the top of this file).
      gzipBytesPerFile: jsGzip,
      gzipBytesConcatenated: gzip(js),
      // What an app ships: the whole public API in one minified bundle (tree-shaking an app's imports only shrinks it).
      shipped,
    },
    totalGzipBytes: shipped.gzipBytes + wasm.reduce((s, w) => s + w.gzipBytes, 0),
    totalGzipBytesPerFile: jsGzip + wasm.reduce((s, w) => s + w.gzipBytes, 0),
    budgetGzipBytes: BUDGET_GZIP_BYTES,
    budgetWasmBytes: BUDGET_WASM_BYTES,
    perFile: files,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = sizeReport();
  console.log(
    `wasm: ${report.wasm.map((w) => `${w.file} ${w.bytes} B (${w.gzipBytes} B gz)`).join(', ')} (each ≤ ${BUDGET_WASM_BYTES}); ` +
      `JS shipped ${report.js.shipped.bytes} B minified (${report.js.shipped.gzipBytes} B gz); total ${report.totalGzipBytes} B gz of ${BUDGET_GZIP_BYTES}; ` +
      `unminified tsc output ${report.js.bytes} B (${report.js.gzipBytesPerFile} B gz per file; total with wasm ${report.totalGzipBytesPerFile}, not budgeted)`,
  );
  if (process.argv.includes('--write')) {
    const out = fileURLToPath(new URL('../../../benchmarks/results/edge-size.json', import.meta.url));
    writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
    console.log(`wrote ${out}`);
  }
}
