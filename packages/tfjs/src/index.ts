export { TemperatureSoftmax, type TemperatureSoftmaxArgs } from './temperature-softmax.js';
export { temperatureCrossEntropy, type TemperatureCrossEntropyOptions, type TemperatureLoss } from './loss.js';
export {
  insertBatchNorm, logitsModel, withOptimalTemperature, calibrateModel, withScaler,
  type InsertBatchNormOptions, type WithOptimalTemperatureOptions, type OptimalTemperatureModel,
  type CalibrateModelOptions, type CalibratedModel, type LabelsInput,
} from './model.js';
export { registerKernels } from './kernels.js';
export { softmaxWithTemperature, KERNELS } from './ops.js';
export { scaledProbabilities, ScalerOutput, type ScaledProbabilitiesOptions, type ScalerOutputArgs, type ScalerInput } from './scaler.js';
