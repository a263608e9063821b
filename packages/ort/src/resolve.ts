import { fitTemperature, optimalTemperature, TStarError, type FitTemperatureOptions, type OptimalTemperature, type TemperatureCoefficients, type TemperatureFit } from '@tstar/core';

// Stand-in for @tstar/core's resolveTemperature until the API pass (issue 14) lands; same contract, and every
// number still comes from the core (optimalTemperature, fitTemperature).

/** What `'auto'` and `'fit'` need. */
export interface ResolveTemperatureInput {
  featureDim?: number;
  numClasses?: number;
  csg?: number;
  coefficients?: Partial<TemperatureCoefficients>;
  logits?: Float32Array;
  shape?: readonly [number, number];
  labels?: Int32Array;
  fit?: FitTemperatureOptions;
}

/** The temperature in force and where it came from. */
export interface ResolvedTemperature {
  temperature: number;
  source: 'given' | 'auto' | 'fit';
  optimal?: OptimalTemperature;
  fit?: TemperatureFit;
  warnings: { code: string; message: string }[];
}

export function resolveTemperature(spec: number | 'auto' | 'fit', input: ResolveTemperatureInput = {}): ResolvedTemperature {
  const op = 'resolveTemperature';
  if (spec === 'auto') {
    if (input.featureDim === undefined) throw new TStarError('E_ARGUMENT', `${op}: 'auto' needs featureDim (M)`);
    const optimal = optimalTemperature({ featureDim: input.featureDim, numClasses: input.numClasses, csg: input.csg, coefficients: input.coefficients });
    return { temperature: optimal.temperature, source: 'auto', optimal, warnings: [] };
  }
  if (spec === 'fit') {
    if (!input.logits || !input.shape || !input.labels) throw new TStarError('E_ARGUMENT', `${op}: 'fit' needs logits, shape and labels`);
    const fit = fitTemperature(input.logits, input.shape, input.labels, input.fit);
    const warnings = fit.converged ? [] : [{ code: 'W_NOT_CONVERGED', message: `${op}: the fit did not converge (T = ${fit.temperature})` }];
    return { temperature: fit.temperature, source: 'fit', fit, warnings };
  }
  if (typeof spec !== 'number' || !Number.isFinite(spec) || spec <= 0) {
    throw new TStarError('E_TEMPERATURE', `${op}: temperature must be a finite number > 0, 'auto' or 'fit', got ${typeof spec === 'string' ? `'${spec}'` : String(spec)}`);
  }
  return { temperature: spec, source: 'given', warnings: [] };
}
