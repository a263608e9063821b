// Plain JavaScript: what a careful user writes without a library (typed arrays, float64 sums).
import { cumulativeSpectralGradient } from '../../lib/float64.js';
import {
  batchNormPlain, batchNormTrainStepPlain, calibrationPlain, crossEntropyLossPlain, crossEntropyPlain,
  fitTemperaturePlain, logSoftmaxPlain, softmaxPlain,
} from '../../lib/plain.js';
import { contender, type Contender } from './contender.js';

export function plainContender(): Contender {
  return contender('plain JS', 'plain', {
    softmax: ({ input: { x, rows, cols, temperature } }) => ({ run: () => softmaxPlain(x, rows, cols, temperature) }),
    logSoftmax: ({ input: { x, rows, cols, temperature } }) => ({ run: () => logSoftmaxPlain(x, rows, cols, temperature) }),
    crossEntropy: ({ input: { x, rows, cols, labels, temperature } }) => ({ run: () => crossEntropyLossPlain(x, rows, cols, labels, temperature) }),
    crossEntropyGrad: ({ input: { x, rows, cols, labels, temperature } }) => ({ run: () => crossEntropyPlain(x, rows, cols, labels, temperature) }),
    batchNorm: ({ input: i }) => ({ run: () => batchNormPlain(i.x, i.rows, i.cols, i) }),
    batchNormTrain: ({ input: i }) => {
      const state = { ...i, runningMean: i.runningMean.slice(), runningVariance: i.runningVariance.slice() };
      return { run: () => ({ ...batchNormTrainStepPlain(i.x, i.dy, i.rows, i.cols, state), runningMean: state.runningMean, runningVariance: state.runningVariance }) };
    },
    fitTemperature: ({ input: { x, rows, cols, labels } }) => ({ run: () => fitTemperaturePlain(x, rows, cols, labels) }),
    calibrationMetrics: ({ input: { x, rows, cols, labels, temperature, binCount } }) => ({ run: () => calibrationPlain(x, rows, cols, labels, temperature, binCount) }),
    // The float64 reference itself (brute-force kNN with a k-best list): what the check compares with.
    csg: ({ input: { x, rows, cols, labels, classes, k } }) => ({ run: () => cumulativeSpectralGradient(x, rows, cols, labels, classes, k) }),
  });
}
