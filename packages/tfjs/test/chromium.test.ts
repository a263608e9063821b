import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyScaler, crossEntropy, softmax, type Scaler } from '@tstar/core';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from './browser/server.js';
import { expectClose, labels, mat, ref } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const present = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
if (!present && !inCi) console.log(`chromium.test.ts: skipped, no Chromium at ${CHROMIUM} (set CHROMIUM_PATH; CI requires it)`);

interface Measured {
  downloads: number;
  downloadWaitMs: number;
  kernelNames: string[];
  leaked: number;
  values: number[][];
}

type Api = {
  setup(backend: string): Promise<{ backend: string }>;
  layer(spec: object): Promise<Measured>;
  loss(spec: object): Promise<Measured>;
  scaled(spec: object): Promise<Measured>;
  errors(): Promise<Array<{ code?: string; message: string; leaked: number }>>;
};

const LAYER_CASES = [
  { shape: [8, 10] as [number, number], temperature: 3.7, seed: 1 },
  { shape: [33, 129] as [number, number], temperature: 0.6, seed: 2 },
];
const SCALERS: [Scaler, number][] = [
  [{ method: 'vector', scale: [0.5, 1.5, 2, 0.75, 1, 1.25], bias: [0.2, -0.3, 0, 1, -1, 0.5] }, 6],
  [{ method: 'sigmoid-temperature', temperatures: [0.5, 1, 2, 3, 4, 5] }, 6],
  [{ method: 'platt', scale: 0.8, bias: -0.3 }, 1],
];
const LOSS = { shape: [16, 12] as [number, number], temperature: 4.2, labelSmoothing: 0.1 };

