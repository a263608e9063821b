import type * as Core from '@tstar/core';

/** Every value a runtime computed, as the hex of its bytes, so two runtimes agree only when bit-identical. */
export interface SmokeResult {
  /** The core ops this run exercised, in order. */
  ops: string[];
  values: Record<string, string>;
}

function hex(values: Float32Array | Float64Array | number): string {
  const typed = typeof values === 'number' ? new Float64Array([values]) : values;
  const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

// The core's seeded PRNG: the same inputs in every runtime without shipping fixtures.
function matrix(core: typeof Core, rows: number, cols: number, seed: number, scale = 6): Float32Array {
  const random = core.seededRandom(seed);
  return Float32Array.from({ length: rows * cols }, () => scale * (random() * 2 - 1));
}

function labelsFor(core: typeof Core, rows: number, cols: number, seed: number): Int32Array {
  const u = matrix(core, rows, 1, seed, 1);
  return Int32Array.from(u, (v) => Math.min(cols - 1, Math.floor(((v + 1) / 2) * cols)));
}

/**
 * Runs the core's smoke suite: each public op family on fixed seeded inputs (ragged widths, so SIMD tails
 * run): softmax, crossEntropy with gradients, batchNorm (inference, training, backward), optimalTemperature,
 * fitTemperature, calibrationMetrics and cumulativeSpectralGradient.
 * @throws {TStarError} whatever an op throws (a smoke input never should)
 * @example runSmoke(await import('@tstar/core')).ops
 */
export function runSmoke(core: typeof Core): SmokeResult {
  const values: Record<string, string> = {};
  const ops: string[] = [];
  const [rows, cols] = [37, 13];
  const shape = [rows, cols] as const;
  const logits = matrix(core, rows, cols, 7);
  const labels = labelsFor(core, rows, cols, 11);

  ops.push('softmax', 'logSoftmax', 'softmaxBackward');
  values['softmax T=1'] = hex(core.softmax(logits, shape));
  values['softmax T=2.5'] = hex(core.softmax(logits, shape, { temperature: 2.5 }));
  values['logSoftmax T=0.7'] = hex(core.logSoftmax(logits, shape, { temperature: 0.7 }));
  const y = core.softmax(logits, shape, { temperature: 1.5 });
  values['softmaxBackward T=1.5'] = hex(core.softmaxBackward(y, matrix(core, rows, cols, 3), shape, { temperature: 1.5 }));

  ops.push('crossEntropy');
  const ce = core.crossEntropy(logits, shape, labels, { temperature: 1.7, grad: true, labelSmoothing: 0.1 });
  values['crossEntropy loss'] = hex(ce.loss);
  values['crossEntropy grad'] = hex(ce.grad);
  values['crossEntropy dT'] = hex(ce.dTemperature);
  const soft = core.softmax(matrix(core, rows, cols, 5), shape);
  const ceSoft = core.crossEntropy(logits, shape, soft, { reduction: 'none', grad: true });
  values['crossEntropy soft none'] = hex(ceSoft.loss);
  values['crossEntropy soft grad'] = hex(ceSoft.grad);

  ops.push('batchNorm', 'batchNormTrain', 'batchNormBackward');
  const gamma = matrix(core, 1, cols, 23, 1);
  const beta = matrix(core, 1, cols, 24, 1);
  const variance = Float32Array.from(matrix(core, 1, cols, 22, 1), (v) => v * v + 0.5);
  values['batchNorm'] = hex(core.batchNorm(logits, shape, { runningMean: matrix(core, 1, cols, 21, 1), runningVariance: variance, gamma, beta }));
  const state = { runningMean: new Float32Array(cols), runningVariance: new Float32Array(cols).fill(1), gamma, beta };
  const train = core.batchNormTrain(logits, shape, state, { momentum: 0.1 });
  values['batchNormTrain y'] = hex(train.y);
  values['batchNormTrain running'] = hex(state.runningMean) + hex(state.runningVariance);
  const grads = core.batchNormBackward(matrix(core, rows, cols, 9), train.cache);
  values['batchNormBackward'] = hex(grads.dx) + hex(grads.dGamma) + hex(grads.dBeta);

  ops.push('optimalTemperature');
  values['optimalTemperature M=512'] = hex(core.optimalTemperature({ featureDim: 512 }).temperature);
  values['optimalTemperature M=2048 CN=100 CSG=0.3'] = hex(core.optimalTemperature({ featureDim: 2048, numClasses: 100, csg: 0.3, coefficients: { gamma: 0.5, delta: 0.1 } }).temperature);

  ops.push('fitTemperature');
  const fit = core.fitTemperature(logits, shape, labels);
  values['fitTemperature'] = hex(new Float64Array([fit.temperature, fit.nllBefore, fit.nllAfter, fit.evaluations]));

  ops.push('calibrationMetrics');
  for (const [name, m] of [
    ['logits T=fit', core.calibrationMetrics(logits, shape, labels, { temperature: fit.temperature })],
    ['probabilities', core.calibrationMetrics(y, shape, labels, { inputs: 'probabilities', binCount: 10 })],
  ] as const) {
    const bins = m.bins.flatMap((b) => [b.lower, b.upper, b.count, b.confidence, b.accuracy]);
    values[`calibrationMetrics ${name}`] = hex(new Float64Array([m.accuracy, m.nll, m.brier, m.ece, m.mce, ...bins]));
  }

  ops.push('cumulativeSpectralGradient');
  const features = matrix(core, 60, 9, 31);
  const classes = labelsFor(core, 60, 3, 32);
  const csg = core.cumulativeSpectralGradient(features, [60, 9], classes, { k: 5, samplesPerClass: 12, seed: 4, runCount: 2 });
  values['cumulativeSpectralGradient'] = hex(csg.csg);
  return { ops, values };
}
