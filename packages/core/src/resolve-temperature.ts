import { TStarError, type TStarWarning } from './errors.js';
import { optimalTemperature, type OptimalTemperature, type TemperatureCoefficients } from './optimal.js';
import { fitTemperature, type FitTemperatureOptions, type TemperatureFit } from './temperature.js';
import { checkOptions, checkTemperature, describe, type Shape2D } from './validate.js';

/** How a temperature is chosen: a number, `'auto'` (T̂* from the feature width M), or `'fit'` (post-hoc on data). */
export type TemperatureSpec = number | 'auto' | 'fit';

export interface ResolveTemperatureContext {
  /** M, the width of the features entering the output layer; needed by `'auto'`. */
  featureDim?: number;
  /** Number of classes (the class-count term of T̂*, when its coefficient is set). */
  numClasses?: number;
  /** CSG of the task (the CSG term of T̂*, when its coefficient is set). */
  csg?: number;
  /** Overrides of the T̂* coefficients. */
  coefficients?: Partial<TemperatureCoefficients>;
  /** Logits, shape and labels to fit on; needed by `'fit'`. */
  logits?: Float32Array;
  shape?: Shape2D;
  labels?: Int32Array;
  /** Options of the post-hoc fit. */
  fit?: FitTemperatureOptions;
}

export interface ResolvedTemperature {
  /** The temperature in force: divide the logits by it. */
  temperature: number;
  source: 'given' | 'auto' | 'fit';
  /** T̂* and its parts, whenever `featureDim` was given (also beside a given or fitted T, for comparison). */
  optimal?: OptimalTemperature;
  /** The post-hoc fit, for `'fit'`. */
  fit?: TemperatureFit;
  /** The fit's warnings, and `W_CLIPPED` when T̂* was raised to its floor or lowered to its ceiling. */
  warnings: TStarWarning[];
}

/**
 * The one place a temperature choice becomes a number, shared by the CLI, the edge service and the adapters:
 * a number is checked and kept; `'auto'` is T̂* = clip(α·√M + β + γ·ln CSG + δ·ln CN) from `featureDim`
 * (arXiv 2504.15594); `'fit'` minimises the NLL of the given logits at their labels (Guo et al. 2017).
 * @throws {TStarError} E_TEMPERATURE (not a number > 0, 'auto' or 'fit'), E_ARGUMENT ('auto' without featureDim,
 * 'fit' without logits/shape/labels), and the codes of optimalTemperature / fitTemperature
 * @example resolveTemperature('auto', { featureDim: 512 }).temperature // 11.674…
 */
export function resolveTemperature(spec: TemperatureSpec, context: ResolveTemperatureContext = {}): ResolvedTemperature {
  const op = 'resolveTemperature';
  checkOptions(op, context);
  const { featureDim, numClasses, csg, coefficients } = context;
  const optimal = featureDim === undefined ? undefined : optimalTemperature({ featureDim, numClasses, csg, coefficients });
  const warnings: TStarWarning[] = [];
  if (optimal?.clipped) {
    warnings.push({ code: 'W_CLIPPED', message: `${op}: T̂* = ${optimal.base.toPrecision(4)} before clipping was clipped to ${optimal.temperature}` });
  }
  if (spec === 'auto') {
    if (!optimal) throw new TStarError('E_ARGUMENT', `${op}: 'auto' needs featureDim (M, the width of the features entering the output layer)`);
    return { temperature: optimal.temperature, source: 'auto', optimal, warnings };
  }
  if (spec === 'fit') {
    const { logits, shape, labels } = context;
    if (logits === undefined || shape === undefined || labels === undefined) {
      throw new TStarError('E_ARGUMENT', `${op}: 'fit' needs logits, shape and labels to fit on`);
    }
    const fit = fitTemperature(logits, shape, labels, context.fit);
    return { temperature: fit.temperature, source: 'fit', optimal, fit, warnings: [...fit.warnings, ...warnings] };
  }
  if (typeof spec !== 'number') {
    throw new TStarError('E_TEMPERATURE', `${op}: temperature must be a number > 0, 'auto' or 'fit', got ${describe(spec)}`);
  }
  return { temperature: checkTemperature(op, spec), source: 'given', optimal, warnings };
}
