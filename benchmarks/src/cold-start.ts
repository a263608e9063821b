// Cold start per runtime (import → init → first result, in a fresh process, page, worker or workerd
// instance each time) and the bytes each library ships to a browser. Node side; used by bench.ts.
import { readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { launchChromium } from './lib/chromium.js';
import { runProcess, stopProcess } from './lib/processes.js';
import { serveStatic } from './lib/static-server.js';
import { summarize } from './lib/stats.js';
import { BENCH } from './hosts/process-env.js';
import { WASM_FILES, prepareWorkerd, startWorkerd } from './hosts/workerd.js';
import { buildModels } from './suite/models.js';
import { RUNTIMES, type ProcessRuntime } from './runtimes.js';

/** `none`: an empty workerd worker, the floor a library's workerd start is read against. */
export type Library = 'tstar' | 'tfjs-wasm' | 'ort-web' | 'ort-node' | 'none';

export const LIBRARY_TITLES: Record<Library, string> = {
  none: 'none (empty worker)',
  tstar: '@tstar/core',
  'tfjs-wasm': 'tfjs-core + tfjs-backend-wasm',
  'ort-web': 'onnxruntime-web (wasm)',
  'ort-node': 'onnxruntime-node',
};

/**
 * The wasm files each library loads in a browser or in workerd. tstar: the build Chromium fetches (relaxed SIMD);
 * its workerd entry imports both builds (WORKERD_WASM).
 */
const LIBRARY_WASM: Record<Exclude<Library, 'ort-node' | 'none'>, string[]> = {
  tstar: ['tstar-relaxed.wasm'],
  'tfjs-wasm': ['tfjs-backend-wasm-simd.wasm'],
  'ort-web': ['ort-wasm-simd-threaded.wasm'],
};
const BROWSER_LIBRARIES = Object.keys(LIBRARY_WASM) as (keyof typeof LIBRARY_WASM)[];

/** Milliseconds, summarised over the runs. */
export interface ColdTimes {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export interface ColdStartRow {
  runtime: string;
  library: Library;
  /** Measured inside the process/page/worker, from before the import to after the first result. */
  inProcessMs?: ColdTimes;
  /** From spawning the process to its exit (Node, Bun, Deno), or to the first HTTP answer (workerd). */
  outsideMs?: ColdTimes;
  failure?: string;
}

const times = (ms: number[]): ColdTimes => {
  const s = summarize(ms, 1);
  const r = (v: number): number => Number(v.toFixed(1));
  return { median: r(s.median), min: r(s.min), max: r(s.max), runs: s.samples };
};

async function processColdStarts(runtime: ProcessRuntime, runs: number, modelPath: string): Promise<ColdStartRow[]> {
  const rows: ColdStartRow[] = [];
  const libraries: Library[] = runtime === 'node' ? ['tstar', 'tfjs-wasm', 'ort-web', 'ort-node'] : ['tstar', 'tfjs-wasm', 'ort-web'];
  for (const library of libraries) {
    try {
      const inside: number[] = [], outside: number[] = [];
      for (let i = 0; i < runs; i++) {
        const { out, wallMs } = await runProcess(RUNTIMES[runtime].command, [...RUNTIMES[runtime].coldArgs, path.join(BENCH, 'src/cold/probe.mjs'), library, modelPath], { cwd: BENCH, timeoutMs: 120_000 });
        inside.push((JSON.parse(out.trim().split('\n').pop()!) as { ms: number }).ms);
        outside.push(wallMs);
      }
      rows.push({ runtime, library, inProcessMs: times(inside), outsideMs: times(outside) });
    } catch (error) {
      rows.push({ runtime, library, failure: error instanceof Error ? error.message.slice(0, 300) : String(error) });
    }
  }
  return rows;
}

/** Each library's cold-start entry (src/cold/<library>.ts) bundled and minified for browsers. */
async function browserBundles(): Promise<Record<string, Uint8Array>> {
  const result = await build({
    entryPoints: Object.fromEntries(BROWSER_LIBRARIES.map((l) => [l, path.join(BENCH, 'src/cold', `${l}.ts`)])),
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', conditions: ['browser'], minify: true,
    outdir: '/cold', write: false, logLevel: 'error', external: ['node:*'],
  });
  return Object.fromEntries(result.outputFiles.map((f) => [f.path, f.contents]));
}

async function wasmFiles(): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const names of Object.values(LIBRARY_WASM)) for (const n of names) files[`/files/${n}`] = await readFile(WASM_FILES[n]());
  return files;
}

const FIRST = (library: string): string =>
  `const m = await import('/cold/${library}.js');\n` +
  `await m.first(new URL('/files/', location.href).href, async () => new Uint8Array(await (await fetch('/files/softmax.onnx')).arrayBuffer()));`;

