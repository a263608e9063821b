// Drives the suite in headless Chromium: bundles the page and worker entries with esbuild, serves them
// with the wasm and models from loopback, and runs the cases on the main thread, then in a module Web
// Worker, each in a fresh page. Node side only.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { launchChromium } from '../lib/chromium.js';
import { serveStatic } from '../lib/static-server.js';
import type { CaseSpec } from '../suite/cases.js';
import type { MeasureOptions } from '../suite/measure.js';
import { buildModels } from '../suite/models.js';
import type { BrowserResult, BrowserRun } from './browser-page.js';
import { BENCH } from './process-env.js';

const require = createRequire(import.meta.url);
const dirOf = (specifier: string): string => path.dirname(require.resolve(specifier));

/** The page and worker bundles, in memory, keyed by the path they are served at. */
export async function bundleBrowser(): Promise<Record<string, Uint8Array>> {
  const result = await build({
    entryPoints: { 'browser-page': path.join(BENCH, 'src/hosts/browser-page.ts'), 'browser-worker': path.join(BENCH, 'src/hosts/browser-worker.ts') },
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', conditions: ['browser'],
    outdir: '/bundle', write: false, logLevel: 'error',
    // Node-only branches (the core's file: loader, tfjs's Node platform) are never taken in a browser.
    external: ['node:*'],
  });
  return Object.fromEntries(result.outputFiles.map((f) => [f.path, f.contents]));
}

/** Everything the pages load, as static routes. */
export async function browserRoutes(extra: Record<string, string | Uint8Array> = {}): Promise<Parameters<typeof serveStatic>[0]> {
  const models = Object.fromEntries(Object.entries(buildModels()).map(([name, bytes]) => [`/models/${name}.onnx`, bytes]));
  return {
    files: {
      '/': '<!doctype html><meta charset="utf-8"><title>tstar benchmarks</title><script type="module" src="/bundle/browser-page.js"></script>',
      ...(await bundleBrowser()),
      ...models,
      '/stream.wasm': await readFile(path.join(BENCH, 'dist', 'stream.wasm')),
      ...extra,
    },
    dirs: {
      '/core/': path.dirname(require.resolve('@tstar/core/tstar.wasm')),
      '/tfjs-wasm/': dirOf('@tensorflow/tfjs-backend-wasm'),
      '/ort/': dirOf('onnxruntime-web/ort-wasm-simd-threaded.wasm'),
    },
  };
}

/** Runs the cases on Chromium's main thread and in a Web Worker; one result per place. */
export async function runChromium(specs: CaseSpec[], options: MeasureOptions, log: (line: string) => void): Promise<BrowserResult[]> {
  const served = await serveStatic(await browserRoutes());
  const browser = await launchChromium();
  try {
    const results: BrowserResult[] = [];
    for (const where of ['main', 'worker'] as const) {
      const page = await browser.context.newPage();
      page.on('console', (m) => (m.type() === 'log' ? log(`chromium ${where}: ${m.text()}`) : undefined));
      page.on('pageerror', (e) => log(`chromium ${where} page error: ${e.message}`));
      await page.goto(served.url);
      await page.waitForFunction(() => 'tstarSuite' in globalThis, null, { timeout: 60_000 });
      const run: BrowserRun = { specs, options };
      const result = await page.evaluate(
        ([r, w]) => (globalThis as unknown as { tstarSuite: { run(r: BrowserRun, w: string): Promise<BrowserResult> } }).tstarSuite.run(r, w),
        [run, where] as const,
      );
      results.push(result);
      await page.close();
    }
    return results;
  } finally {
    await browser.close();
    await served.close();
  }
}
