import { writeFile } from 'node:fs/promises';
import type { CalibrationMetrics, CalibrationOptions, TStarWarning } from '@tstar/core';
import { riskCoverageSvg } from '@tstar/node';
import { number, optionalString, UsageError, type OptionSpec, type Values } from './command.js';
import { num, percent } from './format.js';

/** eval's options beyond the basics (issue 20): binning, classwise, bootstrap, selective prediction, heads. */
export const EVAL_CALIBRATION_OPTIONS: Record<string, OptionSpec> = {
  binning: { type: 'string', value: 'KIND', help: "'equal-width' bins on [0, 1] or 'equal-mass' bins at the confidence quantiles (adaptive ECE)", default: 'equal-width' },
  'bin-edges': { type: 'string', value: 'SIDE', help: "'upper': bins (lower, upper]; 'lower': [lower, upper) as numpy and netcal", default: 'upper' },
  head: { type: 'string', value: 'KIND', help: "'softmax' (class labels) or 'sigmoid' (a single-logit binary head [n, 1], labels 0/1)", default: 'softmax' },
  binary: { type: 'string', value: 'KIND', help: "binary heads: 'top-label' confidence or 'positive' (P(y = 1), netcal's P[:, 1])", default: 'top-label' },
  classwise: { type: 'boolean', help: 'also classwise ECE and the Brier decomposition (reliability, resolution, uncertainty)' },
  bootstrap: { type: 'string', value: 'N', help: "a seeded bootstrap interval of the ECE over N resamples, and the ECE a calibrated model shows on this many rows" },
  seed: { type: 'string', value: 'S', help: 'seed of the bootstrap', default: '0' },
  level: { type: 'string', value: 'L', help: 'coverage of the bootstrap interval', default: '0.95' },
  selective: { type: 'boolean', help: 'selective prediction: risk–coverage curve, AURC, thresholds' },
  'target-accuracy': { type: 'string', value: 'A', help: 'the confidence threshold whose answered forecasts reach accuracy A (implies --selective)' },
  'target-coverage': { type: 'string', value: 'C', help: 'the confidence threshold that answers a share C (implies --selective)' },
  'risk-svg': { type: 'string', value: 'FILE', help: 'write the risk–coverage curve as SVG (implies --selective)' },
};

function choice<T extends string>(values: Values, name: string, allowed: readonly T[]): T | undefined {
  const v = optionalString(values, name);
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T)) throw new UsageError(`--${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got '${v}'`);
  return v as T;
}

/** The head the labels belong to (sigmoid labels are 0/1 targets, not class indices). */
export function headOf(values: Values): 'softmax' | 'sigmoid' {
  return choice(values, 'head', ['softmax', 'sigmoid'] as const) ?? 'softmax';
}

/** calibrationMetrics options from eval's flags. */
export function calibrationOptions(values: Values): CalibrationOptions {
  const replicates = number(values, 'bootstrap', { integer: true, min: 1 });
  const targetAccuracy = number(values, 'target-accuracy', { above: 0 });
  const targetCoverage = number(values, 'target-coverage', { above: 0 });
  const selective = values.selective === true || targetAccuracy !== undefined || targetCoverage !== undefined || optionalString(values, 'risk-svg') !== undefined;
  return {
    head: headOf(values),
    binning: choice(values, 'binning', ['equal-width', 'equal-mass'] as const),
    binEdges: choice(values, 'bin-edges', ['upper', 'lower'] as const),
    binary: choice(values, 'binary', ['top-label', 'positive'] as const),
    classwise: values.classwise === true,
    bootstrap: replicates === undefined ? undefined : { replicates, seed: number(values, 'seed', { integer: true, min: 0 }), level: number(values, 'level', { above: 0 }) },
    selective: selective ? { targetAccuracy, targetCoverage } : undefined,
  };
}

/** The lines eval prints for what the options added (RMS and ACE always). */
export function extraPairs(m: CalibrationMetrics): [string, string][] {
  const out: [string, string][] = [
    ['RMS calibration error', percent(m.rmsce)],
    ['ACE (bins weighted equally)', percent(m.ace)],
    ['bins', `${m.bins.length} ${m.binning}`],
  ];
  if (m.classwise) out.push(['classwise ECE', percent(m.classwise.ece)]);
  const d = m.brierDecomposition;
  if (d) {
    out.push(['Brier reliability', num(d.reliability)], ['Brier resolution', num(d.resolution)], ['Brier uncertainty', num(d.uncertainty)]);
    if (Math.abs(d.withinBin) > 1e-12) out.push(['Brier within-bin', num(d.withinBin)]);
  }
  const b = m.bootstrap;
  if (b) {
    const lv = `${Math.round(b.level * 100)} %`;
    out.push([`ECE ${lv} interval`, `${percent(b.low)} – ${percent(b.high)}  (${b.replicates} bootstrap resamples, seed ${b.seed})`]);
    out.push([
      'ECE if calibrated',
      `${percent(b.calibratedEce.mean)} on average, ≤ ${percent(b.calibratedEce.high)} in ${lv} of ${b.calibratedEce.simulations} simulations at ${m.count} rows (p = ${num(b.calibratedEce.pValue, 3)})`,
    ]);
  }
  const s = m.selective;
  if (s) {
    out.push(['AURC', `${num(s.aurc, 4)}  (optimal ${num(s.optimalAurc, 4)}, excess ${num(s.excessAurc, 4)})`]);
    if (s.atAccuracy !== undefined) {
      out.push([`accuracy ≥ ${percent(s.atAccuracy?.target ?? NaN, 1)}`, s.atAccuracy ? `answer when confidence ≥ ${num(s.atAccuracy.threshold, 4)}: coverage ${percent(s.atAccuracy.coverage)}, accuracy ${percent(s.atAccuracy.accuracy)}` : 'no threshold reaches it']);
    }
    if (s.atCoverage) {
      out.push([`coverage ≥ ${percent(s.atCoverage.target, 1)}`, `answer when confidence ≥ ${num(s.atCoverage.threshold, 4)}: coverage ${percent(s.atCoverage.coverage)}, accuracy ${percent(s.atCoverage.accuracy)}`]);
    }
  }
  return out;
}

/** Warnings as plain lines: `warning W_CODE: message`. */
export function warningLines(warnings: readonly TStarWarning[]): string[] {
  return warnings.map((w) => `warning ${w.code}: ${w.message}`);
}

/** Writes --risk-svg when asked; returns the path written. */
export async function writeRiskSvg(values: Values, m: CalibrationMetrics): Promise<string | undefined> {
  const path = optionalString(values, 'risk-svg');
  if (path === undefined || !m.selective) return undefined;
  await writeFile(path, riskCoverageSvg(m.selective));
  return path;
}
