// How long a run will take, printed before it starts: a cost model of the timing method — each
// contender pays a check, a warm-up and its timed budget, and a contender slower than `slowCallMs` per call
// pays its slow budget plus a few calls instead. The per-element call costs below were read off subset
// runs of every runtime on the 2-core development VM (December 2026); they are rough on purpose.
import type { CaseSpec, Op } from './suite/cases.js';
import { fullOptions, QUICK } from './suite/measure.js';
import type { MeasureOptions } from './suite/measure.js';
import { TFJS_CPU_MAX_ELEMENTS } from './suite/contenders/tfjs.js';

type Place = 'node' | 'bun' | 'deno' | 'chromium' | 'chromium-worker' | 'workerd';
type Kind = 'tstar' | 'plain' | 'tfjs-cpu' | 'tfjs-wasm' | 'tfjs-webgl' | 'ort' | 'ort-webgpu' | 'stream';

/** Seconds per element of one call, by contender kind (softmax-like ops; other ops scale by OP_WORK). */
const PER_ELEMENT: Record<Kind, number> = {
  tstar: 4e-9, plain: 3e-8, 'tfjs-cpu': 6e-7, 'tfjs-wasm': 1.2e-8, 'tfjs-webgl': 2.5e-7, ort: 1.5e-8, 'ort-webgpu': 1.2e-7, stream: 3e-10,
};
/** Work per element relative to a softmax. */
const OP_WORK: Record<Op, number> = {
  softmax: 1, logSoftmax: 1, crossEntropy: 1, crossEntropyGrad: 3, batchNorm: 1, batchNormTrain: 4, fitTemperature: 25, calibrationMetrics: 2, csg: 0,
};
/** Fixed cost per call (dispatch, copies, session run): what dominates small shapes. */
const PER_CALL: Record<Kind, number> = {
  tstar: 3e-6, plain: 1e-6, 'tfjs-cpu': 1e-4, 'tfjs-wasm': 1e-4, 'tfjs-webgl': 1e-3, ort: 1e-4, 'ort-webgpu': 2e-3, stream: 1e-7,
};
const ARRAY_OPS: Op[] = ['softmax', 'logSoftmax', 'crossEntropyGrad', 'batchNorm', 'batchNormTrain'];
const TFJS_OPS: Op[] = ['softmax', 'logSoftmax', 'crossEntropy', 'crossEntropyGrad', 'batchNorm', 'batchNormTrain'];
const ORT_OPS: Op[] = ['softmax', 'logSoftmax', 'crossEntropy', 'batchNorm'];

/** The contenders a place runs on an op, as kinds (one entry per contender). */
export function contenderKinds(place: Place, op: Op, elements = 0): Kind[] {
  const kinds: Kind[] = ['tstar', 'plain'];
  if (ARRAY_OPS.includes(op)) kinds.push('tstar');
  if (op === 'softmax') kinds.push('tstar'); // tstar resident
  const capped = elements > TFJS_CPU_MAX_ELEMENTS;
  if (TFJS_OPS.includes(op)) kinds.push(...(capped ? [] : (['tfjs-cpu'] as Kind[])), 'tfjs-wasm', ...(place.startsWith('chromium') && !capped ? (['tfjs-webgl'] as Kind[]) : []));
  // @tstar/tfjs's layer/loss on cpu and wasm: the core does the work, so it costs like the wasm row.
  if (op === 'softmax' || op === 'crossEntropy' || op === 'crossEntropyGrad') kinds.push('tfjs-wasm', 'tfjs-wasm');
  if (ORT_OPS.includes(op)) {
    const cpuOrts = place === 'node' ? 2 : 1;
    for (let i = 0; i < cpuOrts; i++) kinds.push('ort');
    if (place.startsWith('chromium')) kinds.push('ort-webgpu');
    // @tstar/ort post and graph over each CPU onnxruntime.
    if (op === 'softmax') for (let i = 0; i < 2 * cpuOrts; i++) kinds.push('ort');
  }
  if (op !== 'csg') kinds.push('stream');
  return kinds;
}

/** Seconds one contender costs a case under `m`, given its time per call. */
function contenderSeconds(call: number, m: MeasureOptions): number {
  const slow = m.slowCallMs / 1000;
  // check + warm-up (≥ minWarmupCalls, ≥ warmupMs) + batch sizing, then the timed budget.
  const warm = Math.max(m.minWarmupCalls * call, m.warmupMs / 1000) + call;
  // Slow: the check, then samples for slowBudgetMs (≥ 1; the warm-up call is the first).
  if (call > slow) return call + Math.max(call, m.slowBudgetMs / 1000) + 0.05;
  // Fast: check, warm-up, batch sizing (~0.1 s with preparing), the timed blocks, a GC before each.
  return warm + m.budgetMs / 1000 + 0.1 + m.rounds * 0.01;
}

/** Modelled seconds of one case in one place (inputs and the float64 expectation included). */
export function modelCaseSeconds(place: Place, spec: CaseSpec, m: MeasureOptions): number {
  const n = spec.rows * spec.cols;
  // workerd adds a round trip per sample and samples of ≥ 50 ms; browsers samples of ≥ 1 ms.
  const scale = place === 'workerd' ? 1.3 : 1;
  let s = 0.3 + n * 1.5e-7; // inputs, the float64 expectation and a full GC
  for (const kind of contenderKinds(place, spec.op, n)) {
    const call = spec.op === 'csg'
      ? (kind === 'tstar' ? 2e-9 : 1.5e-8) * spec.rows * spec.rows * spec.cols
      : PER_CALL[kind] + PER_ELEMENT[kind] * n * OP_WORK[spec.op];
    s += contenderSeconds(call, m) * scale;
  }
  return s;
}

/** What starting each runtime costs beside its cases (process, libraries, page or workerd start, bundling). */
const STARTUP: Record<string, number> = { node: 5, bun: 5, deno: 8, chromium: 25, workerd: 15 };
/** Cold start and bytes shipped: per runtime, 7 fresh starts of each library (1 in quick mode). */
const COLD: Record<string, number> = { node: 15, bun: 10, deno: 15, chromium: 40, workerd: 30 };
const BYTES_SECONDS = 10;

export interface Estimate {
  total: number;
  parts: [string, number][];
}

/** The run's expected duration on an idle machine per runtime (chromium counts its page and its worker), plus cold start. */
export function estimateSeconds(runtimes: string[], specs: CaseSpec[], options: { quick: boolean; cold: boolean }): Estimate {
  const parts: [string, number][] = [];
  for (const runtime of runtimes) {
    const places: Place[] = runtime === 'chromium' ? ['chromium', 'chromium-worker'] : [runtime as Place];
    let s = STARTUP[runtime] ?? 5;
    const m = options.quick ? QUICK : fullOptions(runtime);
    for (const place of places) for (const spec of specs) s += modelCaseSeconds(place, spec, m);
    parts.push([runtime, s]);
  }
  if (options.cold) parts.push(['cold start', runtimes.reduce((s, r) => s + (COLD[r] ?? 10) * (options.quick ? 0.2 : 1), BYTES_SECONDS)]);
  return { total: parts.reduce((s, [, t]) => s + t, 0), parts };
}

export function formatDuration(seconds: number): string {
  return seconds >= 90 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(0)} s`;
}
