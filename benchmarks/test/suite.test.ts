// Smoke test of the benchmark suite (CI): the quick cases run in Node with every contender, each output
// checked against float64; Bun and Deno run one case through their host. No time is asserted anywhere.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as core from '@tstar/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProcessEnv, BENCH } from '../src/hosts/process-env.js';
import { runProcess } from '../src/lib/processes.js';
import { runtimeChart } from '../src/report/charts.js';
import { markdown } from '../src/report/markdown.js';
import { evaluateTargets } from '../src/report/targets.js';
import type { RuntimeRun, SuiteReport } from '../src/report/types.js';
import { RUNTIMES } from '../src/runtimes.js';
import { contenderKinds } from '../src/estimate.js';
import { fullCases, quickCases, selectCases, TEMPERATURE, type CaseSpec } from '../src/suite/cases.js';
import { buildCase, ERROR_FLAG } from '../src/suite/inputs.js';
import { measure, QUICK, SMOKE, type Target } from '../src/suite/measure.js';
import { runCases, STREAM, type CaseResult } from '../src/suite/runner.js';

/** @tstar/tfjs's layer (softmax) and loss (cross-entropy) on the backends where it runs the core. */
const TSTAR_TFJS = ['@tstar/tfjs (tfjs cpu)', '@tstar/tfjs (tfjs wasm)'];

/**
 * Contenders every op must have in Node: onnxruntime has no training ops, only tstar and plain JS compute
 * the statistics ops, @tstar/tfjs's rows run on softmax and cross-entropy, and @tstar/ort's on softmax.
 */
const EXPECTED: Record<CaseSpec['op'], string[]> = {
  softmax: [
    'tstar', 'tstar (out)', 'tstar resident', 'plain JS', 'tfjs cpu', 'tfjs wasm', 'ORT-web wasm', 'ORT-node', ...TSTAR_TFJS,
    '@tstar/ort post (ORT-web wasm)', '@tstar/ort graph (ORT-web wasm)', '@tstar/ort post (ORT-node)', '@tstar/ort graph (ORT-node)', STREAM,
  ],
  logSoftmax: ['tstar', 'tstar (out)', 'plain JS', 'tfjs cpu', 'tfjs wasm', 'ORT-web wasm', 'ORT-node', STREAM],
  crossEntropy: ['tstar', 'plain JS', 'tfjs cpu', 'tfjs wasm', 'ORT-web wasm', 'ORT-node', ...TSTAR_TFJS, STREAM],
  crossEntropyGrad: ['tstar', 'tstar (out)', 'plain JS', 'tfjs cpu', 'tfjs wasm', ...TSTAR_TFJS, STREAM],
  batchNorm: ['tstar', 'tstar (out)', 'plain JS', 'tfjs cpu', 'tfjs wasm', 'ORT-web wasm', 'ORT-node', STREAM],
  batchNormTrain: ['tstar', 'tstar (out)', 'plain JS', 'tfjs cpu', 'tfjs wasm', STREAM],
  fitTemperature: ['tstar', 'plain JS', STREAM],
  calibrationMetrics: ['tstar', 'plain JS', STREAM],
  csg: ['tstar', 'plain JS'],
};

/** Every contender ran, was checked (the stream row computes nothing, so it has no error) and was timed. */
function expectChecked(results: CaseResult[], expected: (op: CaseSpec['op']) => string[]): void {
  for (const r of results) {
    expect(r.contenders.map((c) => c.name), r.id).toEqual(expected(r.op));
    for (const c of r.contenders) {
      expect(c.failure, `${r.id} / ${c.name}`).toBeUndefined();
      expect(c.medianUs, `${r.id} / ${c.name}`).toBeGreaterThan(0);
      expect(c.samples, `${r.id} / ${c.name}`).toBeGreaterThanOrEqual(1);
      if (c.family === 'limit') expect(c.maxError).toBeNull();
      else expect(c.maxError, `${r.id} / ${c.name}: error against float64`).toBeLessThanOrEqual(ERROR_FLAG);
    }
  }
}

