import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { cumulativeSpectralGradient, resolveTemperature, type CsgOptions } from '@tstar/core';
import { bestTemperature, pairedWins, spearman, stat, summarise, tryFit, type BestTemperature, type Stat, type TemperatureRuns, type TemperatureSummary, type Wins } from './analysis.js';
import { jobCost, runJobs, taskOf, type Job } from './jobs.js';
import type { GroupResult } from './mlp.js';
import type { StudyPlan, Sweep } from './plan.js';
import { MEMORISING, NOT_MEMORISING } from './report.js';

/** What is known of a task before training. */
export interface TaskInfo {
  name: string;
  description: string;
  classes: number;
  inputDim: number;
  rows: { train: number; validation: number; test: number };
  /** The core's CSG of the training inputs, with the options it ran with. */
  csg: number;
  csgOptions: Required<Pick<CsgOptions, 'k' | 'samplesPerClass' | 'seed' | 'runCount'>> & { embedding: string; embeddingDim: number };
}

/** One (sweep, M, BN) cell of the study after both passes. */
export interface CellResult {
  sweep: string;
  group: Sweep['group'];
  featureDim: number;
  batchNorm: boolean;
  classes: number;
  csg: number;
  /** T̂*(M) from the core's resolveTemperature('auto', …): the published α, β; the CSG and class terms are 0 (their coefficients are not published). */
  tHat: number;
  tHatClipped: boolean;
  temperatures: TemperatureSummary[];
  best: BestTemperature;
  /** Test scores at T = 1, at T̂*, and at the grid best (chosen on validation). */
  atOne: TemperatureSummary;
  atHat: TemperatureSummary;
  atBest: TemperatureSummary;
  /** Paired test-accuracy wins over T = 1, seed by seed. */
  hatVsOne: Wins;
  bestVsOne: Wins;
  /** 'memorises' when the grid-best model's mean training accuracy is ≥ 0.99. */
  regime: 'memorises' | 'does not memorise';
  seeds: number;
}

/** A fit of T* = α·√M + β (+ γ·ln CSG + δ·ln CN) to the cells' smoothed best temperatures. */
export interface FitSummary {
  label: string;
  rows: number;
  coefficients?: { alpha: number; beta: number; gamma: number; delta: number };
  r2?: number;
  refused?: string;
}

export interface StudyResult {
  plan: StudyPlan;
  tasks: Record<string, TaskInfo>;
  cells: CellResult[];
  fits: FitSummary[];
  /** Per sweep and BN setting: Spearman ρ between M and the smoothed best T. */
  trends: Array<{ sweep: string; batchNorm: boolean; rho: number }>;
  timing: {
    wallSeconds: number;
    cpuSeconds: number;
    jobs: number;
    /** Jobs whose results came from the run cache (their CPU time is the original run's). */
    cachedJobs: number;
    copies: number;
    /** CPU ms per 10⁹ multiply-adds of training, over all jobs: the unit the README extrapolates with. */
    cpuMsPerGigaMac: number;
    workers: number;
    loadBefore: number[];
    loadAfter: number[];
    cpus: string;
    node: string;
    started: string;
  };
}

/**
 * Finished trainings as JSON lines keyed by everything a result depends on (task, architecture, temperatures,
 * seed, training options), so an interrupted or re-analysed run retrains nothing it already has.
 */
class JobCache {
  private readonly results = new Map<string, GroupResult>();

  constructor(private readonly file?: string) {
    if (!file || !existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      const { key, result } = JSON.parse(line) as { key: string; result: GroupResult };
      this.results.set(key, result);
    }
  }

  private key(job: Job): string {
    return JSON.stringify({ task: job.task, arch: job.arch, temperatures: job.temperatures, seed: job.seed, train: job.train });
  }

  get(job: Job): GroupResult | undefined {
    return this.results.get(this.key(job));
  }

  put(job: Job, result: GroupResult): void {
    if (!this.file) return;
    const key = this.key(job);
    this.results.set(key, result);
    appendFileSync(this.file, JSON.stringify({ key, result }) + '\n');
  }
}

const CSG_OPTIONS = { k: 3, samplesPerClass: 100, seed: 1, runCount: 3 } as const;

const near = (a: number, b: number): boolean => Math.abs(Math.log(a / b)) < 0.02;

function addTemperature(list: number[], t: number): void {
  if (!list.some((u) => near(u, t))) list.push(Number(t.toPrecision(6)));
}