async function chromiumColdStarts(runs: number): Promise<ColdStartRow[]> {
  const files: Record<string, string | Uint8Array> = { ...(await browserBundles()), ...(await wasmFiles()), '/files/softmax.onnx': buildModels().softmax };
  for (const library of BROWSER_LIBRARIES) {
    files[`/main/${library}.html`] = `<!doctype html><script type="module">\nconst t0 = performance.now();\n${FIRST(library)}\nwindow.coldMs = performance.now() - t0;\n</script>`;
    files[`/worker/${library}.js`] = `const t0 = performance.now();\n${FIRST(library)}\npostMessage(performance.now() - t0);\n`;
    files[`/worker/${library}.html`] = `<!doctype html><script type="module">\nnew Worker('/worker/${library}.js', { type: 'module' }).onmessage = (e) => (window.coldMs = e.data);\n</script>`;
  }
  const served = await serveStatic({ files, dirs: {} });
  const browser = await launchChromium();
  const rows: ColdStartRow[] = [];
  try {
    for (const where of ['main', 'worker'] as const) {
      for (const library of BROWSER_LIBRARIES) {
        const runtime = where === 'main' ? 'chromium' : 'chromium-worker';
        try {
          const ms: number[] = [];
          for (let i = 0; i < runs; i++) {
            const page = await browser.context.newPage();
            await page.goto(`${served.url}${where}/${library}.html`);
            await page.waitForFunction(() => 'coldMs' in window, null, { timeout: 120_000 });
            ms.push(await page.evaluate(() => (window as unknown as { coldMs: number }).coldMs));
            await page.close();
          }
          rows.push({ runtime, library, inProcessMs: times(ms) });
        } catch (error) {
          rows.push({ runtime, library, failure: error instanceof Error ? error.message.slice(0, 300) : String(error) });
        }
      }
    }
  } finally {
    await browser.close();
    await served.close();
  }
  return rows;
}

/** workerd: spawn → first answer of a worker whose first request imports nothing new but runs the first result. */
async function workerdColdStarts(runs: number): Promise<ColdStartRow[]> {
  const rows: ColdStartRow[] = [];
  const workers: { library: Library; source: string; wasm: string[] }[] = [
    { library: 'none', source: `export default { fetch: () => new Response('ok') };`, wasm: [] },
    ...BROWSER_LIBRARIES.map((library) => ({
      library,
      wasm: library === 'tstar' ? ['tstar.wasm', 'tstar-relaxed.wasm'] : LIBRARY_WASM[library],
      source: [
        `import { first } from './src/cold/${library}.ts';`,
        `import { WASM_ORIGIN, shipModules } from './src/hosts/workerd-modules.ts';`,
        `import model from './softmax.onnx';`,
        ...LIBRARY_WASM[library].map((n, i) => `import m${i} from './${n}';`),
        // tstar's workerd entry instantiates its bundled module itself; the peers' loaders fetch theirs.
        library === 'tstar' ? '' : `shipModules(new Map([${LIBRARY_WASM[library].map((n, i) => `[WASM_ORIGIN + '${n}', m${i}]`).join(', ')}]));`,
        `export default { async fetch() { return new Response(String(await first(${library === 'tstar' ? 'undefined' : 'WASM_ORIGIN'}, async () => new Uint8Array(model)))); } };`,
      ].join('\n'),
    })),
  ];
  for (const w of workers) {
    let dir: string | undefined;
    try {
      dir = await prepareWorkerd({ source: w.source, wasm: w.wasm, models: true });
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const server = await startWorkerd(dir, '/');
        ms.push(server.readyMs);
        await stopProcess(server.child);
      }
      rows.push({ runtime: 'workerd', library: w.library, outsideMs: times(ms) });
    } catch (error) {
      rows.push({ runtime: 'workerd', library: w.library, failure: error instanceof Error ? error.message.slice(0, 300) : String(error) });
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

/** Cold starts in every runtime asked for; `runs` fresh starts per library. */
export async function coldStarts(runtimes: string[], runs: number, log: (line: string) => void): Promise<ColdStartRow[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tstar-bench-cold-'));
  const modelPath = path.join(dir, 'softmax.onnx');
  await writeFile(modelPath, buildModels().softmax);
  const rows: ColdStartRow[] = [];
  try {
    for (const runtime of runtimes) {
      const t0 = performance.now();
      if (runtime === 'node' || runtime === 'bun' || runtime === 'deno') rows.push(...(await processColdStarts(runtime, runs, modelPath)));
      else if (runtime === 'chromium') rows.push(...(await chromiumColdStarts(runs)));
      else if (runtime === 'workerd') rows.push(...(await workerdColdStarts(runs)));
      log(`cold start ${runtime}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

export interface BytesRow {
  library: Library;
  /** Minified ES module bundle of import → first result (src/cold/<library>.ts). */
  jsBytes: number;
  jsGzip: number;
  wasmBytes: number;
  wasmGzip: number;
  totalGzip: number;
}

/** What a browser downloads for each library's first result: the minified bundle and the wasm it fetches. */
export async function bytesShipped(): Promise<BytesRow[]> {
  const bundles = await browserBundles();
  const gz = (b: Uint8Array): number => gzipSync(b, { level: 9 }).byteLength;
  const rows: BytesRow[] = [];
  for (const library of BROWSER_LIBRARIES) {
    const js = bundles[`/cold/${library}.js`];
    const wasm = await Promise.all(LIBRARY_WASM[library].map((n) => readFile(WASM_FILES[n]())));
    const wasmBytes = wasm.reduce((s, b) => s + b.byteLength, 0);
    const wasmGzip = wasm.reduce((s, b) => s + gz(b), 0);
    rows.push({ library, jsBytes: js.byteLength, jsGzip: gz(js), wasmBytes, wasmGzip, totalGzip: gz(js) + wasmGzip });
  }
  return rows;
}
