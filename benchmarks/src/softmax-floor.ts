// The softmax speed-limit suite (issue 15): tstar's 'fast' and 'accurate' precisions end to end, into a reused
// array and on wasm-resident workspace arrays, against tfjs wasm, onnxruntime-web (wasm, 1 thread) and
// onnxruntime-node (1 thread) in one process; the kernels alone on resident data, plain vs relaxed SIMD, beside
// an accuracy-free floor (probe/softmax-f32.ts); cross-entropy forward + gradient against tfjs autograd as users
// write it; BatchNorm inference against onnxruntime. A second process (Node with --experimental-wasm-relaxed-simd)
// repeats the end-to-end cases on tstar-relaxed.wasm, and Deno times the resident kernels with relaxed SIMD on.
// Usage: tsx --expose-gc src/softmax-floor.ts [--quick] [--write] [--no-relaxed] [--no-deno]
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import asc from 'assemblyscript/asc';
import * as core from '@tstar/core';
import { labels as makeLabels, normals, uniforms } from './lib/data.js';
import { loadOrt, ortSessions, softmaxModel, batchNormModel, type OrtPeers } from './lib/ort-peer.js';
import { batchNormPlain, crossEntropyPlain, softmaxPlain } from './lib/plain.js';
import { maxRelError, scalarRelError } from './lib/reference.js';
import { formatError, formatRatio, formatTime, machine } from './lib/report.js';
import { summarize, type Summary } from './lib/stats.js';
import { loadTfjs } from './lib/tfjs.js';
import * as ref from '../../packages/core/test/reference.js';
import { timeResident, type ResidentKernel, type ResidentResult } from '../probe/resident.js';

type Tf = typeof import('@tensorflow/tfjs');

const T = 3;
const SOFTMAX_SHAPES: [number, number][] = [[8, 10], [256, 1000], [1, 1_000_000], [64, 32_000]];
const CE_SHAPE: [number, number] = [256, 1000];
const BN_SHAPE: [number, number] = [256, 2048];
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------------------
// Timing: contenders may be async (onnxruntime only runs asynchronously), so each one times `calls` calls itself.

interface Target {
  name: string;
  /** Untimed set-up before each block (tfjs backend switch). */
  enter?: () => Promise<void> | void;
  /** One call; its output is checked once before timing. */
  run: () => unknown;
  async?: boolean;
}

interface Options {
  rounds: number;
  blockMs: number;
  warmupMs: number;
  sampleMs: number;
}

const FULL: Options = { rounds: 12, blockMs: 120, warmupMs: 200, sampleMs: 0.25 };
const QUICK: Options = { rounds: 4, blockMs: 50, warmupMs: 50, sampleMs: 0.25 };

interface Timed {
  name: string;
  time?: Summary;
  failure?: string;
  output?: unknown;
}

const gc = (globalThis as { gc?: () => void }).gc;
let sink: unknown;

async function timeCalls(target: Target, calls: number): Promise<number> {
  const t0 = performance.now();
  if (target.async) for (let i = 0; i < calls; i++) sink = await target.run();
  else for (let i = 0; i < calls; i++) sink = target.run();
  return performance.now() - t0;
}

/**
 * Checks, warms and then interleaves the targets: `rounds` rounds, each one time-boxed block per target in a
 * rotated order, a forced GC and `enter` untimed before each block; per-call medians of samples ≥ sampleMs.
 */
async function measure(targets: Target[], o: Options): Promise<Timed[]> {
  const plans: { target: Target; result: Timed; calls: number; samples: number[] }[] = [];
  const results: Timed[] = [];
  for (const target of targets) {
    const result: Timed = { name: target.name };
    results.push(result);
    try {
      await target.enter?.();
      result.output = target.async ? await target.run() : target.run();
      let spent = 0, calls = 0;
      while (calls < 3 || spent < o.warmupMs) {
        spent += await timeCalls(target, 1);
        calls++;
        if (spent > 3000) break;
      }
      plans.push({ target, result, calls: Math.max(1, Math.ceil(o.sampleMs / (spent / calls))), samples: [] });
    } catch (error) {
      result.failure = error instanceof Error ? error.message : String(error);
    }
  }
  for (let round = 0; round < o.rounds; round++) {
    for (let k = 0; k < plans.length; k++) {
      const p = plans[(k + round) % plans.length];
      await p.target.enter?.();
      gc?.();
      const start = performance.now();
      do p.samples.push(((await timeCalls(p.target, p.calls)) * 1000) / p.calls);
      while (performance.now() - start < o.blockMs);
    }
  }
  for (const p of plans) p.result.time = summarize(p.samples, p.calls);
  return results;
}

