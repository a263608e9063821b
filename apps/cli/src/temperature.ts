import { resolveTemperature, type ResolvedTemperature } from '@tstar/core';
import { number, UsageError, type Values } from './command.js';
import { coefficientOverrides, type Labelled } from './data.js';

/** Resolves --temperature through the core: a number, `auto` (T̂* from --feature-dim) or `fit` (post-hoc on these logits). */
export function chooseTemperature(values: Values, data: Labelled): ResolvedTemperature {
  const raw = values.temperature === undefined ? '1' : String(values.temperature);
  const context = {
    featureDim: number(values, 'feature-dim', { integer: true, min: 1 }),
    numClasses: number(values, 'num-classes', { integer: true, min: 2 }),
    csg: number(values, 'csg', { min: 0 }),
    coefficients: coefficientOverrides(values),
    logits: data.logits,
    shape: data.shape,
    labels: data.labels,
  };
  if (raw === 'auto' || raw === 'fit') {
    if (raw === 'auto' && context.featureDim === undefined) throw new UsageError('--temperature auto needs --feature-dim M (the feature width before the last layer)');
    return resolveTemperature(raw, context);
  }
  const t = values.temperature === undefined ? 1 : number(values, 'temperature', { above: 0 });
  if (t === undefined || !Number.isFinite(t)) throw new UsageError(`--temperature must be a number > 0, 'auto' or 'fit', got '${raw}'`);
  return resolveTemperature(t, context);
}
