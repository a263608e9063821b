import { fitTemperature, optimalTemperature } from '@tstar/core';
import { number, UsageError, type Values } from './command.js';
import { coefficientOverrides, type Labelled } from './data.js';

export interface ChosenTemperature {
  temperature: number;
  /** How it was chosen: 'given', 'auto' (T̂*) or 'fit'. */
  source: 'given' | 'auto' | 'fit';
}

/** Resolves --temperature: a number, `auto` (T̂* from --dim) or `fit` (post-hoc on these logits). */
export function chooseTemperature(values: Values, data: Labelled): ChosenTemperature {
  const raw = values.temperature === undefined ? '1' : String(values.temperature);
  if (raw === 'auto') {
    const featureDim = number(values, 'dim', { integer: true, min: 1 });
    if (featureDim === undefined) throw new UsageError('--temperature auto needs --dim M (the feature width before the last layer)');
    const numClasses = number(values, 'classes', { integer: true, min: 2 });
    const csg = number(values, 'csg', { min: 0 });
    return { temperature: optimalTemperature({ featureDim, numClasses, csg, coefficients: coefficientOverrides(values) }).temperature, source: 'auto' };
  }
  if (raw === 'fit') return { temperature: fitTemperature(data.logits, data.shape, data.labels).temperature, source: 'fit' };
  const t = values.temperature === undefined ? 1 : number(values, 'temperature', { above: 0 });
  if (t === undefined || !Number.isFinite(t)) throw new UsageError(`--temperature must be a number > 0, 'auto' or 'fit', got '${raw}'`);
  return { temperature: t, source: 'given' };
}