const median = (r: Timed[], name: string): number => r.find((c) => c.name === name)?.time?.median ?? NaN;

// ---------------------------------------------------------------------------------------------------------
// Contenders.

/** tfjs wasm softmax(x / T) as users write it: compute in tidy, read outside it. */
function tfjsSoftmax(tf: Tf, x: Float32Array, shape: [number, number]): Target {
  return {
    name: 'tfjs wasm',
    enter: async () => void (tf.getBackend() !== 'wasm' && (await tf.setBackend('wasm'))),
    run: () => {
      const y = tf.tidy(() => tf.softmax(tf.div(tf.tensor2d(x, shape), T)));
      const data = y.dataSync() as Float32Array;
      y.dispose();
      return data;
    },
  };
}

/** onnxruntime e2e: wrap the Float32Array in a tensor, run, read y. */
function ortTarget(name: string, Tensor: OrtPeers['web']['Tensor'] | OrtPeers['node']['Tensor'], session: { run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>> }, x: Float32Array, dims: number[]): Target {
  return { name, async: true, run: async () => (await session.run({ x: new Tensor('float32', x, dims) })).y.data as Float32Array };
}

/** A workspace array holding `data`. */
function resident(ws: core.Workspace, data: Float32Array): core.WorkspaceArray {
  const a = ws.float32(data.length);
  a.view.set(data);
  return a;
}

// ---------------------------------------------------------------------------------------------------------
// Resident kernels, plain vs relaxed (the build files, and the floor compiled both ways).

async function compileFloor(relaxed: boolean): Promise<Uint8Array> {
  const source = await readFile(path.join(here, '..', 'probe', 'softmax-f32.ts'), 'utf8');
  const { error, binary, stderr } = await asc.compileString(source, { optimizeLevel: 3, runtime: 'stub', noAssert: true, enable: relaxed ? ['simd', 'relaxed-simd'] : ['simd'] });
  if (error || !binary) throw new Error(`probe/softmax-f32.ts did not compile: ${error?.message ?? ''}\n${stderr.toString()}`);
  return binary;
}

interface KernelFile {
  name: string;
  file: string;
  extra: number[];
  relaxed: boolean;
}

async function kernelFiles(dir: string): Promise<KernelFile[]> {
  const plain = require.resolve('@tstar/core/tstar.wasm');
  const relaxed = require.resolve('@tstar/core/tstar-relaxed.wasm');
  await writeFile(path.join(dir, 'floor.wasm'), await compileFloor(false));
  await writeFile(path.join(dir, 'floor-relaxed.wasm'), await compileFloor(true));
  return [
    { name: 'floor, simd', file: path.join(dir, 'floor.wasm'), extra: [], relaxed: false },
    { name: "'fast', simd", file: plain, extra: [1], relaxed: false },
    { name: "'accurate', simd", file: plain, extra: [0], relaxed: false },
    { name: 'floor, relaxed', file: path.join(dir, 'floor-relaxed.wasm'), extra: [], relaxed: true },
    { name: "'fast', relaxed", file: relaxed, extra: [1], relaxed: true },
    { name: "'accurate', relaxed", file: relaxed, extra: [0], relaxed: true },
  ];
}

// The floor needs rows that are a multiple of 8 long; [8×10] is about per-call overhead anyway.
const KERNEL_SHAPES = SOFTMAX_SHAPES.filter(([, cols]) => cols % 8 === 0);
const softmaxInput = ([rows, cols]: [number, number]): Float32Array => normals(rows * cols, 1000 + rows + cols, 0, 4);

async function residentKernels(files: KernelFile[], o: Options): Promise<ResidentResult[]> {
  const kernels: ResidentKernel[] = [];
  for (const f of files) kernels.push({ name: f.name, bytes: new Uint8Array(await readFile(f.file)), extra: f.extra });
  const out: ResidentResult[] = [];
  for (const shape of KERNEL_SHAPES) out.push(...timeResident(kernels, softmaxInput(shape), shape, T, o.rounds, o.blockMs));
  return out;
}

