import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Task } from './data.js';
import { trainGroup, type Architecture, type GroupResult, type TrainOptions } from './mlp.js';
import { buildTask, type TaskSpec } from './plan.js';

/** One grouped training: every temperature of one (task, M, BN, seed). */
export interface Job {
  id: number;
  task: TaskSpec;
  arch: Architecture;
  temperatures: number[];
  seed: number;
  train: TrainOptions;
}

/** Multiply-adds of a job's training (forward + backward ≈ 3× forward): for ordering and extrapolating. */
export function jobCost(job: Job, trainRows: number): number {
  const { inputDim: D, hidden: H, featureDim: M, classes: K } = job.arch;
  const perRow = (H > 0 ? D * H + H * M : D * M) + M * K;
  return 3 * perRow * trainRows * job.train.epochs * job.temperatures.length;
}

const tasks = new Map<string, Promise<Task>>();

/** The task of a spec, built once per process. */
export function taskOf(spec: TaskSpec): Promise<Task> {
  const key = JSON.stringify(spec);
  let task = tasks.get(key);
  if (!task) tasks.set(key, (task = buildTask(spec)));
  return task;
}

/** Runs a job in this process (tfjs wasm and the core must be initialised). */
export async function runJob(job: Job): Promise<GroupResult> {
  const task = await taskOf(job.task);
  return trainGroup(job.arch, job.temperatures, task, job.train, job.seed);
}

/** A job's result as it travels back from a worker. */
export interface JobDone {
  id: number;
  result?: GroupResult;
  error?: string;
}

/**
 * Runs jobs on `workers` child processes (0: in this process, one after another), largest first so the last
 * ones to finish are short. Results are the same wherever a job runs: each depends on its seed only.
 */
export async function runJobs(jobs: readonly Job[], workers: number, costOf: (job: Job) => number, onDone: (job: Job, result: GroupResult) => void): Promise<void> {
  const queue = [...jobs].sort((a, b) => costOf(b) - costOf(a));
  if (workers <= 0) {
    for (const job of queue) onDone(job, await runJob(job));
    return;
  }
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const entry = fileURLToPath(new URL('./worker.ts', import.meta.url));
  const tsx = import.meta.resolve('tsx');
  const children: ChildProcess[] = [];
  try {
    await Promise.all(Array.from({ length: Math.min(workers, queue.length) }, () => new Promise<void>((resolve, reject) => {
      const child = fork(entry, [], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      const next = (): void => {
        const job = queue.shift();
        if (job) child.send(job);
        else {
          child.disconnect();
          resolve();
        }
      };
      child.on('message', (message: JobDone) => {
        const job = byId.get(message.id)!;
        if (message.error !== undefined || !message.result) {
          reject(new Error(`job ${message.id} (${job.arch.featureDim} wide) failed in a worker: ${message.error}`));
          return;
        }
        onDone(job, message.result);
        next();
      });
      child.on('exit', (code) => {
        if (code !== 0 && code !== null) reject(new Error(`a study worker exited with code ${code}`));
      });
      child.on('error', reject);
      next();
    })));
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}
