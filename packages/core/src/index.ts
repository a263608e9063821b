export { init, initSync, isInitialized, wasmBuild, type InitSource, type WasmBuild } from './load.js';
export { TStarError, type TStarErrorCode, type TStarWarning, type TStarWarningCode } from './errors.js';
export type { Shape2D, Precision } from './validate.js';
export { createWorkspace, WorkspaceArray, type Workspace, type FloatData } from './workspace.js';
export { seededRandom } from './random.js';
export { float16ToFloat32 } from './float16.js';
export { softmax, logSoftmax, softmaxBackward, type SoftmaxOptions, type SoftmaxBackwardOptions, type SoftmaxBackwardResult } from './softmax.js';
export {
  crossEntropy,
  type CrossEntropyOptions, type CrossEntropyResult, type CrossEntropyGradResult, type Reduction,
} from './cross-entropy.js';
export {
  optimalTemperature, fitCoefficients, DEFAULT_COEFFICIENTS, CSG_FLOOR,
  type TemperatureCoefficients, type OptimalTemperatureInput, type OptimalTemperature,
  type CoefficientRow, type FitCoefficientsOptions, type CoefficientFit, type CoefficientName,
} from './optimal.js';
export {
  temperatureObjective, mergeTemperatureObjectives, fitTemperature, fitTemperatureWith, fitTemperatureWithAsync,
  type TemperatureObjective, type TemperatureObjectiveOptions, type TemperatureObjectiveFn, type FitTemperatureOptions, type TemperatureFit,
} from './temperature.js';
export {
  resolveTemperature,
  type TemperatureSpec, type ResolveTemperatureContext, type ResolvedTemperature,
} from './resolve-temperature.js';
export { calibrationMetrics, type CalibrationOptions, type CalibrationBin, type CalibrationMetrics } from './metrics.js';
export { cumulativeSpectralGradient, csgFromSimilarity, type CsgOptions, type CsgResult, type CsgSpectrum, type CsgEmbedding } from './csg.js';
export {
  batchNorm, batchNormTrain, batchNormBackward,
  type BatchNormOptions, type BatchNormState, type BatchNormTrainOptions, type BatchNormTrainResult,
  type BatchNormCache, type BatchNormGradients, type BatchNormBackwardOptions,
} from './batchnorm.js';