/** Runs the plan: tasks and CSG, a first pass over the grid + T̂*, a second pass around each cell's best, analysis. */
export async function runStudy(plan: StudyPlan, options: { workers: number; log?: (line: string) => void; cache?: string }): Promise<StudyResult> {
  const log = options.log ?? (() => {});
  const started = new Date();
  const loadBefore = os.loadavg();
  const t0 = performance.now();

  const tasks: Record<string, TaskInfo> = {};
  for (const sweep of plan.sweeps) {
    const task = await taskOf(sweep.task);
    if (tasks[sweep.label]) throw new Error(`two sweeps are labelled ${sweep.label}`);
    const csg = cumulativeSpectralGradient(task.train.x, [task.train.rows, task.train.cols], task.train.y, { ...CSG_OPTIONS, numClasses: task.classes });
    tasks[sweep.label] = {
      name: task.name, description: task.description, classes: task.classes, inputDim: task.inputDim,
      rows: { train: task.train.rows, validation: task.validation.rows, test: task.test.rows },
      csg: csg.csg, csgOptions: { ...CSG_OPTIONS, embedding: csg.embedding, embeddingDim: csg.embeddingDim },
    };
    log(`task ${sweep.label}: ${task.description}; CSG ${csg.csg.toFixed(3)}`);
  }

  type CellKey = string;
  const cellKey = (sweep: Sweep, M: number, bn: boolean): CellKey => `${sweep.label}|${M}|${bn}`;
  const runs = new Map<CellKey, Map<number, Map<number, GroupResult>>>(); // cell → T → seed → result of that T's copy
  const meta = new Map<CellKey, { sweep: Sweep; M: number; bn: boolean; tHat: number; clipped: boolean }>();
  let nextId = 0, cpuMs = 0, gigaMacs = 0, copies = 0, jobsRun = 0, cachedJobs = 0;

  const jobsFor = (sweep: Sweep, M: number, bn: boolean, temperatures: number[]): Job[] => {
    const info = tasks[sweep.label];
    return Array.from({ length: sweep.seeds }, (_, seed) => ({
      id: nextId++, task: sweep.task, seed: seed + 1, temperatures, train: sweep.train,
      arch: { inputDim: info.inputDim, hidden: sweep.hidden, featureDim: M, classes: info.classes, batchNorm: bn },
    }));
  };
  const sweepOf = new Map<number, Sweep>();
  const cache = new JobCache(options.cache);
  const execute = async (jobs: Job[], pass: string): Promise<void> => {
    const rowsOf = (job: Job) => tasks[sweepOf.get(job.id)!.label].rows.train;
    const cached = jobs.filter((j) => cache.get(j));
    if (cached.length > 0) log(`${pass}: ${cached.length} of ${jobs.length} trainings read from ${options.cache}`);
    const todo = jobs.filter((j) => !cache.get(j));
    const total = todo.reduce((a, j) => a + jobCost(j, rowsOf(j)), 0);
    let done = 0, last = performance.now();
    const record = (job: Job, result: GroupResult): void => {
      const sweep = sweepOf.get(job.id)!;
      const cell = runs.get(cellKey(sweep, job.arch.featureDim, job.arch.batchNorm))!;
      result.temperatures.forEach((t, g) => {
        if (!cell.has(t)) cell.set(t, new Map());
        cell.get(t)!.set(job.seed, { ...result, temperatures: [t], train: [result.train[g]], validation: [result.validation[g]], test: [result.test[g]] });
      });
      cpuMs += result.cpuMs;
      gigaMacs += jobCost(job, rowsOf(job)) / 1e9;
      copies += job.temperatures.length;
      jobsRun++;
    };
    for (const job of cached) record(job, cache.get(job)!);
    cachedJobs += cached.length;
    await runJobs(todo, options.workers, (j) => jobCost(j, rowsOf(j)), (job, result) => {
      cache.put(job, result);
      record(job, result);
      done += jobCost(job, rowsOf(job));
      if (performance.now() - last > 10_000 || done === total) {
        last = performance.now();
        log(`${pass}: ${(100 * done / total).toFixed(0)} % of the work, ${((performance.now() - t0) / 1000).toFixed(0)} s elapsed`);
      }
    });
  };

  // Pass 1: the grid and T̂*(M).
  const first: Job[] = [];
  for (const sweep of plan.sweeps) {
    const info = tasks[sweep.label];
    for (const M of sweep.widths) {
      const auto = resolveTemperature('auto', { featureDim: M, numClasses: info.classes, csg: info.csg });
      for (const bn of sweep.batchNorm) {
        const key = cellKey(sweep, M, bn);
        runs.set(key, new Map());
        meta.set(key, { sweep, M, bn, tHat: auto.temperature, clipped: auto.optimal?.clipped ?? false });
        const temperatures = [...plan.grid];
        addTemperature(temperatures, 1);
        addTemperature(temperatures, auto.temperature);
        temperatures.sort((a, b) => a - b);
        for (const job of jobsFor(sweep, M, bn, temperatures)) {
          sweepOf.set(job.id, sweep);
          first.push(job);
        }
      }
    }
  }
  await execute(first, 'pass 1 (grid + T̂*)');

  const runsOf = (key: CellKey): TemperatureRuns[] => [...runs.get(key)!].map(([temperature, bySeed]) => {
    const seeds = [...bySeed.keys()].sort((a, b) => a - b);
    const results = seeds.map((s) => bySeed.get(s)!);
    return { temperature, train: results.map((r) => r.train[0]), validation: results.map((r) => r.validation[0]), test: results.map((r) => r.test[0]) };
  });

  // Pass 2: √-steps (refineFactor) either side of each cell's best grid point, and one more step out at an edge.
  if (plan.refine) {
    const second: Job[] = [];
    for (const [key, m] of meta) {
      const tried = [...runs.get(key)!.keys()];
      const best = bestTemperature(runsOf(key));
      const f = plan.refineFactor;
      const extra: number[] = [];
      for (const t of [best.grid / f, best.grid * f]) if (!tried.some((u) => near(u, t))) addTemperature(extra, t);
      if (best.grid >= Math.max(...tried)) addTemperature(extra, best.grid * f * f);
      if (best.grid <= Math.min(...tried)) addTemperature(extra, best.grid / (f * f));
      if (extra.length === 0) continue;
      for (const job of jobsFor(m.sweep, m.M, m.bn, extra.sort((a, b) => a - b))) {
        sweepOf.set(job.id, m.sweep);
        second.push(job);
      }
    }
    await execute(second, 'pass 2 (refinement)');
  }

  const cells: CellResult[] = [];
  for (const [key, m] of meta) {
    const all = runsOf(key).sort((a, b) => a.temperature - b.temperature);
    const best = bestTemperature(all);
    const find = (t: number) => all.find((r) => near(r.temperature, t))!;
    const one = find(1), hat = find(m.tHat), top = find(best.grid);
    const accuracy = (r: TemperatureRuns) => r.test.map((s) => s.accuracy);
    const atBest = summarise(top);
    cells.push({
      sweep: m.sweep.label, group: m.sweep.group, featureDim: m.M, batchNorm: m.bn,
      classes: tasks[m.sweep.label].classes, csg: tasks[m.sweep.label].csg,
      tHat: m.tHat, tHatClipped: m.clipped,
      temperatures: all.map(summarise), best,
      atOne: summarise(one), atHat: summarise(hat), atBest,
      hatVsOne: pairedWins(accuracy(hat), accuracy(one)), bestVsOne: pairedWins(accuracy(top), accuracy(one)),
      regime: atBest.trainAccuracy.mean >= 0.99 ? 'memorises' : 'does not memorise',
      seeds: m.sweep.seeds,
    });
  }

  const fits: FitSummary[] = [];
  const fitOf = (label: string, chosen: CellResult[], terms: { csg?: boolean; numClasses?: boolean } = {}) => {
    const rows = chosen.map((c) => ({ featureDim: c.featureDim, temperature: c.best.smoothed, csg: c.csg, numClasses: c.classes }));
    const fit = tryFit(rows, terms);
    if (typeof fit === 'string') fits.push({ label, rows: rows.length, refused: fit });
    else {
      const { alpha, beta, gamma, delta } = fit.coefficients;
      fits.push({ label, rows: rows.length, coefficients: { alpha, beta, gamma, delta }, r2: fit.r2 });
    }
  };
  for (const sweep of plan.sweeps) {
    for (const bn of sweep.batchNorm) fitOf(`${sweep.label}, BN ${bn ? 'on' : 'off'}`, cells.filter((c) => c.sweep === sweep.label && c.batchNorm === bn));
  }
  const bnOn = cells.filter((c) => c.batchNorm);
  fitOf('all cells, BN on', bnOn);
  fitOf(MEMORISING, bnOn.filter((c) => c.regime === 'memorises'));
  fitOf(NOT_MEMORISING, bnOn.filter((c) => c.regime !== 'memorises'));
  fitOf('all cells, BN off', cells.filter((c) => !c.batchNorm));
  fitOf('all cells, BN on, with γ·ln CSG + δ·ln CN', bnOn, { csg: true, numClasses: true });

  const trends = plan.sweeps.flatMap((sweep) => sweep.batchNorm.map((bn) => {
    const chosen = cells.filter((c) => c.sweep === sweep.label && c.batchNorm === bn);
    return { sweep: sweep.label, batchNorm: bn, rho: spearman(chosen.map((c) => c.featureDim), chosen.map((c) => c.best.smoothed)) };
  }));

  const cpuSeconds = cpuMs / 1000;
  return {
    plan, tasks, cells, fits, trends,
    timing: {
      wallSeconds: (performance.now() - t0) / 1000, cpuSeconds, jobs: jobsRun, cachedJobs, copies,
      cpuMsPerGigaMac: cpuMs / Math.max(gigaMacs, 1e-9), workers: options.workers,
      loadBefore, loadAfter: os.loadavg(), cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
      node: process.version, started: started.toISOString(),
    },
  };
}

export type { Stat };
export { stat };
