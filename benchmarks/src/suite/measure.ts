// The timing method, shared by every runtime: check → warm-up → interleaved time-boxed rounds →
// median, p10, p90. A target only has to time `calls` consecutive calls, so the same method drives
// contenders in this process and contenders inside workerd timed from outside (see hosts/workerd.ts).
import { summarize, type Summary } from '../lib/stats.js';

/** One contender prepared on one case, wherever it runs. */
export interface Target {
  name: string;
  /** Untimed set-up before each block (e.g. `tf.setBackend`). */
  enter?(): Promise<void> | void;
  /** Runs once and returns the output's error against float64 (null: nothing to check, e.g. the stream row). */
  check(): Promise<number | null>;
  /** Milliseconds that `calls` consecutive calls took. */
  time(calls: number): Promise<number>;
}

export interface MeasureOptions {
  /** Timed wall-clock share per contender per case, split over `rounds`. */
  budgetMs: number;
  rounds: number;
  /** A sample is at least this long (tiny calls are batched and divided). */
  sampleTargetMs: number;
  warmupMs: number;
  minWarmupCalls: number;
  /** Fewest samples a contender gets, unless one call is slower than `slowCallMs`. */
  minSamples: number;
  /** Above this per-call time a contender is timed with as many samples as `slowBudgetMs` allows (≥ 1). */
  slowCallMs: number;
  slowBudgetMs: number;
  maxSamples: number;
  /**
   * Forced GC where the runtime exposes one: a full collection once before a case's rounds, a young-
   * generation one before each block (per-call garbage is young; a full GC per block cost 50–500 ms here).
   */
  collect?: (full: boolean) => void;
}

export const FULL: MeasureOptions = {
  budgetMs: 250, rounds: 5, sampleTargetMs: 0.25, warmupMs: 50, minWarmupCalls: 2, minSamples: 5,
  slowCallMs: 150, slowBudgetMs: 1000, maxSamples: 2000,
};
/**
 * Bun, Deno, Chromium (page and worker) and workerd: shorter blocks, so all six places fit a 45-minute idle
 * window (estimate.ts). The targets are judged on Node, which keeps FULL.
 */
export const FULL_SHORT: MeasureOptions = { ...FULL, budgetMs: 150, warmupMs: 30 };

/** The full run's options in a place: FULL in Node, FULL_SHORT elsewhere. */
export function fullOptions(place: string): MeasureOptions {
  return place === 'node' ? FULL : FULL_SHORT;
}

export const QUICK: MeasureOptions = {
  budgetMs: 40, rounds: 2, sampleTargetMs: 0.25, warmupMs: 10, minWarmupCalls: 1, minSamples: 2,
  slowCallMs: 50, slowBudgetMs: 100, maxSamples: 100,
};

/** One short sample per contender: the CI smoke run, which checks outputs and never judges a time. */
export const SMOKE: MeasureOptions = {
  budgetMs: 1, rounds: 1, sampleTargetMs: 0.05, warmupMs: 0, minWarmupCalls: 1, minSamples: 1,
  slowCallMs: 1, slowBudgetMs: 1, maxSamples: 1,
};

export interface TargetResult {
  name: string;
  /** Per-call times in µs. */
  time?: Summary;
  maxError?: number | null;
  failure?: string;
}

interface Plan {
  target: Target;
  result: TargetResult;
  calls: number;
  /** Takes part in every `stride`-th round only (slow contenders). */
  stride: number;
  samples: number[];
  /** Samples this contender may still take (slow contenders are capped). */
  cap: number;
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/**
 * Checks every target once, warms each up, then interleaves them: `rounds` rounds, each running one
 * time-boxed block per target in an order rotated every round, with `enter` and a young-generation GC
 * untimed before each block. Drift in machine load thus hits every contender alike. A failing target (a throw,
 * or a check that throws) is reported as such and never timed.
 */
export async function measure(targets: Target[], options: MeasureOptions): Promise<TargetResult[]> {
  const plans: Plan[] = [];
  const results: TargetResult[] = [];
  const blockMs = options.budgetMs / options.rounds;
  for (const target of targets) {
    const result: TargetResult = { name: target.name };
    results.push(result);
    try {
      await target.enter?.();
      result.maxError = await target.check();
      const warm: number[] = [];
      let spent = 0;
      while (warm.length < options.minWarmupCalls || (spent < options.warmupMs && warm.length < 1000)) {
        const ms = await target.time(1);
        warm.push(ms);
        spent += ms;
        if (ms > options.slowCallMs) break;
      }
      // Later warm-up calls estimate the steady state (the first ones include JIT and set-up).
      let estimateMs = Math.max(median(warm.slice(Math.floor(warm.length / 2))), 1e-6);
      const slow = estimateMs > options.slowCallMs;
      // Grow the batch from one call, at most tenfold a step, until a sample lasts about sampleTargetMs:
      // single-call times are mostly timer noise for tiny calls, and mostly round-trip noise for a
      // target timed from outside, so they cannot size the batch on their own.
      let calls = 1;
      for (let tries = 0; !slow && tries < 12; tries++) {
        const ms = await target.time(calls);
        estimateMs = Math.max(ms / calls, 1e-6);
        if (ms >= options.sampleTargetMs * 0.5) break;
        calls = Math.ceil(calls * Math.min(10, options.sampleTargetMs / Math.max(ms, options.sampleTargetMs / 10)));
      }
      const cap = slow ? Math.max(1, Math.floor(options.slowBudgetMs / estimateMs)) : options.maxSamples;
      const wanted = Math.min(cap, options.minSamples);
      const stride = Math.max(1, Math.min(Math.floor(options.rounds / wanted), Math.ceil((estimateMs * calls) / blockMs)));
      // A slow contender's warm-up call came after the checked first call: it is its first sample.
      plans.push({ target, result, calls, stride, samples: slow ? [warm[warm.length - 1] * 1000] : [], cap });
    } catch (error) {
      result.failure = error instanceof Error ? error.message : String(error);
    }
  }
  const blockCap = Math.max(1, Math.ceil(options.maxSamples / options.rounds));
  options.collect?.(true);
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < plans.length; k++) {
      const plan = plans[(k + round) % plans.length];
      if (round % plan.stride !== 0 || plan.samples.length >= plan.cap) continue;
      try {
        await plan.target.enter?.();
        options.collect?.(false);
        let spent = 0;
        for (let b = 0; b < blockCap && plan.samples.length < plan.cap && (b === 0 || spent < blockMs); b++) {
          const ms = await plan.target.time(plan.calls);
          spent += ms;
          plan.samples.push((ms * 1000) / plan.calls);
        }
      } catch (error) {
        plan.result.failure = error instanceof Error ? error.message : String(error);
        plan.cap = 0;
      }
    }
  }
  for (const plan of plans) if (!plan.result.failure) plan.result.time = summarize(plan.samples, plan.calls);
  return results;
}