/** The same resident timing inside Deno (relaxed SIMD on by default there), or why it could not run. */
async function denoResident(files: KernelFile[], dir: string, o: Options): Promise<{ deno: string; v8: string; relaxedSimd: boolean; results: ResidentResult[] } | { error: string }> {
  let deno: string;
  try {
    deno = path.join(path.dirname(require.resolve('deno/package.json')), 'deno');
  } catch {
    return { error: 'the deno package is not installed' };
  }
  const cases = [];
  for (const shape of KERNEL_SHAPES) {
    const data = path.join(dir, `x-${shape.join('x')}.f32`);
    const x = softmaxInput(shape);
    await writeFile(data, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    cases.push({ shape, data });
  }
  const job = path.join(dir, 'job.json');
  await writeFile(job, JSON.stringify({ kernels: files, cases, temperature: T, rounds: o.rounds, blockMs: o.blockMs }));
  const run = spawnSync(deno, ['run', '--quiet', '--allow-read', path.join(here, '..', 'probe', 'resident-deno.ts'), job], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) return { error: `deno exited ${run.status}: ${run.stderr.slice(0, 500)}` };
  return JSON.parse(run.stdout);
}

// ---------------------------------------------------------------------------------------------------------

interface SoftmaxCase {
  id: string;
  shape: [number, number];
  results: Timed[];
  /** Max relative error vs float64 per contender: all entries ≥ 1e-30, and entries ≥ 1e-6. */
  errors: Record<string, { above1e30: number; above1e6: number }>;
}

function softmaxErrors(y: Float32Array, expected: Float64Array): { above1e30: number; above1e6: number } {
  let a = 0, b = 0;
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] < 1e-30) continue;
    const e = Math.abs(y[i] - expected[i]) / expected[i];
    if (!(e <= a)) a = Number.isNaN(e) ? Infinity : e;
    if (expected[i] >= 1e-6 && !(e <= b)) b = Number.isNaN(e) ? Infinity : e;
  }
  return { above1e30: a, above1e6: b };
}

async function softmaxCases(tf: Tf, ort: OrtPeers, o: Options): Promise<SoftmaxCase[]> {
  const sessions = await ortSessions(ort, softmaxModel(T));
  const cases: SoftmaxCase[] = [];
  for (const shape of SOFTMAX_SHAPES) {
    const [rows, cols] = shape;
    const x = softmaxInput(shape);
    const expected = ref.softmax(x, rows, cols, T);
    const out = new Float32Array(x.length);
    const ws = core.createWorkspace();
    const xs = resident(ws, x), ys = ws.float32(x.length);
    const plainOut = new Float32Array(x.length);
    const targets: Target[] = [
      { name: 'tstar', run: () => core.softmax(x, shape, { temperature: T }) },
      { name: "tstar 'accurate'", run: () => core.softmax(x, shape, { temperature: T, precision: 'accurate' }) },
      { name: 'tstar (out)', run: () => core.softmax(x, shape, { temperature: T, out }) },
      { name: "tstar 'accurate' (out)", run: () => core.softmax(x, shape, { temperature: T, out, precision: 'accurate' }) },
      { name: 'tstar resident', run: () => core.softmax(xs, shape, { temperature: T, out: ys }) },
      { name: "tstar 'accurate' resident", run: () => core.softmax(xs, shape, { temperature: T, out: ys, precision: 'accurate' }) },
      tfjsSoftmax(tf, x, shape),
      ortTarget('onnxruntime-web', ort.web.Tensor, sessions.web, x, shape),
      ortTarget('onnxruntime-node', ort.node.Tensor, sessions.node, x, shape),
      { name: 'plain JS', run: () => softmaxPlain(x, rows, cols, T) },
      { name: 'plain JS (out)', run: () => softmaxPlain(x, rows, cols, T, plainOut) },
    ];
    const id = `softmax(x/T) [${rows}×${cols}]`;
    const results = await measure(targets, o);
    const errors: SoftmaxCase['errors'] = {};
    for (const r of results) if (r.output instanceof Float32Array) errors[r.name] = softmaxErrors(r.output, expected);
    for (const r of results) delete r.output;
    cases.push({ id, shape, results, errors });
    ws.release();
    console.error(`${id}: ${results.map((c) => `${c.name} ${c.failure ? 'FAILED ' + c.failure : formatTime(c.time?.median)}`).join(', ')}`);
  }
  return cases;
}

