import { performance } from 'node:perf_hooks';
import { summarize, type Summary } from './stats.js';

/** One way of computing a case's result. `run` is what gets timed; `enter` runs untimed before each block. */
export interface Contender<O> {
  name: string;
  /** Untimed set-up before every block of timed calls (e.g. `tf.setBackend`). */
  enter?: () => Promise<void> | void;
  run: () => O;
  /** Untimed check after the first call (e.g. that no tensors leaked); throws on failure. */
  verify?: () => void;
}

/** A benchmark case: contenders fed the same inputs, and a check of their output against float64. */
export interface Case<O> {
  id: string;
  group: string;
  shape: string;
  contenders: Contender<O>[];
  /** Largest relative error of a contender's output against the float64 reference. */
  check: (out: O) => number;
}

export interface HarnessOptions {
  /** Timed wall-clock target per contender and case (ms), split evenly over the rounds. */
  budgetMs: number;
  /** Rounds: each round runs one time-boxed block per contender, in a rotated order. */
  rounds: number;
  /** Cap on timed samples per contender (spread over the rounds). */
  maxSamples: number;
  /** A contender slower than one block sits out rounds, but still gets at least this many samples. */
  minSamples: number;
  /** Untimed warm-up per contender (ms), at least `minWarmupCalls` calls. */
  warmupMs: number;
  minWarmupCalls: number;
  /** Tiny calls are batched so one sample lasts at least this long (µs); the sample is the batch mean. */
  sampleTargetUs: number;
}

export interface ContenderResult {
  name: string;
  /** Per-call times in µs; absent when the contender failed. */
  time?: Summary;
  maxRelError?: number;
  failure?: string;
}

export interface CaseResult {
  id: string;
  group: string;
  shape: string;
  contenders: ContenderResult[];
}

/** The last result of any timed call, kept reachable so no call can be optimised away. */
export let sink: unknown;

const collect = (globalThis as { gc?: () => void }).gc;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Plan<O> {
  contender: Contender<O>;
  result: ContenderResult;
  callsPerSample: number;
  /** Takes part in every `stride`-th round only (slow contenders). */
  stride: number;
  samples: number[];
}

/**
 * Checks every contender once, warms each up, then interleaves them: `rounds` rounds, each running
 * one time-boxed block per contender in an order rotated every round, with a forced GC (when
 * `--expose-gc` is on) and the contender's `enter` untimed before each block. Drift in machine load
 * therefore hits every contender alike, which keeps the ratios of medians meaningful. A contender
 * slower than one block sits out rounds (down to `minSamples` samples), bounding the run time.
 */
export async function measure<O>(spec: Case<O>, options: HarnessOptions): Promise<CaseResult> {
  const plans: Plan<O>[] = [];
  const results: ContenderResult[] = [];
  for (const contender of spec.contenders) {
    const result: ContenderResult = { name: contender.name };
    results.push(result);
    try {
      await contender.enter?.();
      collect?.();
      result.maxRelError = spec.check(contender.run());
      contender.verify?.();
      const warm: number[] = [];
      const start = performance.now();
      while (warm.length < options.minWarmupCalls || (performance.now() - start < options.warmupMs && warm.length < 10_000)) {
        const t0 = performance.now();
        sink = contender.run();
        warm.push((performance.now() - t0) * 1000);
      }
      contender.verify?.();
      // Later warm-up calls estimate the steady state (the first ones include JIT and kernel set-up).
      const estimateUs = Math.max(median(warm.slice(Math.floor(warm.length / 2))), 0.01);
      const callsPerSample = Math.max(1, Math.ceil(options.sampleTargetUs / estimateUs));
      const blockMs = options.budgetMs / options.rounds;
      const maxStride = Math.max(1, Math.floor(options.rounds / options.minSamples));
      const stride = Math.min(maxStride, Math.max(1, Math.ceil((estimateUs * callsPerSample) / 1000 / blockMs)));
      plans.push({ contender, result, callsPerSample, stride, samples: [] });
    } catch (error) {
      result.failure = error instanceof Error ? error.message : String(error);
    }
  }
  const blockMs = options.budgetMs / options.rounds;
  const blockCap = Math.max(1, Math.ceil(options.maxSamples / options.rounds));
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < plans.length; k++) {
      const plan = plans[(k + round) % plans.length];
      if (round % plan.stride !== 0) continue;
      await plan.contender.enter?.();
      collect?.();
      const { run } = plan.contender;
      const calls = plan.callsPerSample;
      // Time-boxed: every contender gets the same wall-clock share per round, at least one sample.
      const blockStart = performance.now();
      for (let b = 0; b < blockCap && (b === 0 || performance.now() - blockStart < blockMs); b++) {
        const t0 = performance.now();
        for (let c = 0; c < calls; c++) sink = run();
        plan.samples.push(((performance.now() - t0) * 1000) / calls);
      }
    }
  }
  for (const plan of plans) plan.result.time = summarize(plan.samples, plan.callsPerSample);
  return { id: spec.id, group: spec.group, shape: spec.shape, contenders: results };
}