describe('the case table', () => {
  it('has unique ids, covers every op in both modes and keeps the grid within 8…1024 rows × 10…32,000 cols (128k for softmax)', () => {
    for (const cases of [fullCases(), quickCases()]) {
      expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
      expect(new Set(cases.map((c) => c.op))).toEqual(new Set(Object.keys(EXPECTED)));
    }
    for (const c of fullCases().filter((c) => c.series === 'grid' && c.op !== 'csg' && c.op !== 'fitTemperature' && c.op !== 'calibrationMetrics')) {
      expect(c.rows).toBeGreaterThanOrEqual(8);
      expect(c.rows).toBeLessThanOrEqual(1024);
      expect(c.cols).toBeLessThanOrEqual(c.op === 'softmax' || c.op === 'logSoftmax' ? 128_000 : 32_000);
    }
    expect(fullCases().filter((c) => c.series === 'sweep').map((c) => c.cols)).toContain(1_000_000);
  });

  it('selects cases by any of several comma-separated texts', () => {
    expect(selectCases(false, 'softmax [8×10],BATCHNORM [256').map((c) => c.id)).toEqual(['softmax [8×10]', 'logSoftmax [8×10]', 'batchNorm [256×2048]']);
    expect(selectCases(true, ' , ')).toEqual(quickCases());
  });
});

describe('the float64 checks', () => {
  const spec = (op: CaseSpec['op']): CaseSpec => quickCases().find((c) => c.op === op)!;

  it('flag a softmax with one entry off by 1e-3 relative, and a NaN as Infinity', () => {
    const built = buildCase(spec('softmax'));
    const { x, rows, cols, temperature } = built.input as { x: Float32Array; rows: number; cols: number; temperature: number };
    const y = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      let m = -Infinity, s = 0;
      for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
      for (let c = 0; c < cols; c++) s += Math.exp((x[r * cols + c] - m) / temperature);
      for (let c = 0; c < cols; c++) y[r * cols + c] = Math.exp((x[r * cols + c] - m) / temperature) / s;
    }
    expect(built.check(y as never)).toBeLessThan(1e-6);
    const off = y.slice();
    off[7] *= 1.001;
    expect(built.check(off as never)).toBeGreaterThan(9e-4);
    off[7] = Number.NaN;
    expect(built.check(off as never)).toBe(Infinity);
    expect(built.check(y.subarray(1) as never)).toBe(Infinity);
  });

  it('pass the core\'s fitted temperature and CSG, and flag either nudged by 1e-3 relative', async () => {
    await core.init();
    const fit = buildCase(spec('fitTemperature'));
    const f = fit.input as { x: Float32Array; rows: number; cols: number; labels: Int32Array };
    const t = core.fitTemperature(f.x, [f.rows, f.cols], f.labels).temperature;
    expect(fit.check(t as never)).toBeLessThan(1e-5);
    expect(fit.check((t * 1.001) as never)).toBeGreaterThan(9e-4);
    const csg = buildCase(spec('csg'));
    const c = csg.input as { x: Float32Array; rows: number; cols: number; labels: Int32Array; classes: number; k: number };
    const v = core.cumulativeSpectralGradient(c.x, [c.rows, c.cols], c.labels, { k: c.k, samplesPerClass: c.rows, embedding: 'none', numClasses: c.classes }).csg;
    expect(v).toBeGreaterThan(0.05);
    expect(csg.check(v as never)).toBeLessThan(1e-9);
    expect(csg.check((v * 1.001) as never)).toBeGreaterThan(9e-4);
  });
});

describe('the targets', () => {
  it('judge every requirement benchmarks/README.md sets, each row quoting it', async () => {
    const readme = await readFile(path.join(BENCH, 'README.md'), 'utf8');
    const section = /## Targets\n([\s\S]*?)\n## /.exec(readme)![1].replace(/\s+/g, ' ');
    const requirements = [...section.matchAll(/[≥≤] [\d.]+ ?(?:×|ns|KiB|ms)[^,;.]*/g)].map((m) => m[0].trim());
    expect(requirements.length).toBeGreaterThanOrEqual(12);
    const rows = evaluateTargets([], [], []);
    for (const r of rows) expect(section, r.target).toContain(r.readme);
    for (const q of requirements) expect(rows.map((r) => r.readme), q).toContain(q);
    // Nothing ran: nothing is judged met or missed.
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['not measured']));
  });
});

