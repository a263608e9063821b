import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTemperature } from '@tstar/core';
import { afterAll, describe, expect, it } from 'vitest';
import { runJob, runJobs, type Job } from '../lib/jobs.js';
import { tinyPlan } from '../lib/plan.js';
import { study, writeStudy } from '../study.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tstar-study-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the paper study (tiny plan, in process)', () => {
  it('writes the report, the data and the chart, with sane numbers', async () => {
    const plan = tinyPlan();
    const result = await study(plan, 0);
    const files = writeStudy(result, dir, 'paper', 'npm run study:tiny');

    const expectedCells = plan.sweeps.reduce((n, sw) => n + sw.widths.length * sw.batchNorm.length, 0);
    expect(result.cells.length).toBe(expectedCells);
    for (const c of result.cells) {
      // T̂* is the published rule with tstar's floor of 1, computed here in float64.
      expect(c.tHat).toBeCloseTo(Math.max(1, 0.7239 * Math.sqrt(c.featureDim) - 4.706), 12);
      expect(c.tHat).toBe(resolveTemperature('auto', { featureDim: c.featureDim }).temperature);
      for (const s of c.temperatures) {
        for (const v of [s.validationAccuracy, s.testAccuracy, s.trainAccuracy]) expect(v.mean >= 0 && v.mean <= 1).toBe(true);
        expect(Number.isFinite(s.testNll.mean) && s.testNll.mean > 0).toBe(true);
      }
      const temps = c.temperatures.map((s) => s.temperature);
      expect(temps).toContain(c.best.grid);
      expect(c.best.flat[0] <= c.best.grid && c.best.grid <= c.best.flat[1]).toBe(true);
      expect(c.hatVsOne.win + c.hatVsOne.tie + c.hatVsOne.loss).toBe(c.seeds);
      // Pairing: at M = 32 T̂* is clipped to 1, so "T̂*" and "T = 1" are the same copy, seed by seed.
      if (c.tHat === 1) {
        expect(c.hatVsOne).toEqual({ win: 0, tie: c.seeds, loss: 0 });
        expect(c.atHat.testAccuracy).toEqual(c.atOne.testAccuracy);
      }
    }
    for (const f of result.fits) expect(f.coefficients !== undefined || typeof f.refused === 'string').toBe(true);
    const pooled = result.fits.find((f) => f.label === 'all cells, BN on')!;
    expect(Number.isFinite(pooled.coefficients!.alpha) && Number.isFinite(pooled.coefficients!.beta)).toBe(true);

    const md = readFileSync(files.markdown, 'utf8');
    expect(md).toContain('## The table');
    expect(md).toContain('## What this says about the paper');
    expect(md).toContain('paper-temperature.svg');
    for (const c of result.cells) expect(md).toMatch(new RegExp(`\\| ${c.featureDim} \\| ${c.batchNorm ? 'on' : 'off'} \\|`));
    const svg = readFileSync(files.svg, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('published 0.7239·√M − 4.706');
    expect(svg).toContain('√M (M = width of the features entering the output layer)');
    expect(svg.match(/<circle cx=/g)!.length).toBeGreaterThanOrEqual(result.cells.filter((c) => c.group === 'main').length);
    const json = JSON.parse(readFileSync(files.json, 'utf8'));
    expect(json.cells.length).toBe(expectedCells);
  }, 300_000);

  it('a job gives the same numbers in this process, again, and in a worker process', async () => {
    const job: Job = {
      id: 0, seed: 3, temperatures: [0.5, 2],
      task: { kind: 'mixture', classes: 3, separation: 2, trainPerClass: 8, evalPerClass: 4, dim: 3, blobsPerClass: 1 },
      arch: { inputDim: 3, hidden: 4, featureDim: 16, classes: 3, batchNorm: true },
      train: { epochs: 2, batchSize: 8, learningRate: 0.01 },
    };
    const strip = ({ trainMs, evalMs, cpuMs, ...rest }: Awaited<ReturnType<typeof runJob>>) => rest;
    const a = strip(await runJob(job)), b = strip(await runJob(job));
    expect(b).toEqual(a);
    const other = strip(await runJob({ ...job, seed: 4 }));
    expect(other).not.toEqual(a);
    const fromWorker: unknown[] = [];
    await runJobs([job], 1, () => 1, (_, result) => fromWorker.push(strip(result)));
    expect(fromWorker).toEqual([a]);
  }, 300_000);
});
