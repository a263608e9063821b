// The wasm module's surface: every kernel family re-exported from one entry.
export { OK, E_NONFINITE, E_MASKED, E_LABEL, E_RANGE, errorIndex, errorRange } from './status';
export { heapBase, RELAXED_SIMD } from './memory';
export { expElementwise } from './simd/exp';
export { softmax, logSoftmax, softmaxBackward } from './softmax';
export { crossEntropyLabels, crossEntropySoft } from './cross-entropy';
export { csgNeighbours, csgProject, csgProjectBack, csgJacobi } from './csg';
export { temperatureObjective, sigmoidTemperatureObjective } from './temperature';
export {
  metricsLogits, metricsProbabilities, metricsLogProbabilities, metricsSigmoid, metricsClasswise, metricsBins,
  metricsMassEdges, metricsResample,
} from './metrics';
export { vectorScalingObjective, plattObjective } from './scaling';
export { batchNormApply, batchNormStats, batchNormBackward } from './batchnorm';
