// tstar's contenders. A variant is one line in TSTAR_VARIANTS: extra options merged into every call
// (e.g. `{ precision: 'fast' }` once the core has it), and/or `out` to reuse output arrays.
import type * as Core from '@tstar/core';
import { contender, type Contender } from './contender.js';

export interface TstarVariant {
  name: string;
  /** Merged into every call's options. */
  options?: Record<string, unknown>;
  /** Pass a reused `out` array (only ops with an array result take part). */
  out?: boolean;
}

/**
 * The tstar rows of the report. Hooks for the speed helper's work: `{ name: 'tstar fast', options:
 * { precision: 'fast' } }` adds the fast precision; resident workspaces will need a `prepare` of their own.
 */
export const TSTAR_VARIANTS: TstarVariant[] = [
  { name: 'tstar' },
  { name: 'tstar (out)', out: true },
];

export function tstarContenders(core: typeof Core, variants: TstarVariant[] = TSTAR_VARIANTS): Contender[] {
  return variants.map((v) => {
    const o = v.options ?? {};
    // Ops without an array result have no `out` variant.
    const plain = !v.out;
    return contender(v.name, 'tstar', {
      softmax: ({ input: { x, rows, cols, temperature } }) => {
        const out = v.out ? new Float32Array(x.length) : undefined;
        return { run: () => core.softmax(x, [rows, cols], { temperature, ...o, out }) };
      },
      logSoftmax: ({ input: { x, rows, cols, temperature } }) => {
        const out = v.out ? new Float32Array(x.length) : undefined;
        return { run: () => core.logSoftmax(x, [rows, cols], { temperature, ...o, out }) };
      },
      crossEntropy: plain ? ({ input: { x, rows, cols, labels, temperature } }) => ({
        run: () => core.crossEntropy(x, [rows, cols], labels, { temperature, ...o }).loss,
      }) : undefined,
      crossEntropyGrad: ({ input: { x, rows, cols, labels, temperature } }) => {
        const gradOut = v.out ? new Float32Array(x.length) : undefined;
        return {
          run: () => {
            const r = core.crossEntropy(x, [rows, cols], labels, { temperature, grad: true, gradOut, ...o });
            return { loss: r.loss, grad: r.grad };
          },
        };
      },
      batchNorm: ({ input: { x, rows, cols, mean, variance, gamma, beta, epsilon } }) => {
        const out = v.out ? new Float32Array(x.length) : undefined;
        return { run: () => core.batchNorm(x, [rows, cols], { runningMean: mean, runningVariance: variance, gamma, beta, epsilon, ...o, out }) };
      },
      batchNormTrain: ({ input: i }) => {
        const out = v.out ? new Float32Array(i.x.length) : undefined;
        const state = { runningMean: i.runningMean.slice(), runningVariance: i.runningVariance.slice(), gamma: i.gamma, beta: i.beta };
        return {
          run: () => {
            const f = core.batchNormTrain(i.x, [i.rows, i.cols], state, { momentum: i.momentum, epsilon: i.epsilon, ...o, out });
            const g = core.batchNormBackward(i.dy, f.cache);
            return { y: f.y, dx: g.dx, dGamma: g.dGamma, dBeta: g.dBeta, runningMean: state.runningMean, runningVariance: state.runningVariance };
          },
        };
      },
      fitTemperature: plain ? ({ input: { x, rows, cols, labels } }) => ({
        run: () => core.fitTemperature(x, [rows, cols], labels, { ...o }).temperature,
      }) : undefined,
      calibrationMetrics: plain ? ({ input: { x, rows, cols, labels, temperature, binCount } }) => ({
        run: () => {
          const m = core.calibrationMetrics(x, [rows, cols], labels, { temperature, binCount, ...o });
          return { accuracy: m.accuracy, nll: m.nll, brier: m.brier, ece: m.ece, mce: m.mce };
        },
      }) : undefined,
      csg: plain ? ({ input: { x, rows, cols, labels, classes, k } }) => ({
        // Every point sampled and no embedding: the float64 reference's exact algorithm.
        run: () => core.cumulativeSpectralGradient(x, [rows, cols], labels, { k, samplesPerClass: rows, embedding: 'none', numClasses: classes, ...o }).csg,
      }) : undefined,
    });
  });
}

/**
 * `tstar resident`: softmax on wasm-resident workspace arrays (input copied in once, untimed; output left in
 * wasm memory), so a call is validation and the kernel — the row the README's resident targets read.
 */
export function tstarResidentContender(core: typeof Core): Contender {
  return contender('tstar resident', 'tstar', {
    softmax: ({ input: { x, rows, cols, temperature } }) => {
      const ws = core.createWorkspace();
      const xs = ws.float32(x.length), ys = ws.float32(x.length);
      xs.view.set(x);
      return { run: () => core.softmax(xs, [rows, cols], { temperature, out: ys }), dispose: () => ws.release() };
    },
  });
}