interface ScalarCase {
  id: string;
  results: Timed[];
  errors: Record<string, number>;
}

async function crossEntropyCase(tf: Tf, o: Options): Promise<ScalarCase> {
  const [rows, cols] = CE_SHAPE;
  const x = normals(rows * cols, 2001, 0, 4);
  const target = makeLabels(rows, cols, 2002);
  const want = { loss: ref.crossEntropyLoss(x, rows, cols, target, { temperature: T }).loss, grad: ref.crossEntropyGrad(x, rows, cols, target, { temperature: T }).grad };
  const ws = core.createWorkspace();
  const xs = resident(ws, x), g = ws.float32(x.length);
  const targets: Target[] = [
    { name: 'tstar', run: () => core.crossEntropy(x, CE_SHAPE, target, { temperature: T, grad: true }) },
    { name: "tstar 'accurate'", run: () => core.crossEntropy(x, CE_SHAPE, target, { temperature: T, grad: true, precision: 'accurate' }) },
    { name: 'tstar resident', run: () => core.crossEntropy(xs, CE_SHAPE, target, { temperature: T, grad: true, gradOut: g }) },
    {
      // As users write it: one-hot labels, mean softmaxCrossEntropy of x / T, valueAndGrad; read outside tidy.
      name: 'tfjs wasm autograd',
      enter: async () => void (tf.getBackend() !== 'wasm' && (await tf.setBackend('wasm'))),
      run: () => {
        const [value, grad] = tf.tidy(() => {
          const logits = tf.tensor2d(x, CE_SHAPE);
          const oneHot = tf.cast(tf.oneHot(tf.tensor1d(target, 'int32'), cols), 'float32');
          const r = tf.valueAndGrad((z: import('@tensorflow/tfjs').Tensor) => tf.losses.softmaxCrossEntropy(oneHot, tf.div(z, T)))(logits);
          return [r.value, r.grad];
        });
        const out = { loss: value.dataSync()[0], grad: grad.dataSync() as Float32Array };
        value.dispose();
        grad.dispose();
        return out;
      },
    },
    { name: 'plain JS', run: () => crossEntropyPlain(x, rows, cols, target, T) },
  ];
  const results = await measure(targets, o);
  const errors: Record<string, number> = {};
  for (const r of results) {
    const out = r.output as { loss: number; grad: Float32Array } | undefined;
    if (out) errors[r.name] = Math.max(scalarRelError(out.loss, want.loss), maxRelError(out.grad, want.grad, 1e-3));
    delete r.output;
  }
  ws.release();
  console.error(`crossEntropy fwd+grad: ${results.map((c) => `${c.name} ${formatTime(c.time?.median)}`).join(', ')}`);
  return { id: `crossEntropy fwd+grad [${rows}×${cols}]`, results, errors };
}

