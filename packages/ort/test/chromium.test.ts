import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { applyScaler } from '@tstar/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageAnswer, PageCase } from './browser/page.js';
import { serve } from './browser/server.js';
import { expectRowsSumToOne, linearModel, maxAbs, ref, uniform } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const present = existsSync(CHROMIUM);
if (!present && !process.env.CI) console.log(`skipping the Chromium/WebGPU tests: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH; CI requires it)`);

interface Environment {
  gpu: boolean;
  adapter: { vendor: string; architecture: string; isFallbackAdapter: boolean; shaderF16: boolean } | null;
  crossOriginIsolated: boolean;
  userAgent: string;
}

const n = 8, m = 32, c = 10, t = 2.5;
const linear = linearModel({ m, c, scale: 2, seed: 51 });
const linearSoftmax = linearModel({ m, c, softmax: 'Softmax', opset: 12, scale: 2, seed: 52 });
const half = linearModel({ m, c, float16: true, scale: 2, seed: 53 });
const x = uniform(n * m, 54);

describe.skipIf(!present && !process.env.CI)('@tstar/ort in headless Chromium on software WebGPU (SwiftShader), onnxruntime-web/webgpu', () => {
  let context: BrowserContext;
  let server: Server;
  let requests: string[];
  let profile: string;
  let url: string;
  let env: Environment;

  let page: Page;
  const consoleLines: string[] = [];
  const pageErrors: string[] = [];

  /** Runs one case in the page; the console lines it produced come back with the answer. */
  async function run(c: PageCase): Promise<PageAnswer & { console: string[] }> {
    consoleLines.length = 0;
    try {
      const answer = await page.evaluate((pc) => (globalThis as unknown as { tstarOrt: { runCase(c: unknown): Promise<unknown> } }).tstarOrt.runCase(pc), c) as PageAnswer;
      return { ...answer, console: [...consoleLines] };
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${pageErrors.join('\n')}\n${consoleLines.slice(-20).join('\n')}`);
    }
  }

  beforeAll(async () => {
    if (!present) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
    const fixtures = new Map<string, Uint8Array>([
      ['linear.onnx', linear.bytes],
      ['linear-softmax.onnx', linearSoftmax.bytes],
      ['half.onnx', half.bytes],
    ]);
    const served = await serve(fixtures);
    ({ server, requests, url } = served);
    profile = mkdtempSync(join(tmpdir(), 'tstar-ort-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 120_000 });
    page = await context.newPage();
    page.on('console', (msg) => consoleLines.push(msg.text()));
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(url, { timeout: 60_000 });
    await page.waitForFunction(() => 'tstarOrt' in globalThis, null, { timeout: 60_000 });
    env = await page.evaluate(async () => {
      const api = (globalThis as unknown as { tstarOrt: { environment(): Promise<unknown>; initCore(): Promise<void> } }).tstarOrt;
      await api.initCore();
      return api.environment();
    }) as Environment;
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /**
   * WebGPU really ran: only 'webgpu' was listed (creation fails without an adapter), onnxruntime placed every
   * node on the WebGPU EP and dispatched the named programs on the device. (onnxruntime may fold the Div by a
   * constant T into the Gemm before it; the values at T show it was applied either way.)
   */
  function expectWebGpu(answer: { console: string[]; device: boolean }, programs: string[]): void {
    expect(answer.device).toBe(true);
    expect(answer.console.join('\n')).toMatch(/All nodes placed on \[WebGpuExecutionProvider\]/);
    for (const program of programs) expect(answer.console.join('\n')).toContain(`Starting program "${program}`);
  }

  it('has a WebGPU adapter (software: SwiftShader fallback) on an http://localhost page', () => {
    expect(env.gpu).toBe(true);
    expect(env.adapter).not.toBeNull();
    expect(env.userAgent).toMatch(/Chrome\//);
  });

  it('graph mode: Div(T) → Softmax run on the webgpu EP, the output stays on the GPU, within 1e-5 of float64', async () => {
    const answer = await run({ model: '/fixtures/linear.onnx', mode: 'graph', temperature: t, input: Array.from(x), dims: [n, m], inputName: 'x', verbose: true });
    expectWebGpu(answer, ['Softmax']);
    expect(answer.location).toBe('gpu-buffer');
    expect(answer.dims).toEqual([n, c]);
    expect(maxAbs(answer.values, ref.softmax(linear.logits64(x, n), n, c, t))).toBeLessThan(1e-5);
    expectRowsSumToOne(answer.values, n, c, 1e-5);
  });

  it("post mode: logits downloaded from the GPU, softmax by tstar's wasm in the page, within 1e-5 of float64", async () => {
    const answer = await run({ model: '/fixtures/linear.onnx', mode: 'post', temperature: t, input: Array.from(x), dims: [n, m], inputName: 'x', logProbabilities: true, verbose: true });
    expectWebGpu(answer, []);
    expect(answer.location).toBe('cpu');
    const z = linear.logits64(x, n);
    expect(maxAbs(answer.values, ref.softmax(z, n, c, t))).toBeLessThan(1e-5);
    expect(maxAbs(answer.logProbabilities!, ref.logSoftmax(z, n, c, t))).toBeLessThan(1e-5);
    // Chromium has relaxed SIMD, so a bare init() fetches that build.
    expect(requests).toContain('/core/dist/tstar-relaxed.wasm');
  });

  it('graph mode with a vector scaler: Mul → Add → Softmax on the webgpu EP, within 1e-5 of the core applyScaler', async () => {
    const scaler = { method: 'vector' as const, scale: Array.from({ length: c }, (_, j) => 0.5 + j / 8), bias: Array.from({ length: c }, (_, j) => (j % 3) - 1) };
    const answer = await run({ model: '/fixtures/linear.onnx', mode: 'graph', scaler, input: Array.from(x), dims: [n, m], inputName: 'x', verbose: true });
    expectWebGpu(answer, ['Softmax']);
    expect(answer.location).toBe('gpu-buffer');
    expect(maxAbs(answer.values, applyScaler(Float32Array.from(linear.logits64(x, n)), [n, c], scaler))).toBeLessThan(1e-5);
  });

  it("a graph ending in Softmax (opset 12) with 'auto' (M = 32 read off the graph): the Div lands before it, on WebGPU", async () => {
    const answer = await run({ model: '/fixtures/linear-softmax.onnx', mode: 'graph', temperature: 'auto', input: Array.from(x), dims: [n, m], inputName: 'x', verbose: true });
    expectWebGpu(answer, ['Softmax']);
    expect(answer.console.join('\n').match(/Starting program "Softmax/g)).toHaveLength(1);
    expect(answer.featureDim).toBe(32);
    const auto = 0.7239 * Math.sqrt(32) - 4.706;
    expect(Math.abs(answer.temperature! - Math.max(1, auto))).toBeLessThan(1e-12);
    expect(maxAbs(answer.values, ref.softmax(linearSoftmax.logits64(x, n), n, c, answer.temperature))).toBeLessThan(1e-5);
  });

  it('float16 logits on WebGPU (needs the adapter feature shader-f16)', async (ctx) => {
    if (!env.adapter?.shaderF16) {
      ctx.skip(`skipped: this adapter (${env.adapter?.vendor ?? '?'} ${env.adapter?.architecture ?? '?'}, software WebGPU) lacks shader-f16, so float16 kernels cannot run on it`);
    }
    const answer = await run({ model: '/fixtures/half.onnx', mode: 'graph', temperature: t, input: Array.from(x), dims: [n, m], inputName: 'x', verbose: true });
    expectWebGpu(answer, ['Cast', 'Softmax']);
    expectRowsSumToOne(answer.values, n, c, 1e-5);
    expect(maxAbs(answer.values, ref.softmax(half.logits64(x, n), n, c, t))).toBeLessThan(1e-3);
  });
});
