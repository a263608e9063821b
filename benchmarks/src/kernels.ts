// Kernel suite: tstar against plain JS and @tensorflow/tfjs (cpu, wasm) in one Node process.
// Every contender gets the same Float32Array inputs and must return a Float32Array (e2e: tensor
// creation, copies, compute and readback included), is checked against float64 first, then timed
// in interleaved blocks. Usage: tsx --expose-gc src/kernels.ts [--quick] [--filter <text>] [--write]
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@tstar/core';
import { labels, normals, uniforms } from './lib/data.js';
import { measure, type Case, type CaseResult, type Contender, type HarnessOptions } from './lib/harness.js';
import { batchNormPlain, crossEntropyPlain, softmaxPlain } from './lib/plain.js';
import * as ref from '../../packages/core/test/reference.js';
import { maxRelError, scalarRelError } from './lib/reference.js';
import { machine, markdown } from './lib/report.js';
import { loadTfjs, tfContender, tfSoftmax, type TfBackend } from './lib/tfjs.js';

const T = 3;
const SOFTMAX_SHAPES: [number, number][] = [
  [8, 10],
  [256, 1000],
  [1, 1_000_000],
  [64, 32_000],
];
const CE_SHAPE: [number, number] = [256, 1000];
const BN_SHAPE: [number, number] = [256, 2048];
const BN_EPSILON = 1e-5;
/** Error floor (fraction of max|ref|) for outputs that cross zero; see maxRelError. */
const SIGNED_FLOOR = 1e-3;

interface Args {
  quick: boolean;
  filter?: string;
  write: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, write: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--write') args.write = true;
    else if (a === '--filter') args.filter = argv[++i];
    else if (a.startsWith('--filter=')) args.filter = a.slice('--filter='.length);
    else throw new Error(`kernels: unknown argument ${a} (use --quick, --filter <text>, --write)`);
  }
  if (args.filter === undefined && argv.includes('--filter')) throw new Error('kernels: --filter needs a text');
  // A full run owns results/; partial runs only print unless told to write.
  if (!args.quick && args.filter === undefined) args.write = true;
  return args;
}

// Exports the lead is still landing: looked up at run time so the suite runs before they exist.
type CrossEntropyFn = (
  logits: Float32Array,
  shape: [number, number],
  target: Int32Array,
  options: { temperature: number; grad: true },
) => { loss: number; grad?: Float32Array };
type BatchNormFn = (
  x: Float32Array,
  shape: [number, number],
  options: { mean: Float32Array; variance: Float32Array; gamma: Float32Array; beta: Float32Array; epsilon: number; out?: Float32Array },
) => Float32Array;
const coreExports = core as unknown as Record<string, unknown>;
const crossEntropy = typeof coreExports.crossEntropy === 'function' ? (coreExports.crossEntropy as CrossEntropyFn) : undefined;
const batchNorm = typeof coreExports.batchNorm === 'function' ? (coreExports.batchNorm as BatchNormFn) : undefined;

/** The package.json of `name`, found by walking up from one of its resolved files. */
async function packageJsonOf(file: string, name: string): Promise<{ name: string; version: string }> {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const json = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
      if (json.name === name) return json;
    } catch {
      // no package.json at this level
    }
  }
  throw new Error(`kernels: no package.json for ${name} above ${file}`);
}

