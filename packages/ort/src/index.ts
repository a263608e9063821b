export { TemperatureSession, type TemperatureSessionOptions, type TemperatureResult, type Feeds, type Calibration } from './temperature-session.js';
export type { OrtRuntime, ModelSource } from './runtime.js';
export type { BatchNormStatistics } from './onnx/temperature.js';
export type { ClassifierHead } from './onnx/head.js';
