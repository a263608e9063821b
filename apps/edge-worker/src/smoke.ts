import type * as Core from '@tstar/core';

/**
 * Every value a runtime computed, as the hex of its bytes (two runtimes on the same wasm build agree only when
 * bit-identical) and as numbers (runtimes on different builds agree within the precision bounds, not bit for bit).
 */
export interface SmokeResult {
  /** The wasm build that ran (core.wasmBuild()). */
  build: string;
  /** The core ops this run exercised, in order. */
  ops: string[];
  values: Record<string, string>;
  numbers: Record<string, number[]>;
}

type Part = Float32Array | Float64Array | number;

function hex(values: Part): string {
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
  const numbers: Record<string, number[]> = {};
  const put = (name: string, ...parts: Part[]): void => {
    values[name] = parts.map(hex).join('');
    numbers[name] = parts.flatMap((p) => (typeof p === 'number' ? [p] : Array.from(p)));
  };
  const ops: string[] = [];
  const [rows, cols] = [37, 13];
  const shape = [rows, cols] as const;
  const logits = matrix(core, rows, cols, 7);
  const labels = labelsFor(core, rows, cols, 11);

  ops.push('softmax', 'logSoftmax', 'softmaxBackward');
  put('softmax T=1', core.softmax(logits, shape));
  put('softmax T=2.5', core.softmax(logits, shape, { temperature: 2.5 }));
  put('logSoftmax T=0.7', core.logSoftmax(logits, shape, { temperature: 0.7 }));
  const y = core.softmax(logits, shape, { temperature: 1.5 });
  put('softmaxBackward T=1.5', core.softmaxBackward(y, matrix(core, rows, cols, 3), shape, { temperature: 1.5 }));

  // Rows of 40: wide enough for the fast exp (rows under 16 always take the accurate one).
  ops.push('precision', 'workspace');
  const wide = matrix(core, 9, 40, 13, 20);
  const wideShape = [9, 40] as const;
  put('softmax fast [9×40]', core.softmax(wide, wideShape, { temperature: 0.8 }));
  put('softmax accurate [9×40]', core.softmax(wide, wideShape, { temperature: 0.8, precision: 'accurate' }));
  put('logSoftmax fast [9×40]', core.logSoftmax(wide, wideShape));
  const ws = core.createWorkspace();
  const resident = ws.float32(wide.length), out = ws.float32(wide.length), gradOut = ws.float32(wide.length);
  resident.view.set(wide);
  core.softmax(resident, wideShape, { temperature: 0.8, out });
  put('softmax workspace [9×40]', out.view.slice());
  const ceResident = core.crossEntropy(resident, wideShape, labelsFor(core, 9, 40, 17), { grad: true, gradOut });
  put('crossEntropy workspace [9×40]', ceResident.loss, gradOut.view.slice(), ceResident.dTemperature);
  ws.release();

  ops.push('crossEntropy');
  const ce = core.crossEntropy(logits, shape, labels, { temperature: 1.7, grad: true, labelSmoothing: 0.1 });
  put('crossEntropy loss', ce.loss);
  put('crossEntropy grad', ce.grad);
  put('crossEntropy dT', ce.dTemperature);
  const soft = core.softmax(matrix(core, rows, cols, 5), shape);
  const ceSoft = core.crossEntropy(logits, shape, soft, { reduction: 'none', grad: true });
  put('crossEntropy soft none', ceSoft.loss);
  put('crossEntropy soft grad', ceSoft.grad);

  ops.push('batchNorm', 'batchNormTrain', 'batchNormBackward');
  const gamma = matrix(core, 1, cols, 23, 1);
  const beta = matrix(core, 1, cols, 24, 1);
  const variance = Float32Array.from(matrix(core, 1, cols, 22, 1), (v) => v * v + 0.5);
  put('batchNorm', core.batchNorm(logits, shape, { runningMean: matrix(core, 1, cols, 21, 1), runningVariance: variance, gamma, beta }));
  const state = { runningMean: new Float32Array(cols), runningVariance: new Float32Array(cols).fill(1), gamma, beta };
  const train = core.batchNormTrain(logits, shape, state, { momentum: 0.1 });
  put('batchNormTrain y', train.y);
  put('batchNormTrain running', state.runningMean, state.runningVariance);
  const grads = core.batchNormBackward(matrix(core, rows, cols, 9), train.cache);
  put('batchNormBackward', grads.dx, grads.dGamma, grads.dBeta);

  ops.push('optimalTemperature');
  put('optimalTemperature M=512', core.optimalTemperature({ featureDim: 512 }).temperature);
  put('optimalTemperature M=2048 CN=100 CSG=0.3', core.optimalTemperature({ featureDim: 2048, numClasses: 100, csg: 0.3, coefficients: { gamma: 0.5, delta: 0.1 } }).temperature);

  ops.push('fitTemperature');
  const fit = core.fitTemperature(logits, shape, labels);
  put('fitTemperature', new Float64Array([fit.temperature, fit.nllBefore, fit.nllAfter, fit.evaluations]));

  ops.push('calibrationMetrics');
  for (const [name, m] of [
    ['logits T=fit', core.calibrationMetrics(logits, shape, labels, { temperature: fit.temperature })],
    ['probabilities', core.calibrationMetrics(y, shape, labels, { inputs: 'probabilities', binCount: 10 })],
  ] as const) {
    const bins = m.bins.flatMap((b) => [b.lower, b.upper, b.count, b.confidence, b.accuracy]);
    put(`calibrationMetrics ${name}`, new Float64Array([m.accuracy, m.nll, m.brier, m.ece, m.mce, ...bins]));
  }

  ops.push('cumulativeSpectralGradient');
  const features = matrix(core, 60, 9, 31);
  const classes = labelsFor(core, 60, 3, 32);
  const csg = core.cumulativeSpectralGradient(features, [60, 9], classes, { k: 5, samplesPerClass: 12, seed: 4, runCount: 2 });
  put('cumulativeSpectralGradient', csg.csg);
  return { build: core.wasmBuild(), ops, values, numbers };
}
