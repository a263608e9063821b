import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyScaler, calibrate as calibrateCore, calibrationMetrics, type CalibrateOptions, type CalibrationReport, type CalibrationMethod } from '@tstar/core';
import { reliabilitySvg } from '@tstar/node';
import { number, optionalString, UsageError, type Values } from '../command.js';
import type { Labelled } from '../data.js';
import { num, percent, table, toJson } from '../format.js';
import { warningLines } from '../calibration.js';

/** calibrate's options for the scaler and its held-out report (issue 20). */
export const SCALER_OPTIONS = {
  method: { type: 'string', value: 'M', help: "'temperature', 'vector' (per-class scale and bias) or 'platt' (single-logit binary head [n, 1])", default: 'temperature' },
  head: { type: 'string', value: 'KIND', help: "'softmax' (class labels) or 'sigmoid' (labels 0/1; a [n, 1] head gets a sigmoid temperature)", default: 'softmax' },
  'validation-fraction': { type: 'string', value: 'F', help: 'share of the rows held out to measure the scaler on', default: '0.2' },
  seed: { type: 'string', value: 'S', help: 'seed of the held-out split', default: '0' },
  regularization: { type: 'string', value: 'L', help: 'vector scaling: pull the per-class parameters toward temperature scaling', default: '0' },
  'platt-targets': { type: 'boolean', help: "platt: Platt's smoothed targets (N₊+1)/(N₊+2) and 1/(N₋+2), finite on separable data" },
} as const;

/** The method and head asked for, checked. */
export function scalerChoice(values: Values): { method: CalibrationMethod; head: 'softmax' | 'sigmoid' } {
  const method = (optionalString(values, 'method') ?? 'temperature') as CalibrationMethod;
  if (!['temperature', 'vector', 'platt'].includes(method)) throw new UsageError(`--method must be 'temperature', 'vector' or 'platt', got '${method}'`);
  const head = (optionalString(values, 'head') ?? (method === 'platt' ? 'sigmoid' : 'softmax')) as 'softmax' | 'sigmoid';
  if (head !== 'softmax' && head !== 'sigmoid') throw new UsageError(`--head must be 'softmax' or 'sigmoid', got '${head}'`);
  if (method === 'platt' && head !== 'sigmoid') throw new UsageError("--method platt needs a sigmoid head");
  if (method === 'vector' && head !== 'softmax') throw new UsageError('--method vector needs a softmax head');
  return { method, head };
}

/** The core's calibrate() with the CLI's flags: fit on most rows, measure before/after on the held-out rest. */
export function heldOutReport(values: Values, data: Labelled, inputs?: 'logits' | 'probabilities'): CalibrationReport {
  const { method, head } = scalerChoice(values);
  const options: CalibrateOptions = {
    method,
    head,
    inputs,
    validationFraction: number(values, 'validation-fraction', { above: 0 }),
    seed: number(values, 'seed', { integer: true, min: 0 }),
    binCount: number(values, 'bin-count', { integer: true, min: 1 }),
    regularization: number(values, 'regularization', { min: 0 }),
    targets: values['platt-targets'] === true ? 'platt' : undefined,
    maxEvaluations: number(values, 'max-evaluations', { integer: true, min: 1 }),
  };
  return calibrateCore(data.logits, data.shape, data.labels, options);
}

function scalerText(r: CalibrationReport): string {
  const s = r.scaler;
  switch (s.method) {
    case 'temperature':
      return `T = ${num(s.temperature, 5)}`;
    case 'sigmoid-temperature':
      return `T = ${s.temperatures.map((t) => num(t, 4)).join(', ')}`;
    case 'platt':
      return `sigmoid(${num(s.scale, 5)}·z ${s.bias < 0 ? '−' : '+'} ${num(Math.abs(s.bias), 5)})`;
    case 'vector':
      return `${s.scale.length} per-class scales in [${num(Math.min(...s.scale), 4)}, ${num(Math.max(...s.scale), 4)}], biases in [${num(Math.min(...s.bias), 4)}, ${num(Math.max(...s.bias), 4)}]`;
  }
}

/** The lines people read: the scaler, held-out numbers before and after, every warning. */
export function reportLines(r: CalibrationReport): string[] {
  const split = r.split.source === 'split'
    ? `${r.split.validationRows} of ${r.split.fitRows + r.split.validationRows} rows held out (seed ${r.split.seed})`
    : `${r.split.validationRows} validation rows`;
  const row = (name: string, m: CalibrationReport['before']) => [name, num(m.nll), percent(m.ece), percent(m.mce), num(m.brier), percent(m.accuracy)];
  return [
    `${r.method} scaling: ${scalerText(r)}  (measured on ${split})`,
    '',
    table(['held out', 'NLL', 'ECE', 'MCE', 'Brier', 'accuracy'], [row('before', r.before), row('after', r.after)]),
    ...(r.warnings.length ? ['', ...warningLines(r.warnings)] : []),
  ];
}

/**
 * `tstar calibrate --method vector|platt` (and sigmoid heads): the held-out report, reliability diagrams of the
 * held-out rows before and after, and the scaler as JSON for the adapters, in one directory.
 */
export async function runScaler(values: Values, data: Labelled, dir: string, context: { json: boolean; stdout: (text: string) => void }): Promise<void> {
  const report = heldOutReport(values, data);
  await mkdir(dir, { recursive: true });
  // Diagrams of all rows before and after (the held-out numbers are in the report).
  const measure = { head: report.head, binCount: number(values, 'bin-count', { integer: true, min: 1 }) } as const;
  const before = calibrationMetrics(data.logits, data.shape, data.labels, measure);
  const after = calibrationMetrics(applyScaler(data.logits, data.shape, report.scaler, { output: 'logits' }), data.shape, data.labels, measure);
  const files = { report: join(dir, 'report.json'), scaler: join(dir, 'scaler.json'), before: join(dir, 'reliability-before.svg'), after: join(dir, 'reliability-after.svg') };
  await writeFile(files.before, reliabilitySvg(before, { title: 'Reliability before scaling' }));
  await writeFile(files.after, reliabilitySvg(after, { title: `Reliability after ${report.method} scaling` }));
  await writeFile(files.scaler, `${toJson(report.scaler)}\n`);
  const out = { logits: data.logitsPath, labels: data.labelsPath, rows: data.shape[0], classes: data.shape[1], ...report, files };
  await writeFile(files.report, `${toJson(out)}\n`);
  if (context.json) {
    context.stdout(toJson(out));
    return;
  }
  for (const line of reportLines(report)) context.stdout(line);
  context.stdout(`\nwrote ${Object.values(files).join(', ')}`);
}
