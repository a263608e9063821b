// Calibration metrics and fits (issue 20) on 10⁶ × 100 logits: one thread (the core's functions) against the
// @tstar/node worker pool (shards measured or evaluated in the workers, their additive sums merged here). The
// logits come from a known miscalibration — scores z with labels drawn from softmax(z), logits = 2.5·z — so
// every fit has a real optimum. Each case runs end to end (copies into wasm included); the median of the runs is
// reported, and each pool result is checked against the single-thread one first.
// Usage: npm run bench:calibration -w @tstar/benchmarks [-- --rows N --runs N --workers N]
import { mkdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  init, calibrationMetrics, calibrationSums, mergeCalibrationSums, calibrationFromSums, fitTemperature, fitVectorScaling,
  fitVectorScalingWithAsync, mergeVectorScalingObjectives, fitPlatt, fitPlattWithAsync, mergePlattObjectives,
  type CalibrationSums, type CalibrationOptions, type VectorScalingObjective, type PlattObjective,
} from '@tstar/core';
import { createPool, splitRows, toShared, type Pool } from '@tstar/node';
import { normals, rng } from './lib/data.js';
import { formatTime, machine } from './lib/report.js';

const COLS = 100;
const TRUE_T = 2.5;

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const v = Number(process.argv[at + 1]);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`calibration: --${name} needs a positive integer, got ${process.argv[at + 1]}`);
  return v;
}

function makeData(rows: number): { logits: Float32Array; labels: Int32Array; binary: Float32Array; binaryLabels: Int32Array } {
  const logits = normals(rows * COLS, 21, 0, 1);
  const u = rng(22);
  const labels = new Int32Array(rows);
  const e = new Float64Array(COLS);
  for (let r = 0; r < rows; r++) {
    const row = logits.subarray(r * COLS, (r + 1) * COLS);
    row[Math.floor(u() * COLS)] += 4;
    let m = -Infinity;
    for (const v of row) m = Math.max(m, v);
    let s = 0;
    for (let c = 0; c < COLS; c++) s += (e[c] = Math.exp(row[c] - m));
    let pick = u() * s, y = 0;
    for (; y < COLS - 1 && (pick -= e[y]) > 0; y++);
    labels[r] = y;
    for (let c = 0; c < COLS; c++) row[c] *= TRUE_T;
  }
  // A binary head from the same rows: "is the label class 0…49", its logit the scaled score difference.
  const binary = new Float32Array(rows), binaryLabels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let a = -Infinity, b = -Infinity;
    for (let c = 0; c < COLS; c++) {
      if (c < COLS / 2) a = Math.max(a, logits[r * COLS + c]);
      else b = Math.max(b, logits[r * COLS + c]);
    }
    binary[r] = a - b;
    binaryLabels[r] = labels[r] < COLS / 2 ? 1 : 0;
  }
  return { logits, labels, binary, binaryLabels };
}

interface Timing {
  median: number;
  min: number;
  runs: number[];
}

async function time(runs: number, fn: () => unknown): Promise<{ t: Timing; last: unknown }> {
  let last: unknown;
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = await fn();
    runsMs.push(performance.now() - t0);
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  return { t: { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], runs: runsMs }, last };
}

function close(name: string, a: number, b: number, rel: number): void {
  if (!(Math.abs(a - b) <= rel * Math.abs(b) + 1e-12)) throw new Error(`calibration: ${name}: pool ${a} vs single thread ${b}`);
}

