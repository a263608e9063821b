// Post-hoc temperature fit (issue 3): fitTemperature on 10,000 × 100 logits, target < 50 ms per fit.
// The logits come from a known temperature — z = class scores, labels drawn from softmax(z), logits = 2.5·z —
// so the fit has a real optimum near T = 2.5 (random labels would push T toward infinity). Each run is timed
// end to end (copy into wasm, every Newton evaluation); the median of the runs is reported, and the fitted T
// is checked against a float64 golden-section search first. Usage: npx tsx benchmarks/src/fit.ts [--runs N]
import { mkdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fitTemperature, init, temperatureObjective } from '@tstar/core';
import { fitTemperatureGolden } from './lib/float64.js';
import { calibratedLogits, TRUE_T } from './suite/inputs.js';
import { machine } from './lib/report.js';

const ROWS = 10_000;
const COLS = 100;
const TARGET_MS = 50;
const WARMUP = 3;

function parseRuns(argv: string[]): number {
  const at = argv.indexOf('--runs');
  if (at < 0) return 21;
  const runs = Number(argv[at + 1]);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`fit: --runs needs a positive integer, got ${argv[at + 1]}`);
  return runs;
}

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2));
  await init();
  const { x: logits, labels } = calibratedLogits(ROWS, COLS, 11);
  const shape: [number, number] = [ROWS, COLS];

  const reference = fitTemperatureGolden(logits, ROWS, COLS, labels, 1e-9, 0.1, 100);
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
    temperatureObjective(logits, shape, labels, { temperature: first.temperature });
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
    `T = ${first.temperature.toFixed(5)} in ${first.evaluations} evaluations, golden section ${reference.toFixed(5)}; one objective ${result.objectiveMs.median.toFixed(2)} ms`);
  console.log(`wrote ${out}`);
}

await main();
