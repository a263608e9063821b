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
  sigmoidTemperatureObjective, fitSigmoidTemperature,
  type TemperatureObjective, type TemperatureObjectiveOptions, type TemperatureObjectiveFn, type FitTemperatureOptions, type TemperatureFit,
  type FitTemperatureDataOptions, type SigmoidTemperatureObjective, type SigmoidTemperatureObjectiveOptions, type FitSigmoidTemperatureOptions, type SigmoidTemperatureFit,
} from './temperature.js';
export {
  vectorScalingObjective, mergeVectorScalingObjectives, fitVectorScaling, fitVectorScalingWith, fitVectorScalingWithAsync, applyVectorScaling,
  plattObjective, mergePlattObjectives, fitPlatt, fitPlattWith, fitPlattWithAsync,
  type VectorScaling, type VectorScalingObjective, type VectorScalingObjectiveFn, type FitVectorScalingOptions, type FitVectorScalingWithOptions,
  type VectorScalingFit, type PlattScaling, type PlattObjective, type PlattObjectiveOptions, type PlattObjectiveFn, type FitPlattOptions, type PlattFit,
} from './scaling.js';
export {
  calibrate, applyScaler, checkScaler, parseScaler,
  type Scaler, type CalibrationMethod, type CalibrateOptions, type CalibrationSummary, type CalibrationReport, type ApplyScalerOptions,
} from './calibrate.js';
export {
  resolveTemperature,
  type TemperatureSpec, type ResolveTemperatureContext, type ResolvedTemperature,
} from './resolve-temperature.js';
export {
  calibrationMetrics, calibrationSums, mergeCalibrationSums, calibrationFromSums, probabilitiesToLogits,
  type CalibrationOptions, type CalibrationSumsOptions, type CalibrationFromSumsOptions, type CalibrationSums, type CalibrationMetrics,
  type CalibrationHead, type BrierDecomposition, type ClasswiseCalibration, type ProbabilitiesToLogitsOptions, type LogitsFromProbabilities,
} from './metrics.js';
export {
  calibrationFromConfidences,
  type CalibrationBin, type ConfidenceOptions, type ConfidenceCalibration, type EceBootstrapOptions, type EceBootstrap,
  type SelectiveOptions, type SelectivePrediction, type SelectiveThreshold,
} from './metrics-rows.js';
export { cumulativeSpectralGradient, csgFromSimilarity, type CsgOptions, type CsgResult, type CsgSpectrum, type CsgEmbedding } from './csg.js';
export {
  batchNorm, batchNormTrain, batchNormBackward,
  type BatchNormOptions, type BatchNormState, type BatchNormTrainOptions, type BatchNormTrainResult,
  type BatchNormCache, type BatchNormGradients, type BatchNormBackwardOptions,
} from './batchnorm.js';
