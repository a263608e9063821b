import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mat, labels, expectClose, expectScalarClose } from './helpers.js';
import * as ref from './reference.js';

// A browser app that imports @tstar/core, bundled by esbuild the three ways the README's "Loading" section
// gives for bundlers that do not follow `new URL('./tstar.wasm', import.meta.url)`, run in headless Chromium.

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = join(HERE, '..', 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Under CI the browser runs (a missing Chromium fails loudly); elsewhere a missing one skips with one line.
const inCi = process.env.CI !== undefined && !/^(|0|false)$/i.test(process.env.CI);
const missing = !existsSync(CHROMIUM) && !inCi;
if (missing) console.warn(`bundle-chromium: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH; CI=true makes this a failure)`);

/** How the app hands the wasm over: each is one esbuild recipe from the README. */
const VARIANTS = {
  // The wasm files copied beside the bundle; a bare init() finds them through import.meta.url.
  beside: { head: '', init: 'await init();', loader: {} },
  // esbuild's file loader emits the wasm and gives its URL: init({ url }).
  file: { head: "import wasmUrl from '@tstar/core/tstar.wasm';", init: 'await init({ url: wasmUrl });', loader: { '.wasm': 'file' } },
  // esbuild's binary loader inlines the bytes: init({ bytes }).
  binary: { head: "import wasmBytes from '@tstar/core/tstar.wasm';", init: 'await init({ bytes: wasmBytes });', loader: { '.wasm': 'binary' } },
} as const;
type Variant = keyof typeof VARIANTS;

const APP = (v: Variant): string => `
import { init, softmax, logSoftmax, crossEntropy, TStarError } from '@tstar/core';
${VARIANTS[v].head}
${VARIANTS[v].init}
window.run = (input) => {
  const x = new Float32Array(input.x), shape = input.shape, T = input.temperature;
  const hard = crossEntropy(x, shape, new Int32Array(input.labels), { temperature: T, grad: true });
  const soft = crossEntropy(x, shape, new Float32Array(input.soft), { temperature: T, reduction: 'sum', grad: true });
  let error;
  try { softmax(new Float32Array([1, NaN]), [1, 2]); } catch (e) { error = { tstar: e instanceof TStarError, code: e.code }; }
  return {
    softmax: Array.from(softmax(x, shape, { temperature: T })),
    logSoftmax: Array.from(logSoftmax(x, shape, { temperature: T })),
    hard: { loss: hard.loss, grad: Array.from(hard.grad), dT: hard.dTemperature },
    soft: { loss: soft.loss, grad: Array.from(soft.grad), dT: soft.dTemperature },
    error,
  };
};
window.ready = true;
`;

interface Answer {
  softmax: number[];
  logSoftmax: number[];
  hard: { loss: number; grad: number[]; dT: number };
  soft: { loss: number; grad: number[]; dT: number };
  error?: { tstar: boolean; code: string };
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' };

/** A static server for `root` on loopback (pages must come from http://localhost to fetch and compile wasm). */
async function serve(root: string): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    const file = normalize(join(root, path.endsWith('/') ? path + 'index.html' : path));
    if (!file.startsWith(root + sep) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://localhost:${(server.address() as { port: number }).port}/`, requests };
}

// Inputs: 8 rows × 37 classes (past the 16-wide cut where the vector exp takes over), soft targets summing to 1.
const ROWS = 8, COLS = 37, T = 2.5;
const X = mat(ROWS, COLS, 71, -12, 12);
const LABELS = labels(ROWS, COLS, 72);
const SOFT = (() => {
  const p = ref.softmax(mat(ROWS, COLS, 73, -3, 3), ROWS, COLS);
  return Float32Array.from(p);
})();

describe.skipIf(missing)('an esbuild bundle of a browser app using @tstar/core, in headless Chromium', () => {
  let root: string;
  let context: BrowserContext;
  let served: Awaited<ReturnType<typeof serve>>;
  const bundles = {} as Record<Variant, { text: string; metafile: Metafile }>;
  const answers = {} as Record<Variant, Answer>;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
    root = mkdtempSync(join(tmpdir(), 'tstar-bundle-'));
    for (const v of Object.keys(VARIANTS) as Variant[]) {
      const outdir = join(root, v);
      // resolveDir: '@tstar/core' resolves as an app's would, through node_modules and the exports map.
      const result = await build({
        stdin: { contents: APP(v), resolveDir: HERE, sourcefile: `${v}.js`, loader: 'js' },
        bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outdir, entryNames: 'app',
        loader: VARIANTS[v].loader, metafile: true, write: true, logLevel: 'silent',
      });
      bundles[v] = { text: readFileSync(join(outdir, 'app.js'), 'utf8'), metafile: result.metafile };
      if (v === 'beside') for (const f of readdirSync(DIST).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(DIST, f), join(outdir, f));
      writeFileSync(join(outdir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>tstar bundle</title><script type="module" src="app.js"></script>');
    }
    served = await serve(root);
    const profile = join(root, 'profile');
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
    const input = { x: Array.from(X), shape: [ROWS, COLS], temperature: T, labels: Array.from(LABELS), soft: Array.from(SOFT) };
    for (const v of Object.keys(VARIANTS) as Variant[]) {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${served.url}${v}/`, { timeout: 30_000 });
      await page.waitForFunction(() => 'ready' in window, null, { timeout: 30_000 }).catch(() => {
        throw new Error(`${v}: the page never became ready: ${errors.join('\n') || 'no page error'}`);
      });
      answers[v] = (await page.evaluate((i) => (window as unknown as { run: (i: unknown) => Answer }).run(i), input)) as Answer;
      await page.close();
    }
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => (served ? served.server.close(resolve) : resolve(undefined)));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('bundles the browser entry (not the Node one) with no node: import in the output', () => {
    for (const v of Object.keys(VARIANTS) as Variant[]) {
      const inputs = Object.keys(bundles[v].metafile.inputs);
      expect(inputs.some((p) => /(^|\/)dist\/index\.js$/.test(p)), `${v}: ${inputs.join(', ')}`).toBe(true);
      expect(inputs.filter((p) => /dist\/entry\//.test(p)), v).toEqual([]);
      expect(bundles[v].text, v).not.toMatch(/["']node:/);
      expect(bundles[v].text, v).not.toMatch(/\brequire\(/);
    }
  });

  it('loads the wasm the way each recipe says: beside the bundle, an emitted file, or inlined bytes', () => {
    expect(served.requests.some((p) => /^\/beside\/tstar[\w-]*\.wasm$/.test(p))).toBe(true);
    expect(served.requests.some((p) => /^\/file\/tstar-\w+\.wasm$/.test(p))).toBe(true);
    expect(served.requests.filter((p) => p.startsWith('/binary/') && p.endsWith('.wasm'))).toEqual([]);
    expect(bundles.binary.text.length).toBeGreaterThan(readFileSync(join(DIST, 'tstar.wasm')).length);
  });

  // Tolerances: the README's softmax bound for p ≥ 1e-30 (either wasm build, either precision), 1e-6 on
  // log-space values and losses, 1e-5 on gradients relative to their largest entry.
  it.each(Object.keys(VARIANTS) as Variant[])('%s: softmax, logSoftmax and crossEntropy match float64 within tolerance', (v) => {
    const a = answers[v];
    expectClose(a.softmax, ref.softmax(X, ROWS, COLS, T), { rel: 5e-6, abs: 1e-36, floor: 1e-30 });
    expectClose(a.logSoftmax, ref.logSoftmax(X, ROWS, COLS, T), { rel: 1e-6, abs: 1e-6, floor: 1 });
    for (const [name, target, reduction] of [['hard', LABELS, 'mean'], ['soft', SOFT, 'sum']] as const) {
      const o = { temperature: T, reduction } as const;
      const { loss } = ref.crossEntropyLoss(X, ROWS, COLS, target, o);
      const { grad, dT } = ref.crossEntropyGrad(X, ROWS, COLS, target, o);
      const scale = Math.max(...grad.map(Math.abs));
      expectScalarClose(a[name].loss, loss, 1e-6);
      expectClose(a[name].grad, grad, { rel: 1e-5 * scale, abs: 1e-5 * scale, floor: Infinity });
      expectScalarClose(a[name].dT, dT, 1e-5, 1e-6 * scale);
    }
    expect(a.error).toEqual({ tstar: true, code: 'E_NONFINITE' });
  });
});