describe('measure', () => {
  const target = (name: string, check: () => number | null, work: () => void): Target => ({
    name,
    check: async () => check(),
    time: async (calls) => {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) work();
      return performance.now() - t0;
    },
  });

  it('reports a target whose check throws as failed and never times it, and times the others', async () => {
    let sum = 0;
    const results = await measure([
      target('ok', () => 0, () => void (sum += Math.sqrt(sum + 1))),
      target('broken', () => { throw new Error('wrong shape'); }, () => {}),
    ], { ...QUICK, budgetMs: 4, rounds: 2 });
    expect(results[0].failure).toBeUndefined();
    expect(results[0].maxError).toBe(0);
    expect(results[0].time!.samples).toBeGreaterThanOrEqual(QUICK.minSamples);
    expect(results[0].time!.callsPerSample).toBeGreaterThanOrEqual(1);
    expect(results[1].failure).toBe('wrong shape');
    expect(results[1].time).toBeUndefined();
  });
});

describe('the suite in Node', () => {
  let results: CaseResult[];
  beforeAll(async () => {
    const env = await loadProcessEnv();
    expect(env.notes.filter((n) => !n.startsWith('no GC hook'))).toEqual([]);
    results = await runCases(env, quickCases(), SMOKE);
  });

  it('runs every quick case with every contender, each output within 1e-4 of float64', () => {
    expect(results.map((r) => r.id)).toEqual(quickCases().map((c) => c.id));
    expectChecked(results, (op) => EXPECTED[op]);
  });

  it('has the duration estimate count the contenders that really ran', () => {
    for (const r of results) expect(contenderKinds('node', r.op, r.rows * r.cols).length, r.id).toBe(r.contenders.length);
  });

  it('turns the results into a report with ratios, targets and a chart', () => {
    const run: RuntimeRun = { id: 'node', versions: { runtime: 'Node' }, notes: [], timing: 'smoke', loadAverage: { before: 0, after: 0 }, seconds: 1, cases: results };
    const report: SuiteReport = {
      suite: 'kernels', date: 'now', mode: 'quick', filter: null, command: 'test', seconds: 1,
      machine: { cpu: 'cpu', cores: 2, memoryGiB: 1, platform: 'test', loadAverage: { start: 0, end: 0 } },
      temperature: TEMPERATURE, units: 'µs', measure: { inProcess: SMOKE, workerd: SMOKE }, runtimes: [run], coldStart: [], bytes: [],
      targets: evaluateTargets([run], [], []),
    };
    const md = markdown(report);
    for (const r of results) expect(md).toContain(`| ${r.id} |`);
    expect(md).toMatch(/\| Node \| .*×/);
    const svg = runtimeChart(run, TEMPERATURE);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const name of EXPECTED.softmax) expect(svg).toContain(`>${name}</text>`);
  });
});

describe.each(['bun', 'deno'] as const)('the suite in %s', (runtime) => {
  it('runs the softmax cases through its host with every output checked', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tstar-bench-test-'));
    try {
      const out = path.join(dir, 'out.json');
      await runProcess(RUNTIMES[runtime].command, [...RUNTIMES[runtime].suiteArgs, path.join(BENCH, 'src/hosts/process.ts'), '--smoke', '--filter', 'softmax [1×', '--out', out], { cwd: BENCH, timeoutMs: 110_000 });
      const r = JSON.parse(await readFile(out, 'utf8')) as { runtime: string; cases: CaseResult[] };
      expect(r.runtime).toBe(runtime);
      expect(r.cases.map((c) => c.id)).toEqual(['softmax [1×1000]']);
      expectChecked(r.cases, () => EXPECTED.softmax.filter((n) => !n.includes('ORT-node')));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