async function batchNormCase(tf: Tf, ort: OrtPeers, o: Options): Promise<ScalarCase> {
  const [n, m] = BN_SHAPE;
  const x = normals(n * m, 3001, 0.5, 2);
  const stats = { runningMean: uniforms(m, 3002, -1, 1), runningVariance: uniforms(m, 3003, 0.5, 4), gamma: uniforms(m, 3004, 0.5, 1.5), beta: uniforms(m, 3005, -0.5, 0.5), epsilon: 1e-5 };
  const expected = ref.batchNorm(x, n, m, stats.runningMean, stats.runningVariance, stats.gamma, stats.beta, stats.epsilon);
  const sessions = await ortSessions(ort, batchNormModel({ mean: stats.runningMean, variance: stats.runningVariance, gamma: stats.gamma, beta: stats.beta, epsilon: stats.epsilon }));
  const out = new Float32Array(x.length);
  const ws = core.createWorkspace();
  const xs = resident(ws, x), ys = ws.float32(x.length);
  const targets: Target[] = [
    { name: 'tstar', run: () => core.batchNorm(x, BN_SHAPE, stats) },
    { name: 'tstar (out)', run: () => core.batchNorm(x, BN_SHAPE, { ...stats, out }) },
    { name: 'tstar resident', run: () => core.batchNorm(xs, BN_SHAPE, { ...stats, out: ys }) },
    ortTarget('onnxruntime-node', ort.node.Tensor, sessions.node, x, BN_SHAPE),
    ortTarget('onnxruntime-web', ort.web.Tensor, sessions.web, x, BN_SHAPE),
    {
      name: 'tfjs wasm',
      enter: async () => void (tf.getBackend() !== 'wasm' && (await tf.setBackend('wasm'))),
      run: () => {
        const y = tf.tidy(() => tf.batchNorm(tf.tensor2d(x, BN_SHAPE), tf.tensor1d(stats.runningMean), tf.tensor1d(stats.runningVariance), tf.tensor1d(stats.beta), tf.tensor1d(stats.gamma), stats.epsilon));
        const data = y.dataSync() as Float32Array;
        y.dispose();
        return data;
      },
    },
    { name: 'plain JS', run: () => batchNormPlain(x, n, m, { mean: stats.runningMean, variance: stats.runningVariance, gamma: stats.gamma, beta: stats.beta, epsilon: stats.epsilon }) },
  ];
  const results = await measure(targets, o);
  const errors: Record<string, number> = {};
  for (const r of results) {
    if (r.output instanceof Float32Array) errors[r.name] = maxRelError(r.output, expected, 1e-3);
    delete r.output;
  }
  ws.release();
  console.error(`batchNorm: ${results.map((c) => `${c.name} ${formatTime(c.time?.median)}`).join(', ')}`);
  return { id: `batchNorm inference [${n}×${m}]`, results, errors };
}


// ---------------------------------------------------------------------------------------------------------
// Report.

interface Run {
  build: string;
  softmax: SoftmaxCase[];
  crossEntropy: ScalarCase;
  batchNorm: ScalarCase;
}

const ns = (us: number, n: number): string => (Number.isFinite(us) ? `${((us * 1000) / n).toFixed(2)} ns` : '—');
const cell = (r: Timed[], name: string, n?: number): string => {
  const c = r.find((x) => x.name === name);
  if (!c) return '—';
  if (c.failure) return `failed: ${c.failure.slice(0, 60)}`;
  return n === undefined ? formatTime(c.time?.median) : `${formatTime(c.time?.median)} (${ns(c.time!.median, n)})`;
};
const shapeText = ([r, c]: [number, number]): string => `[${r}×${c >= 1e6 ? `${c / 1e6}e6` : c}]`;

/** A target line: the measured ratio (higher is better), whether it meets `goal`, and by how much. */
function verdict(ratio: number, goal: number): string {
  if (!Number.isFinite(ratio)) return '—';
  return ratio >= goal ? `**met** (${formatRatio(ratio)}, ${((ratio / goal - 1) * 100).toFixed(0)}% over)` : `**missed** (${formatRatio(ratio)}, ${((1 - ratio / goal) * 100).toFixed(0)}% short)`;
}

function e2eTable(run: Run): string[] {
  const names = ['tstar', 'tstar (out)', 'tstar resident', "tstar 'accurate'", "tstar 'accurate' (out)", "tstar 'accurate' resident", 'tfjs wasm', 'onnxruntime-web', 'onnxruntime-node', 'plain JS', 'plain JS (out)'];
  return [
    `| shape | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---:').join('|')}|`,
    ...run.softmax.map((c) => `| ${shapeText(c.shape)} | ${names.map((nm) => cell(c.results, nm)).join(' | ')} |`),
  ];
}