async function main(): Promise<void> {
  const rows = arg('rows', 1_000_000), runs = arg('runs', 3);
  await init();
  const started = machine();
  const t0 = performance.now();
  const { logits, labels, binary, binaryLabels } = makeData(rows);
  console.log(`data: ${rows} × ${COLS} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const shape = [rows, COLS] as const;
  const pool: Pool = await createPool({ workers: arg('workers', 2) });
  const x = toShared(logits), y = toShared(labels), z = toShared(binary), zy = toShared(binaryLabels);
  // Two shards per worker keep both busy when one finishes early.
  const shards = splitRows(rows, pool.size * 2).map(([a, b]) => ({
    x: x.subarray(a * COLS, b * COLS), y: y.subarray(a, b), z: z.subarray(a, b), zy: zy.subarray(a, b), shape: [b - a, COLS], binShape: [b - a, 1],
  }));
  const sums = async (o: CalibrationOptions) =>
    mergeCalibrationSums(await pool.map<CalibrationSums>('calibrationSums', shards.map((s) => [s.x, s.shape, s.y, o])));

  const cases: { id: string; what: string; single: () => unknown; pooled: () => Promise<unknown>; check: (a: unknown, b: unknown) => void }[] = [
    {
      id: 'metrics',
      what: 'accuracy, NLL, Brier, ECE/MCE/RMS/ACE (15 equal-width bins)',
      single: () => calibrationMetrics(logits, shape, labels),
      pooled: async () => calibrationFromSums(await sums({})),
      check: (a, b) => close('ece', (a as { ece: number }).ece, (b as { ece: number }).ece, 1e-12),
    },
    {
      id: 'metrics-classwise',
      what: '+ classwise ECE and the Brier decomposition (every class binned)',
      single: () => calibrationMetrics(logits, shape, labels, { classwise: true }),
      pooled: async () => calibrationFromSums(await sums({ classwise: true })),
      check: (a, b) => close('classwise ECE', (a as { classwise: { ece: number } }).classwise.ece, (b as { classwise: { ece: number } }).classwise.ece, 1e-9),
    },
    {
      id: 'metrics-rows',
      what: 'equal-mass bins, 200-replicate bootstrap + 200 calibrated simulations, selective prediction (per-row work on the main thread)',
      single: () => calibrationMetrics(logits, shape, labels, { binning: 'equal-mass', bootstrap: 200, selective: true }),
      pooled: async () => calibrationFromSums(await sums({ perRow: true }), { binning: 'equal-mass', bootstrap: 200, selective: true }),
      check: (a, b) => close('bootstrap high', (a as { bootstrap: { high: number } }).bootstrap.high, (b as { bootstrap: { high: number } }).bootstrap.high, 1e-12),
    },
    {
      id: 'fit-temperature',
      what: 'fitTemperature (Newton on ln T)',
      single: () => fitTemperature(logits, shape, labels),
      pooled: () => pool.fitTemperature(x, shape, y),
      check: (a, b) => close('T', (a as { temperature: number }).temperature, (b as { temperature: number }).temperature, 1e-6),
    },
    {
      id: 'fit-vector',
      what: 'fitVectorScaling (L-BFGS, 200 parameters, started at the fitted T)',
      single: () => fitVectorScaling(logits, shape, labels),
      pooled: async () => {
        const t = await pool.fitTemperature(x, shape, y);
        return fitVectorScalingWithAsync(
          async (p) => mergeVectorScalingObjectives(await pool.map<VectorScalingObjective>('vectorScalingObjective', shards.map((s) => [s.x, s.shape, s.y, p]))),
          COLS, { initial: { scale: new Array(COLS).fill(1 / t.temperature), bias: new Array(COLS).fill(0) } });
      },
      check: (a, b) => close('vector NLL', (a as { nllAfter: number }).nllAfter, (b as { nllAfter: number }).nllAfter, 1e-5),
    },
    {
      id: 'fit-platt',
      what: 'fitPlatt on a 10⁶ × 1 binary head (Newton on scale and bias)',
      single: () => fitPlatt(binary, [rows, 1], binaryLabels),
      pooled: () => fitPlattWithAsync(async (p) => mergePlattObjectives(await pool.map<PlattObjective>('plattObjective', shards.map((s) => [s.z, s.binShape, s.zy, p])))),
      check: (a, b) => close('Platt scale', (a as { scale: number }).scale, (b as { scale: number }).scale, 1e-7),
    },
  ];

  // Warm-up on a slice: V8 runs a wasm function's first calls in its baseline tier and has no on-stack
  // replacement, so a single 10⁸-element call would be timed in the slow tier.
  const small = Math.min(rows, 5000);
  const warm = splitRows(small, pool.size * 2).map(([a, b]) => ({ x: x.subarray(a * COLS, b * COLS), y: y.subarray(a, b), z: z.subarray(a, b), zy: zy.subarray(a, b), shape: [b - a, COLS], binShape: [b - a, 1] }));
  for (let i = 0; i < 3; i++) {
    calibrationMetrics(logits.subarray(0, small * COLS), [small, COLS], labels.subarray(0, small), { classwise: true, binning: 'equal-mass', bootstrap: 20, selective: true });
    fitVectorScaling(logits.subarray(0, small * COLS), [small, COLS], labels.subarray(0, small), { maxEvaluations: 20 });
    fitPlatt(binary.subarray(0, small), [small, 1], binaryLabels.subarray(0, small));
    await pool.map('calibrationSums', warm.map((s) => [s.x, s.shape, s.y, { classwise: true, perRow: true }]));
    await pool.map('vectorScalingObjective', warm.map((s) => [s.x, s.shape, s.y, { scale: new Array(COLS).fill(1), bias: new Array(COLS).fill(0) }]));
    await pool.map('plattObjective', warm.map((s) => [s.z, s.binShape, s.zy, { scale: 1, bias: 0 }]));
    await pool.temperatureObjective(x.subarray(0, small * COLS), [small, COLS], y.subarray(0, small), { temperature: 2 });
  }

  const results = [];
  for (const c of cases) {
    const single = await time(runs, c.single);
    const pooled = await time(runs, c.pooled);
    c.check(pooled.last, single.last);
    const speedup = single.t.median / pooled.t.median;
    const evaluations = (single.last as { evaluations?: number }).evaluations;
    results.push({ id: c.id, what: c.what, singleMs: single.t, poolMs: pooled.t, speedup, evaluations });
    console.log(`${c.id.padEnd(18)} single ${formatTime(single.t.median * 1000).padStart(8)}  pool(${pool.size}) ${formatTime(pooled.t.median * 1000).padStart(8)}  ×${speedup.toFixed(2)}${evaluations ? `  (${evaluations} evaluations)` : ''}`);
  }
  await pool.close();
  const run = { ...started, loadAverage: { start: started.loadAverage.start, end: Number((await import('node:os')).loadavg()[0].toFixed(2)) } };
  const result = { benchmark: 'calibration', shape: [rows, COLS], trueTemperature: TRUE_T, workers: pool.size, runs, results, machine: run, command: 'npm run bench:calibration -w @tstar/benchmarks' };
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}calibration.json`, `${JSON.stringify(result, null, 2)}\n`);
  const md = [
    `# Calibration metrics and fits, ${rows.toLocaleString('en')} × ${COLS} logits`,
    '',
    `Single thread (the core's functions) against the @tstar/node pool with ${pool.size} workers (shards' additive sums merged).`,
    `Median of ${runs} end-to-end runs. ${run.cpu}, ${run.cores} cores, load average ${run.loadAverage.start} → ${run.loadAverage.end}, Node ${run.node}, ${run.date}.`,
    `Reproduce: \`${result.command}\`.`,
    '',
    '| case | what | single thread | pool | speed-up |',
    '|---|---|---:|---:|---:|',
    ...results.map((r) => `| ${r.id} | ${r.what} | ${formatTime(r.singleMs.median * 1000)} | ${formatTime(r.poolMs.median * 1000)} | ${r.speedup.toFixed(2)}× |`),
    '',
  ].join('\n');
  await writeFile(`${dir}calibration.md`, md);
  console.log(`wrote ${dir}calibration.json and calibration.md`);
}

await main();