const shapeText = ([r, c]: [number, number]): string => `[${r}×${c >= 1e6 ? `${c / 1e6}e6` : c}]`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const options: HarnessOptions = args.quick
    ? { budgetMs: 300, rounds: 4, maxSamples: 400, minSamples: 3, warmupMs: 60, minWarmupCalls: 2, sampleTargetUs: 200 }
    : { budgetMs: 2000, rounds: 16, maxSamples: 4000, minSamples: 5, warmupMs: 250, minWarmupCalls: 3, sampleTargetUs: 200 };
  const info = machine();
  const gcExposed = typeof (globalThis as { gc?: unknown }).gc === 'function';
  await core.init();
  const { tf, wasmFeatures } = await loadTfjs();
  const backends: TfBackend[] = ['cpu', 'wasm'];
  const notes: string[] = [];
  if (!gcExposed) notes.push('run without --expose-gc: no forced GC between blocks, so one contender’s garbage can be collected in another’s block.');

  const cases: Case<unknown>[] = [];
  const add = <O>(c: Case<O>): void => {
    if (args.filter === undefined || c.id.toLowerCase().includes(args.filter.toLowerCase())) cases.push(c as Case<unknown>);
  };

  for (const [rows, cols] of SOFTMAX_SHAPES) {
    const shape: [number, number] = [rows, cols];
    const x = normals(rows * cols, 1000 + rows + cols, 0, 4);
    const expected = ref.softmax(x, rows, cols, T);
    const out = new Float32Array(rows * cols);
    const contenders: Contender<Float32Array>[] = [
      { name: 'tstar', run: () => core.softmax(x, shape, { temperature: T }) },
      { name: 'tstar (out)', run: () => core.softmax(x, shape, { temperature: T, out }) },
      { name: 'plain JS', run: () => softmaxPlain(x, rows, cols, T) },
      ...backends.map((b) => tfSoftmax(tf, b, x, shape, T)),
    ];
    add({ id: `softmax(x/T) ${shapeText(shape)}`, group: 'softmax', shape: shapeText(shape), contenders, check: (y) => maxRelError(y, expected) });
  }

  {
    const [rows, cols] = CE_SHAPE;
    const shape = CE_SHAPE;
    const x = normals(rows * cols, 2001, 0, 4);
    const target = labels(rows, cols, 2002);
    const expected = { loss: ref.crossEntropyLoss(x, rows, cols, target, { temperature: T }).loss, grad: ref.crossEntropyGrad(x, rows, cols, target, { temperature: T }).grad };
    type Out = { loss: number; grad?: Float32Array };
    const contenders: Contender<Out>[] = [];
    if (crossEntropy) contenders.push({ name: 'tstar', run: () => crossEntropy(x, shape, target, { temperature: T, grad: true }) });
    else notes.push('crossEntropy is not exported by @tstar/core yet: its tstar row is skipped.');
    contenders.push({ name: 'plain JS', run: () => crossEntropyPlain(x, rows, cols, target, T) });
    for (const b of backends) {
      contenders.push(
        tfContender(tf, b, () => {
          // As users write it: one-hot labels, mean softmaxCrossEntropy of x / T, valueAndGrad.
          const [value, grad] = tf.tidy(() => {
            const logits = tf.tensor2d(x, shape);
            const oneHot = tf.cast(tf.oneHot(tf.tensor1d(target, 'int32'), cols), 'float32');
            const r = tf.valueAndGrad((z: import('@tensorflow/tfjs').Tensor) => tf.losses.softmaxCrossEntropy(oneHot, tf.div(z, T)))(logits);
            return [r.value, r.grad];
          });
          const loss = value.dataSync()[0];
          const g = grad.dataSync() as Float32Array;
          value.dispose();
          grad.dispose();
          return { loss, grad: g };
        }),
      );
    }
    add({
      id: `crossEntropy fwd+grad ${shapeText(shape)}`,
      group: 'crossEntropy',
      shape: shapeText(shape),
      contenders,
      check: (o) => Math.max(scalarRelError(o.loss, expected.loss), o.grad ? maxRelError(o.grad, expected.grad, SIGNED_FLOOR) : Infinity),
    });
  }

  {
    const [n, m] = BN_SHAPE;
    const shape = BN_SHAPE;
    const x = normals(n * m, 3001, 0.5, 2);
    const stats = {
      mean: uniforms(m, 3002, -1, 1),
      variance: uniforms(m, 3003, 0.5, 4),
      gamma: uniforms(m, 3004, 0.5, 1.5),
      beta: uniforms(m, 3005, -0.5, 0.5),
      epsilon: BN_EPSILON,
    };
    const expected = ref.batchNorm(x, n, m, stats.mean, stats.variance, stats.gamma, stats.beta, stats.epsilon);
    const contenders: Contender<Float32Array>[] = [];
    const out = new Float32Array(n * m);
    if (batchNorm) {
      contenders.push({ name: 'tstar', run: () => batchNorm(x, shape, stats) });
      contenders.push({ name: 'tstar (out)', run: () => batchNorm(x, shape, { ...stats, out }) });
    }
    else notes.push('batchNorm is not exported by @tstar/core yet: its tstar row is skipped.');
    contenders.push({ name: 'plain JS', run: () => batchNormPlain(x, n, m, stats) });
    for (const b of backends) {
      contenders.push(
        tfContender(tf, b, () => {
          // Statistics arrive as Float32Arrays like x, so their tensors are made per call too.
          const y = tf.tidy(() =>
            tf.batchNorm(
              tf.tensor2d(x, shape),
              tf.tensor1d(stats.mean),
              tf.tensor1d(stats.variance),
              tf.tensor1d(stats.beta),
              tf.tensor1d(stats.gamma),
              BN_EPSILON,
            ),
          );
          const data = y.dataSync() as Float32Array;
          y.dispose();
          return data;
        }),
      );
    }
    add({ id: `batchNorm inference ${shapeText(shape)}`, group: 'batchNorm', shape: shapeText(shape), contenders, check: (y) => maxRelError(y, expected, SIGNED_FLOOR) });
  }

  for (const note of notes) console.log(`note: ${note}`);
  const started = performance.now();
  const results: CaseResult[] = [];
  for (const c of cases) {
    const t0 = performance.now();
    const r = await measure(c, options);
    results.push(r);
    const parts = r.contenders.map((x) => (x.failure ? `${x.name} FAILED` : `${x.name} ${x.time!.median.toPrecision(3)} µs`));
    console.error(`${c.id}: ${parts.join(', ')} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  info.loadAverage.end = Number(os.loadavg()[0].toFixed(2));
  const seconds = (performance.now() - started) / 1000;

  const flagged: string[] = [];
  for (const r of results) {
    for (const c of r.contenders) {
      if (c.failure) flagged.push(`${r.id} / ${c.name} failed: ${c.failure}`);
      else if (!(c.maxRelError! <= 1e-4)) flagged.push(`${r.id} / ${c.name}: max relative error ${c.maxRelError} > 1e-4`);
    }
  }

  const require = createRequire(import.meta.url);
  const tstarPackage = await packageJsonOf(require.resolve('@tstar/core'), '@tstar/core');
  const wasmBytes = (await readFile(require.resolve('@tstar/core/tstar.wasm'))).byteLength;
  const header = [
    '# Kernel benchmarks: tstar vs plain JS vs tfjs',
    '',
    `${info.date} · ${info.cpu} (${info.cores} cores) · Node ${info.node} · load average ${info.loadAverage.start} → ${info.loadAverage.end}` +
      ` · tfjs ${tf.version.tfjs} (wasm: SIMD ${wasmFeatures.simd ? 'on' : 'off'}, threads ${wasmFeatures.threads ? 'on' : 'off'})` +
      ` · @tstar/core ${tstarPackage.version} (${wasmBytes} B wasm) · ${args.quick ? 'quick' : 'full'} run, ${seconds.toFixed(0)} s`,
    '',
    `e2e: Float32Array in → Float32Array out, T = ${T}; every time is per call; medians of interleaved blocks (see README).` +
      ' Absolute times move between runs on a shared VM; the ratios within one run are what count.',
    ...notes.map((n) => `\nNote: ${n}`),
    ...flagged.map((f) => `\nWarning: ${f}`),
  ];
  const table = markdown(results, ['tstar', 'tstar (out)'], header);
  console.log('\n' + table);
  for (const f of flagged) console.error(`warning: ${f}`);

  if (args.write) {
    const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');
    await mkdir(dir, { recursive: true });
    const json = {
      suite: 'kernels',
      machine: info,
      versions: { tstarCore: tstarPackage.version, tstarWasmBytes: wasmBytes, tfjs: tf.version.tfjs, tfjsWasm: wasmFeatures },
      run: { quick: args.quick, filter: args.filter ?? null, gcBetweenBlocks: gcExposed, seconds: Number(seconds.toFixed(1)), harness: options },
      units: 'microseconds per call',
      temperature: T,
      notes,
      cases: results.map((r) => ({
        id: r.id,
        group: r.group,
        shape: r.shape,
        contenders: r.contenders.map((c) => {
          const tstar = r.contenders.find((x) => x.name === 'tstar')?.time;
          const tstarOut = r.contenders.find((x) => x.name === 'tstar (out)')?.time?.median;
          const med = c.time?.median;
          const min = c.time?.min;
          return {
            name: c.name,
            ...(c.failure ? { failure: c.failure } : {}),
            medianUs: med,
            minUs: c.time?.min,
            p90Us: c.time?.p90,
            samples: c.time?.samples,
            callsPerSample: c.time?.callsPerSample,
            ratio: med && tstar ? med / tstar.median : null,
            ratioToOut: med && tstarOut ? med / tstarOut : null,
            ratioOfMins: min && tstar ? min / tstar.min : null,
            maxRelError: c.maxRelError ?? null,
          };
        }),
      })),
    };
    await writeFile(path.join(dir, 'kernels.json'), JSON.stringify(json, null, 2) + '\n');
    await writeFile(path.join(dir, 'kernels.md'), table);
    console.error(`wrote ${path.relative(process.cwd(), dir)}/kernels.{json,md}`);
  }
}

// Report failures ourselves: the tfjs wasm module re-throws uncaught errors with its whole source line.
await main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
