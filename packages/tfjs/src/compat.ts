// The core's names before and after its API pass (issue 14). Everything this package needs from the pass goes
// through here, so switching to the final API touches one file.
import { calibrationMetrics as coreCalibrationMetrics, crossEntropy, fitTemperature as coreFitTemperature, optimalTemperature, TStarError, type CalibrationMetrics, type OptimalTemperature, type Shape2D, type TemperatureCoefficients, type TemperatureFit, type TStarErrorCode } from '@tstar/core';

/** `E_MODEL` arrives with the API pass; until then the code is typed by a cast. */
export function modelError(message: string): TStarError {
  return new TStarError('E_MODEL' as TStarErrorCode, message);
}

/**
 * dL/dlogits of the per-row cross-entropy, each row scaled by its upstream gradient. The core's `upstream`
 * option (issue 14) does the scaling in its pass; until it lands the caller multiplies (see `ops.ts`).
 */
export function crossEntropyRowsGrad(logits: Float32Array, shape: Shape2D, target: Int32Array | Float32Array, temperature: number, labelSmoothing: number): Float32Array {
  return crossEntropy(logits, shape, target, { temperature, labelSmoothing, reduction: 'none', grad: true }).grad as Float32Array;
}

/** Post-hoc T fit; the option `init` is renamed `initialTemperature` by the API pass. */
export function fitTemperature(logits: Float32Array, shape: Shape2D, labels: Int32Array, options: { initialTemperature?: number; tolerance?: number; maxEvaluations?: number }): TemperatureFit {
  return coreFitTemperature(logits, shape, labels, { init: options.initialTemperature, tolerance: options.tolerance, maxIterations: options.maxEvaluations });
}

/** Calibration metrics; the option `bins` is renamed `binCount` by the API pass. */
export function calibrationMetrics(logits: Float32Array, shape: Shape2D, labels: Int32Array, options: { temperature: number; binCount?: number }): CalibrationMetrics {
  return coreCalibrationMetrics(logits, shape, labels, { temperature: options.temperature, bins: options.binCount });
}

/** T̂* from M; the API pass adds `resolveTemperature('auto', …)`, which this becomes. */
export function autoTemperature(input: { featureDim: number; numClasses?: number; csg?: number; coefficients?: Partial<TemperatureCoefficients> }): OptimalTemperature {
  return optimalTemperature(input);
}