function report(main: Run, relaxed: Run | { error: string } | undefined, kernels: ResidentResult[], deno: Awaited<ReturnType<typeof denoResident>> | undefined, info: ReturnType<typeof machine>, quick: boolean, versions: Record<string, string>): string {
  const lines: string[] = [];
  const push = (...l: string[]): void => void lines.push(...l);
  push('# Softmax at the speed limit: tstar vs tfjs wasm, onnxruntime-web and onnxruntime-node', '');
  push(`${info.date} · ${info.cpu} (${info.cores} cores) · Node ${info.node} · load average ${info.loadAverage.start} → ${info.loadAverage.end} · ${quick ? 'quick' : 'full'} run`, '');
  push(`Versions: ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(' · ')}.`, '');
  push(`T = ${T}; medians of interleaved time-boxed blocks; e2e = Float32Array in → new Float32Array out (tensor`,
    'creation, copies, compute, readback); "(out)" = into a reused array; "resident" = workspace arrays in wasm memory',
    `(no copy in, no fresh output). tstar without a precision is the default, 'fast'. One thread everywhere.`, '');

  push(`## The issue's table, re-measured (Node ${info.node}, ${main.build} build)`, '');
  push(...e2eTable(main), '');

  // Targets.
  const tgt: string[] = ['| target | measured | verdict | the floor beside it |', '|---|---|---|---|'];
  const floorFor = (shape: [number, number]): ResidentResult | undefined => kernels.find((k) => k.name === 'floor, simd' && k.shape[0] === shape[0] && k.shape[1] === shape[1]);
  const fastFor = (shape: [number, number], name = "'fast', simd"): ResidentResult | undefined => kernels.find((k) => k.name === name && k.shape[0] === shape[0] && k.shape[1] === shape[1]);
  for (const c of main.softmax) {
    const r = c.results, n = c.shape[0] * c.shape[1], s = shapeText(c.shape);
    const t = median(r, 'tstar'), tOut = median(r, 'tstar (out)'), tRes = median(r, 'tstar resident');
    const floor = floorFor(c.shape);
    // What tstar pays around its kernel (validation, copy in, fresh output) applies to any kernel it would run.
    const around = t - (fastFor(c.shape)?.nsPerElement ?? NaN) * n / 1000;
    const floorE2e = floor ? floor.nsPerElement * n / 1000 + around : NaN;
    const beside = floor ? `floor kernel ${floor.nsPerElement.toFixed(2)} ns/el; floor + tstar's e2e costs ${formatTime(floorE2e)}` : '—';
    if (c.shape[0] === 8) {
      for (const peer of ['tfjs wasm', 'onnxruntime-web', 'onnxruntime-node']) tgt.push(`| ${s} e2e ≥ 10× ${peer} | ${formatTime(t)} vs ${formatTime(median(r, peer))} | ${verdict(median(r, peer) / t, 10)} | — |`);
      tgt.push(`| ${s} with out ≥ 3× plain JS | ${formatTime(tOut)} vs ${formatTime(median(r, 'plain JS'))} | ${verdict(median(r, 'plain JS') / tOut, 3)} | — |`);
      continue;
    }
    tgt.push(`| ${s} e2e ≥ 1.5× tfjs wasm | ${formatTime(t)} vs ${formatTime(median(r, 'tfjs wasm'))} | ${verdict(median(r, 'tfjs wasm') / t, 1.5)} | ${beside} (${formatRatio(median(r, 'tfjs wasm') / floorE2e)}) |`);
    tgt.push(`| ${s} e2e ≥ 2× onnxruntime-web | ${formatTime(t)} vs ${formatTime(median(r, 'onnxruntime-web'))} | ${verdict(median(r, 'onnxruntime-web') / t, 2)} | ${floor ? formatRatio(median(r, 'onnxruntime-web') / floorE2e) : '—'} |`);
    tgt.push(`| ${s} resident ≥ 1.2× onnxruntime-node | ${formatTime(tRes)} vs ${formatTime(median(r, 'onnxruntime-node'))} | ${verdict(median(r, 'onnxruntime-node') / tRes, 1.2)} | floor resident ${floor ? formatRatio(median(r, 'onnxruntime-node') / (floor.nsPerElement * n / 1000)) : '—'} |`);
    tgt.push(`| ${s} e2e ≥ 10× plain JS | ${formatTime(t)} vs ${formatTime(median(r, 'plain JS'))} | ${verdict(median(r, 'plain JS') / t, 10)} | — |`);
    const fast = fastFor(c.shape), relaxedFast = fastFor(c.shape, "'fast', relaxed");
    if (fast) tgt.push(`| ${s} resident 'fast' kernel ≤ 0.6 ns/element (simd) | ${fast.nsPerElement.toFixed(2)} ns/el${relaxedFast ? `; relaxed ${relaxedFast.nsPerElement.toFixed(2)}` : ''} | ${verdict(0.6 / fast.nsPerElement, 1)} | floor ${floor?.nsPerElement.toFixed(2) ?? '—'} ns/el |`);
  }
  const ce = main.crossEntropy.results;
  tgt.push(`| CE fwd+grad [256×1000] ≥ 20× tfjs wasm autograd | ${formatTime(median(ce, 'tstar'))} vs ${formatTime(median(ce, 'tfjs wasm autograd'))} | ${verdict(median(ce, 'tfjs wasm autograd') / median(ce, 'tstar'), 20)} | resident ${formatRatio(median(ce, 'tfjs wasm autograd') / median(ce, 'tstar resident'))} |`);
  const bn = main.batchNorm.results;
  tgt.push(`| BN inference [256×2048] ≥ 3× onnxruntime-node allocating | ${formatTime(median(bn, 'tstar'))} vs ${formatTime(median(bn, 'onnxruntime-node'))} | ${verdict(median(bn, 'onnxruntime-node') / median(bn, 'tstar'), 3)} | — |`);
  tgt.push(`| BN inference [256×2048] ≥ 6× onnxruntime-node with out / resident | ${formatTime(median(bn, 'tstar (out)'))} / ${formatTime(median(bn, 'tstar resident'))} | ${verdict(median(bn, 'onnxruntime-node') / median(bn, 'tstar (out)'), 6)} / ${verdict(median(bn, 'onnxruntime-node') / median(bn, 'tstar resident'), 6)} | — |`);
  if (deno && 'results' in deno) {
    for (const k of deno.results.filter((d) => d.name === "'fast', relaxed")) tgt.push(`| ${shapeText(k.shape)} resident 'fast' in Deno ${deno.deno} (relaxed SIMD) ≤ 0.6 ns/element | ${k.nsPerElement.toFixed(2)} ns/el | ${verdict(0.6 / k.nsPerElement, 1)} | floor ${deno.results.find((d) => d.name === 'floor, relaxed' && d.shape[1] === k.shape[1])?.nsPerElement.toFixed(2) ?? '—'} ns/el |`);
  }
  push('## Targets (ratios within this run; higher is better)', '', ...tgt, '');

  // Accuracy: the default against every peer on the same data.
  push('## Accuracy on the benchmark data (max relative error vs float64)', '',
    'Entries ≥ 1e-30 / entries ≥ 1e-6. The default must be at least as accurate as every peer.', '');
  const accNames = ['tstar', "tstar 'accurate'", 'tfjs wasm', 'onnxruntime-web', 'onnxruntime-node'];
  push(`| shape | ${accNames.join(' | ')} |`, `|---|${accNames.map(() => '---:').join('|')}|`);
  for (const c of main.softmax) push(`| ${shapeText(c.shape)} | ${accNames.map((nm) => (c.errors[nm] ? `${formatError(c.errors[nm].above1e30)} / ${formatError(c.errors[nm].above1e6)}` : '—')).join(' | ')} |`);
  push('');

  push('## Resident kernels, per element (Node; relaxed compiled after setting the V8 flag in-process)', '');
  const kNames = [...new Set(kernels.map((k) => k.name))];
  push(`| shape | ${kNames.join(' | ')} |`, `|---|${kNames.map(() => '---:').join('|')}|`);
  for (const shape of KERNEL_SHAPES) push(`| ${shapeText(shape)} | ${kNames.map((nm) => { const k = kernels.find((x) => x.name === nm && x.shape[1] === shape[1] && x.shape[0] === shape[0]); return k ? `${k.nsPerElement.toFixed(2)} (${formatError(k.maxRelError)})` : '—'; }).join(' | ')} |`);
  push('', 'In brackets: max relative error on entries ≥ 1e-30.', '');
  if (deno) {
    if ('results' in deno) {
      push(`### The same in Deno ${deno.deno} (V8 ${deno.v8}, relaxed SIMD ${deno.relaxedSimd ? 'on' : 'off'})`, '');
      const dNames = [...new Set(deno.results.map((k) => k.name))];
      push(`| shape | ${dNames.join(' | ')} |`, `|---|${dNames.map(() => '---:').join('|')}|`);
      for (const shape of KERNEL_SHAPES) push(`| ${shapeText(shape)} | ${dNames.map((nm) => { const k = deno.results.find((x) => x.name === nm && x.shape[1] === shape[1] && x.shape[0] === shape[0]); return k ? k.nsPerElement.toFixed(2) : '—'; }).join(' | ')} |`);
      push('');
    } else push(`Deno resident run skipped: ${deno.error}`, '');
  }

  if (relaxed) {
    if ('softmax' in relaxed) {
      push(`## End to end on the ${relaxed.build} build (Node with --experimental-wasm-relaxed-simd, peers re-measured in that run)`, '');
      push(...e2eTable(relaxed), '');
      const r = relaxed.crossEntropy.results, b = relaxed.batchNorm.results;
      push(`Cross-entropy fwd+grad: tstar ${cell(r, 'tstar')}, resident ${cell(r, 'tstar resident')}, tfjs wasm autograd ${cell(r, 'tfjs wasm autograd')} (${formatRatio(median(r, 'tfjs wasm autograd') / median(r, 'tstar'))}).`,
        `BatchNorm: tstar ${cell(b, 'tstar')}, (out) ${cell(b, 'tstar (out)')}, resident ${cell(b, 'tstar resident')}, onnxruntime-node ${cell(b, 'onnxruntime-node')}.`, '');
    } else push(`Relaxed-SIMD run skipped: ${relaxed.error}`, '');
  }

  for (const [title, c] of [['Cross-entropy forward + gradient', main.crossEntropy], ['BatchNorm inference', main.batchNorm]] as const) {
    push(`## ${title} ${c.id.slice(c.id.indexOf('['))}`, '', '| contender | median | max rel. error |', '|---|---:|---:|');
    for (const r of c.results) push(`| ${r.name} | ${r.failure ? `failed: ${r.failure}` : formatTime(r.time?.median)} | ${formatError(c.errors[r.name])} |`);
    push('');
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------

async function measureAll(o: Options): Promise<Run> {
  const { tf } = await loadTfjs();
  const ort = await loadOrt();
  return { build: core.wasmBuild(), softmax: await softmaxCases(tf, ort, o), crossEntropy: await crossEntropyCase(tf, o), batchNorm: await batchNormCase(tf, ort, o) };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const o = quick ? QUICK : FULL;
  // Child mode: the end-to-end cases on whatever build a bare init() picks (relaxed under the V8 flag), as JSON.
  if (argv.includes('--child')) {
    await core.init();
    console.log(JSON.stringify(await measureAll(o)));
    return;
  }
  const info = machine();
  await core.init(); // Node 20: the plain SIMD build, as its users get it
  const main = await measureAll(o);

  // The core is loaded; from here on this V8 also compiles relaxed SIMD, for the kernel-level comparison only.
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tstar-floor-'));
  const files = await kernelFiles(dir);
  const kernels = await residentKernels(files, o);
  console.error(`resident kernels: ${kernels.map((k) => `${k.name} ${shapeText(k.shape)} ${k.nsPerElement.toFixed(2)} ns`).join(', ')}`);
  const deno = argv.includes('--no-deno') ? undefined : await denoResident(files, dir, o);
  await rm(dir, { recursive: true, force: true });

  let relaxed: Run | { error: string } | undefined;
  if (!argv.includes('--no-relaxed')) {
    const child = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', ...(quick ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
    relaxed = child.status === 0 ? (JSON.parse(child.stdout.trim().split('\n').pop()!) as Run) : { error: `child exited ${child.status}` };
  }
  info.loadAverage.end = Number(os.loadavg()[0].toFixed(2));

  const { tf } = await loadTfjs();
  const ort = await loadOrt();
  const versions = {
    '@tstar/core': JSON.parse(await readFile(require.resolve('@tstar/core/package.json'), 'utf8')).version,
    tfjs: tf.version.tfjs,
    'onnxruntime-web': ort.versions.web,
    'onnxruntime-node': ort.versions.node,
  };
  const text = report(main, relaxed, kernels, deno, info, quick, versions);
  console.log('\n' + text);
  if (argv.includes('--write')) {
    const out = path.join(here, '..', 'results');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'softmax-floor.json'), JSON.stringify({ suite: 'softmax-floor', machine: info, temperature: T, options: o, versions, main, relaxed, kernels, deno }, null, 2) + '\n');
    await writeFile(path.join(out, 'softmax-floor.md'), text + '\n');
    console.error(`wrote ${path.relative(process.cwd(), out)}/softmax-floor.{json,md}`);
  }
}

await main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
