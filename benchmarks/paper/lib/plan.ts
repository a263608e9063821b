import { irisTask, mixtureTask, spamTask, zipcodeTask, type MixtureOptions, type SplitSizes, type Task } from './data.js';
import type { TrainOptions } from './mlp.js';

/** A task by value (so worker processes rebuild the same rows). */
export type TaskSpec =
  | { kind: 'iris'; sizes?: SplitSizes }
  | { kind: 'zipcodes'; states?: number; sizes?: SplitSizes }
  | { kind: 'spam'; buckets?: number; sizes?: SplitSizes }
  | ({ kind: 'mixture' } & MixtureOptions);

/** One block of the study: a task, the widths M, BN on and/or off, the seeds and how to train. */
export interface Sweep {
  /** Short label used in the report. */
  label: string;
  /** 'main': a row of the headline table; 'regime': the memorisation / class-count / overlap sweep. */
  group: 'main' | 'regime';
  task: TaskSpec;
  widths: number[];
  batchNorm: boolean[];
  seeds: number;
  hidden: number;
  train: TrainOptions;
}

/** What the study runs. */
export interface StudyPlan {
  mode: 'full' | 'quick' | 'tiny';
  sweeps: Sweep[];
  /** The first-pass temperature grid (log-spaced); T = 1 must be on it. T̂*(M) is added per width. */
  grid: number[];
  /** Refinement: points at best·f^±1 (f = refineFactor) added in a second pass, around each cell's best. */
  refineFactor: number;
  refine: boolean;
}

export const WIDTHS = [32, 64, 128, 256, 512, 1024, 2048];

const geometric = (from: number, to: number, factor: number): number[] => {
  const out: number[] = [];
  for (let t = from; t <= to * (1 + 1e-9); t *= factor) out.push(Number(t.toPrecision(6)));
  return out;
};

const adam = (epochs: number, batchSize = 64, learningRate = 2e-3): TrainOptions => ({ epochs, batchSize, learningRate });

/**
 * The full study, sized for under 30 minutes on two idle cores: about 52 CPU-minutes of training (the README
 * records the measured cost; epochs were cut from the first full run's 69 CPU-minutes). Every
 * training: Adam, batch 64, learning rate 0.002, a fixed epoch count, H = 32 units before the M layer. First-pass
 * grid: factors of 2√2 from 0.35 to 64 (plus T = 1 and T̂*); the second pass halves the step to √2 around each
 * cell's best.
 */
export function fullPlan(): StudyPlan {
  const main = (label: string, task: TaskSpec, epochs: number): Sweep => ({ label, group: 'main', task, widths: WIDTHS, batchNorm: [true, false], seeds: 5, hidden: 32, train: adam(epochs) });
  const regime = (label: string, task: MixtureOptions, epochs: number, widths = [64, 256, 1024]): Sweep => ({
    label, group: 'regime', task: { kind: 'mixture', ...task }, widths, batchNorm: [true], seeds: 5, hidden: 32, train: adam(epochs),
  });
  return {
    mode: 'full',
    grid: geometric(64 / 2 ** 7.5, 64, 2 * Math.SQRT2),
    refineFactor: Math.SQRT2,
    refine: true,
    sweeps: [
      main('zipcodes', { kind: 'zipcodes', states: 20, sizes: { train: 2000, validation: 1000, test: 2000 } }, 6),
      main('spam', { kind: 'spam', buckets: 256, sizes: { train: 1500, validation: 1000, test: 2000 } }, 6),
      main('iris', { kind: 'iris' }, 40),
      main('mixture K=10', { kind: 'mixture', classes: 10, separation: 1.5, trainPerClass: 100 }, 8),
      regime('K=10, 20/class', { classes: 10, separation: 1.5, trainPerClass: 20 }, 60),
      regime('K=10, 500/class', { classes: 10, separation: 1.5, trainPerClass: 500 }, 3),
      regime('K=10, less overlap', { classes: 10, separation: 1.9, trainPerClass: 100 }, 10),
      regime('K=50, 40/class', { classes: 50, separation: 1.5, trainPerClass: 40 }, 10),
      regime('K=200, 10/class', { classes: 200, separation: 1.5, trainPerClass: 10, evalPerClass: 10 }, 10, [64, 256]),
    ],
  };
}

/** A few minutes: fewer widths, seeds and epochs; the same code paths. */
export function quickPlan(): StudyPlan {
  const sweep = (label: string, task: TaskSpec, epochs: number, group: Sweep['group'] = 'main'): Sweep => ({
    label, group, task, widths: [32, 256, 2048], batchNorm: [true, false], seeds: 3, hidden: 32, train: adam(epochs),
  });
  return {
    mode: 'quick',
    grid: geometric(0.5, 32, 4),
    refineFactor: 2,
    refine: true,
    sweeps: [
      sweep('iris', { kind: 'iris' }, 40),
      sweep('mixture K=10', { kind: 'mixture', classes: 10, separation: 1.5, trainPerClass: 40 }, 8),
      { ...sweep('K=10, 10/class', { kind: 'mixture', classes: 10, separation: 1.5, trainPerClass: 10 }, 30, 'regime'), widths: [32, 256], batchNorm: [true] },
    ],
  };
}

/** Seconds: the CI smoke test's plan (tiny data, two widths, two seeds). */
export function tinyPlan(): StudyPlan {
  const task = (classes: number, trainPerClass: number): TaskSpec => ({ kind: 'mixture', classes, separation: 2, trainPerClass, evalPerClass: 10, dim: 4, blobsPerClass: 1 });
  return {
    mode: 'tiny',
    grid: [0.5, 1, 4],
    refineFactor: 2,
    refine: true,
    sweeps: [
      { label: 'tiny A', group: 'main', task: task(3, 12), widths: [32, 64, 128], batchNorm: [true, false], seeds: 2, hidden: 8, train: adam(3, 16, 0.01) },
      { label: 'tiny B', group: 'regime', task: task(4, 6), widths: [32, 128], batchNorm: [true], seeds: 2, hidden: 8, train: adam(3, 16, 0.01) },
    ],
  };
}

/** Builds a task from its spec (deterministic: same spec, same rows). */
export async function buildTask(spec: TaskSpec): Promise<Task> {
  switch (spec.kind) {
    case 'iris': return irisTask(spec.sizes);
    case 'zipcodes': return zipcodeTask(spec.states, spec.sizes);
    case 'spam': return spamTask(spec.buckets, spec.sizes);
    case 'mixture': return mixtureTask(spec);
  }
}
