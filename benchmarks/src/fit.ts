// Post-hoc temperature fit (issue 3): fitTemperature on 10,000 × 100 logits, target < 50 ms per fit.
// The logits come from a known temperature — z = class scores, labels drawn from softmax(z), logits = 2.5·z —
// so the fit has a real optimum near T = 2.5 (random labels would push T toward infinity). Each run is timed
// end to end (copy into wasm, every Newton evaluation); the median of the runs is reported, and the fitted T
// is checked against a float64 golden-section search first. Usage: npx tsx benchmarks/src/fit.ts [--runs N]
import { mkdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fitTemperature, init, temperatureObjective } from '@tstar/core';
import { normals, rng } from './lib/data.js';
import { machine } from './lib/report.js';

const ROWS = 10_000;
const COLS = 100;
const TRUE_T = 2.5;
const TARGET_MS = 50;
const WARMUP = 3;

function parseRuns(argv: string[]): number {
  const at = argv.indexOf('--runs');
  if (at < 0) return 21;
  const runs = Number(argv[at + 1]);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`fit: --runs needs a positive integer, got ${argv[at + 1]}`);
  return runs;
}

function makeData(): { logits: Float32Array; labels: Int32Array } {
  const z = normals(ROWS * COLS, 11, 0, 1);
  const u = rng(12);
  const labels = new Int32Array(ROWS);
  for (let r = 0; r < ROWS; r++) {
    const row = z.subarray(r * COLS, (r + 1) * COLS);
    // A confident but imperfect classifier: boost one class per row, then sample the label from softmax(z).
    row[Math.floor(u() * COLS)] += 4;
    let m = -Infinity;
    for (const v of row) m = Math.max(m, v);
    let s = 0;
    for (const v of row) s += Math.exp(v - m);
    let pick = u() * s, y = 0;
    for (; y < COLS - 1; y++) {
      pick -= Math.exp(row[y] - m);
      if (pick <= 0) break;
    }
    labels[r] = y;
  }
  const logits = new Float32Array(z.length);
  for (let i = 0; i < z.length; i++) logits[i] = TRUE_T * z[i];
  return { logits, labels };
}

/** Float64 mean NLL at T, for the golden-section check. */
function meanNll(logits: Float32Array, labels: Int32Array, t: number): number {
  let total = 0;
  for (let r = 0; r < ROWS; r++) {
    let m = -Infinity;
    for (let c = 0; c < COLS; c++) m = Math.max(m, logits[r * COLS + c]);
    let s = 0;
    for (let c = 0; c < COLS; c++) s += Math.exp((logits[r * COLS + c] - m) / t);
    total += Math.log(s) - (logits[r * COLS + labels[r]] - m) / t;
  }
  return total / ROWS;
}

function golden(f: (s: number) => number, a: number, b: number): number {
  const k = (Math.sqrt(5) - 1) / 2;
  let c = b - k * (b - a), d = a + k * (b - a), fc = f(c), fd = f(d);
  while (b - a > 1e-9) {
    if (fc < fd) { b = d; d = c; fd = fc; c = b - k * (b - a); fc = f(c); }
    else { a = c; c = d; fc = fd; d = a + k * (b - a); fd = f(d); }
  }
  return (a + b) / 2;
}

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2));
  await init();
  const { logits, labels } = makeData();
  const shape: [number, number] = [ROWS, COLS];

  const reference = Math.exp(golden((s) => meanNll(logits, labels, Math.exp(s)), Math.log(0.1), Math.log(100)));
  const first = fitTemperature(logits, shape, labels);
  const relError = Math.abs(first.temperature - reference) / reference;
  if (!(relError < 1e-4)) throw new Error(`fit: T = ${first.temperature} but float64 golden section gives ${reference}`);

  for (let i = 0; i < WARMUP; i++) fitTemperature(logits, shape, labels);
  const fits: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fitTemperature(logits, shape, labels);
    fits.push(performance.now() - t0);
  }
  const evals: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    temperatureObjective(logits, shape, labels, first.temperature);
    evals.push(performance.now() - t0);
  }
  const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const result = {
    benchmark: 'fitTemperature',
    shape,
    trueTemperature: TRUE_T,
    fit: { ...first, referenceTemperature: reference, relError },
    runs,
    fitMs: { median: median(fits), min: Math.min(...fits), max: Math.max(...fits) },
    objectiveMs: { median: median(evals), min: Math.min(...evals), note: 'one temperatureObjective call, copy into wasm included' },
    targetMs: TARGET_MS,
    pass: median(fits) < TARGET_MS,
    machine: machine(),
  };
  const out = fileURLToPath(new URL('../results/fit.json', import.meta.url));
  await mkdir(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`fitTemperature ${ROWS}×${COLS}: median ${result.fitMs.median.toFixed(1)} ms over ${runs} runs (target < ${TARGET_MS} ms, ${result.pass ? 'pass' : 'FAIL'}); ` +
    `T = ${first.temperature.toFixed(5)} in ${first.iterations} evaluations, golden section ${reference.toFixed(5)}; one objective ${result.objectiveMs.median.toFixed(2)} ms`);
  console.log(`wrote ${out}`);
}

await main();