describe.skipIf(!present && !inCi)('@tstar/tfjs in headless Chromium', () => {
  let context: BrowserContext;
  let server: Server;
  let requests: string[];
  let profile: string;

  async function openPage(backend: 'webgl' | 'wasm'): Promise<Page> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(new URL('/', `http://localhost:${(server.address() as { port: number }).port}`).href, { timeout: 60_000 });
    await page.waitForFunction(() => 'tstarReady' in window, null, { timeout: 60_000 }).catch((e) => {
      throw new Error(`page did not load: ${errors.join('\n') || e}`);
    });
    const info = await page.evaluate((b) => (window as unknown as { tstar: Api }).tstar.setup(b), backend);
    expect(info.backend).toBe(backend);
    return page;
  }

  const call = <K extends keyof Api>(page: Page, name: K, arg?: object) =>
    page.evaluate(([n, a]) => ((window as unknown as { tstar: Record<string, (x?: object) => unknown> }).tstar[n as string])(a as object), [name, arg] as const) as ReturnType<Api[K]>;

  beforeAll(async () => {
    if (!present) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
    const served = await serve();
    server = served.server;
    requests = served.requests;
    profile = mkdtempSync(join(tmpdir(), 'tstar-tfjs-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 120_000 });
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  describe('webgl backend (composed tf ops, data stays on the GPU)', () => {
    let page: Page;
    beforeAll(async () => { page = await openPage('webgl'); });

    it('TemperatureSoftmax agrees with @tstar/core within 1e-4, with no GPU→CPU read and no leaked tensor', async () => {
      for (const { shape, temperature, seed } of LAYER_CASES) {
        const x = mat(shape[0], shape[1], seed, -8, 8);
        const r = await call(page, 'layer', { x: Array.from(x), shape, temperature });
        expect(r.downloads).toBe(0);
        expect(r.downloadWaitMs).toBe(0);
        expect(r.leaked).toBe(0);
        expect(r.kernelNames.some((k) => k.startsWith('TStar'))).toBe(false);
        expectClose(r.values[0], softmax(x, shape, { temperature }), 1e-4, 1e-4);
        expectClose(r.values[1], softmax(x, shape), 1e-4, 1e-4);
      }
    });

    it('temperatureCrossEntropy and its gradient agree with @tstar/core within 1e-4, with no GPU→CPU read', async () => {
      const [rows, cols] = LOSS.shape;
      const x = mat(rows, cols, 7, -6, 6), y = labels(rows, cols, 8);
      const r = await call(page, 'loss', { ...LOSS, x: Array.from(x), labels: Array.from(y) });
      expect(r.downloads).toBe(0);
      expect(r.leaked).toBe(0);
      const core = crossEntropy(x, LOSS.shape, y, { temperature: LOSS.temperature, labelSmoothing: LOSS.labelSmoothing, reduction: 'none' });
      const mean = crossEntropy(x, LOSS.shape, y, { temperature: LOSS.temperature, labelSmoothing: LOSS.labelSmoothing, grad: true });
      expectClose(r.values[0], core.loss, 1e-4, 1e-4);
      expectClose(r.values[1], [mean.loss], 1e-4, 1e-4);
      expectClose(r.values[2], mean.grad as Float32Array, 1e-4, 1e-3);
      // And the core itself against float64, so the chain ends in a reference.
      expectClose(mean.grad as Float32Array, ref.crossEntropyGrad(x, rows, cols, y, { temperature: LOSS.temperature, labelSmoothing: LOSS.labelSmoothing }).grad, 2e-6, 1e-3);
    });

    it('scaledProbabilities (vector, per-label sigmoid, Platt) agrees with the core applyScaler within 1e-4, no GPU→CPU read', async () => {
      for (const [scaler, cols] of SCALERS) {
        const x = mat(9, cols, 31, -6, 6);
        const r = await call(page, 'scaled', { x: Array.from(x), shape: [9, cols], scaler });
        expect(r.downloads).toBe(0);
        expect(r.leaked).toBe(0);
        expectClose(r.values[0], applyScaler(x, [9, cols], scaler), 1e-4, 1e-4);
        expectClose(r.values[1], applyScaler(x, [9, cols], scaler, { output: 'logits' }), 1e-4, 1e-4);
      }
    });

    it('throws TStarError for bad input and leaks nothing', async () => {
      const out = await call(page, 'errors');
      expect(out.map((e) => e.code)).toEqual(['E_TEMPERATURE', 'E_SHAPE', 'E_DTYPE']);
      for (const e of out) expect(e.leaked, e.message).toBe(0);
    });
  });

  describe('wasm backend with registerKernels() (values from @tstar/core in the page)', () => {
    let page: Page;
    beforeAll(async () => { page = await openPage('wasm'); });

    it('routes the layer, tf.softmax and the loss through the registered tstar kernels, bit for bit the core\'s', async () => {
      const { shape, temperature, seed } = LAYER_CASES[1];
      const x = mat(shape[0], shape[1], seed, -8, 8);
      const a = await call(page, 'layer', { x: Array.from(x), shape, temperature });
      expect(a.kernelNames).toContain('TStarSoftmax');
      expect(a.leaked).toBe(0);
      expect(a.values[0]).toEqual(Array.from(softmax(x, shape, { temperature })));
      expect(a.values[1]).toEqual(Array.from(softmax(x, shape)));
      const [rows, cols] = LOSS.shape;
      const lx = mat(rows, cols, 7, -6, 6), ly = labels(rows, cols, 8);
      const b = await call(page, 'loss', { ...LOSS, x: Array.from(lx), labels: Array.from(ly) });
      expect(b.kernelNames).toContain('TStarCrossEntropy');
      expect(b.leaked).toBe(0);
      expect(b.values[0]).toEqual(Array.from(crossEntropy(lx, LOSS.shape, ly, { temperature: LOSS.temperature, labelSmoothing: LOSS.labelSmoothing, reduction: 'none' }).loss));
      const mean = crossEntropy(lx, LOSS.shape, ly, { temperature: LOSS.temperature, labelSmoothing: LOSS.labelSmoothing, grad: true });
      expectClose(b.values[2], mean.grad as Float32Array, 1e-6, 1e-3);
      for (const [scaler, cols] of SCALERS) {
        const sx = mat(9, cols, 31, -6, 6);
        const s = await call(page, 'scaled', { x: Array.from(sx), shape: [9, cols], scaler });
        expect(s.leaked).toBe(0);
        // The page's core wrote these into tfjs' wasm heap: the same numbers as this process's core.
        expect(s.values[0]).toEqual(Array.from(applyScaler(sx, [9, cols], scaler)));
      }
      expect(requests).toContain('/core/tstar.wasm');
      expect(requests.some((p) => p.startsWith('/tfjs-wasm/'))).toBe(true);
    });

    it('throws TStarError for bad input and leaks nothing', async () => {
      const out = await call(page, 'errors');
      expect(out.map((e) => e.code)).toEqual(['E_TEMPERATURE', 'E_SHAPE', 'E_DTYPE']);
      for (const e of out) expect(e.leaked, e.message).toBe(0);
    });
  });
});
