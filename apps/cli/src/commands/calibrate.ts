import { join } from 'node:path';
import { calibrationMetrics, optimalTemperature, type CalibrationMetrics, type OptimalTemperature, type TemperatureFit } from '@tstar/core';
import { reliabilitySvg, temperatureSweepSvg } from '@tstar/node';
import { number, optionalString, required, type Command, LIMITS } from '../command.js';
import { COEFFICIENT_OPTIONS, coefficientOverrides, maybePool, readLabelled, type Labelled } from '../data.js';
import { num, percent, table, toJson } from '../format.js';
import { makeDir, writeOutput } from '../output.js';
import { progress } from '../progress.js';
import { FIT_OPTIONS, runFit } from './fit.js';
import { heldOutReport, reportLines, runScaler, scalerChoice, SCALER_OPTIONS } from './calibrate-scaler.js';
import { CALIBRATE_MODEL_OPTIONS, modelLabelled, writeCalibratedModel } from '../models.js';

/** Log-spaced temperatures covering every marked T with a factor-4 margin on each side. */
export function sweepGrid(marks: readonly number[], steps: number): number[] {
  const lo = Math.log(Math.min(...marks) / 4), hi = Math.log(Math.max(...marks) * 4);
  return Array.from({ length: steps }, (_, i) => Math.exp(lo + ((hi - lo) * i) / (steps - 1)));
}

interface Row {
  name: string;
  temperature: number;
  metrics: CalibrationMetrics;
}

interface Meta {
  logits: string;
  labels: string;
  n: number;
  c: number;
  fitted: number;
  estimated?: number;
  dim?: number;
  iterations: number;
}

/** What the reader should know beside the numbers: an unconverged fit, a clipped T̂*. */
function caveats(fit: TemperatureFit, estimate: OptimalTemperature | undefined, dim: number | undefined): string[] {
  const out = fit.warnings.map((w) => `Fit: ${w.message.replace(/^\w+: /, '')}.`);
  if (estimate?.clipped) {
    const c = estimate.coefficients;
    out.push(`T̂* was clipped: the rule gives ${num(estimate.base + estimate.csgTerm + estimate.classTerm)} for M = ${dim}, outside [${num(c.floor)}, ${num(c.ceiling)}], so ${num(estimate.temperature)} is the clip bound, not the rule's value.`);
  }
  return out;
}

function markdown(rows: Row[], files: Record<string, string>, meta: Meta, notes: string[]): string {
  const line = (r: Row) => `| ${r.name} | ${num(r.temperature)} | ${num(r.metrics.nll)} | ${percent(r.metrics.ece)} | ${percent(r.metrics.mce)} | ${num(r.metrics.brier)} | ${percent(r.metrics.accuracy)} |`;
  return [
    '# Calibration report',
    '',
    `Logits \`${meta.logits}\`, labels \`${meta.labels}\`: ${meta.n} rows × ${meta.c} classes.`,
    '',
    '| temperature | T | NLL | ECE | MCE | Brier | accuracy |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(line),
    '',
    `Fitted T = ${num(meta.fitted)} (post-hoc, minimum NLL, ${meta.iterations} evaluations).` +
      (meta.estimated !== undefined
        ? ` T̂* = ${num(meta.estimated)} is the analytical rule for M = ${meta.dim}: it is a training temperature, meaningful here only if the model was trained with logits / T̂*.`
        : ''),
    ...(notes.length > 0 ? ['', ...notes.map((n) => `- ${n}`)] : []),
    '',
    'Reliability diagrams: bars are the accuracy of each confidence bin, the shaded gap runs to the bin\'s mean',
    'confidence, and the histogram below counts the rows in each bin (a tall bar over a handful of rows says little).',
    '',
    `![reliability before, at T = 1](${files.uncalibrated})`,
    '',
    `![reliability after fitting](${files.reliability})`,
    ...(files.estimated ? ['', `![reliability at T̂*](${files.estimated})`] : []),
    '',
    `![NLL and ECE against T](${files.sweep})`,
    '',
  ].join('\n');
}

export const calibrate: Command = {
  name: 'calibrate',
  summary: 'fit + eval + reliability and T-sweep SVGs + a markdown report, in one directory',
  usage: 'tstar calibrate (--logits FILE | --model FILE.onnx|model.json --inputs FILE) --labels FILE [--method temperature|vector|platt] [--feature-dim M] [--out-dir DIR] [--write-model FILE.onnx]',
  options: {
    logits: { type: 'string', value: 'FILE', help: 'logits [n, classes] (required)' },
    labels: { type: 'string', value: 'FILE', help: 'integer labels [n] (required)' },
    'out-dir': { type: 'string', value: 'DIR', help: 'where the report goes', default: 'tstar-report' },
    'feature-dim': { type: 'string', value: 'M', help: 'feature width: also evaluate and mark T̂*' },
    'num-classes': { type: 'string', value: 'N', help: 'class count term of T̂*' },
    csg: { type: 'string', value: 'X', help: 'CSG term of T̂*' },
    'bin-count': { type: 'string', value: 'N', help: 'equal-width confidence bins', default: '15' },
    steps: { type: 'string', value: 'N', help: 'temperatures in the sweep', default: '41' },
    ...FIT_OPTIONS,
    ...CALIBRATE_MODEL_OPTIONS,
    ...COEFFICIENT_OPTIONS,
    ...SCALER_OPTIONS,
  },
  notes: [
    'writes DIR/report.md, DIR/report.json, DIR/reliability.svg (fitted T), DIR/reliability-t1.svg (T = 1),',
    'DIR/reliability-estimated.svg (with --feature-dim) and DIR/sweep.svg.',
    '',
    'example: tstar calibrate --logits val_logits.npy --labels val_labels.npy --feature-dim 512 --out-dir report',
    '         tstar calibrate --model net.onnx --inputs val_x.npy --labels val_y.npy --write-model net-calibrated.onnx',
    '         tstar calibrate --model tfjs-model/model.json --inputs val_x.npy --labels val_y.npy',
    '         tstar calibrate --logits val_logits.npy --labels val_labels.npy --method vector',
    '',
    'every method is also fitted on a seeded 80 % of the rows and measured before and after on the other 20 %, with',
    'warnings (W_ECE_WORSE, W_NLL_WORSE, W_AT_BOUND, W_NOT_CONVERGED, W_LOOKS_LIKE_PROBABILITIES, W_LABELS_ONE_INDEXED, …).',
    '--method vector|platt (or --head sigmoid) writes DIR/report.json, DIR/scaler.json and before/after reliability SVGs.',
  ],
  async run(values, { json, stdout }) {
    const { method, head } = scalerChoice(values);
    const dir = optionalString(values, 'out-dir') ?? 'tstar-report';
    const data: Labelled & { featureDim?: number } = values.model === undefined
      ? await readLabelled(required(values, 'logits'), required(values, 'labels'), head === 'sigmoid' ? 'targets' : 'logits')
      : await modelLabelled(values);
    if (method !== 'temperature' || head === 'sigmoid') return runScaler(values, data, dir, { json, stdout });
    const binCount = number(values, 'bin-count', { integer: true, min: 1, max: LIMITS.binCount }) ?? 15;
    const steps = number(values, 'steps', { integer: true, min: 2, max: LIMITS.steps }) ?? 41;
    const heldOut = heldOutReport(values, data);
    const dim = number(values, 'feature-dim', { integer: true, min: 1 }) ?? data.featureDim;
    const estimate = dim === undefined
      ? undefined
      : optimalTemperature({ featureDim: dim, numClasses: number(values, 'num-classes', { integer: true, min: 2 }), csg: number(values, 'csg', { min: 0 }), coefficients: coefficientOverrides(values) });
    // Before the fit and the sweep, so a directory that cannot be made fails at once.
    await makeDir(dir);
    const fitted = await runFit(values, data);

    const grid = sweepGrid([1, fitted.temperature, ...(estimate ? [estimate.temperature] : [])], steps);
    const temperatures = [1, fitted.temperature, ...(estimate ? [estimate.temperature] : []), ...grid];
    const bar = progress('sweeping T');
    let sweep: CalibrationMetrics[];
    const pool = await maybePool(values);
    try {
      if (pool) {
        sweep = await pool.calibrationSweep(data.logits, data.shape, data.labels, temperatures, { binCount }, (done, total) => bar.update(done, total));
      } else {
        sweep = temperatures.map((temperature, i) => {
          bar.update(i, temperatures.length);
          return calibrationMetrics(data.logits, data.shape, data.labels, { temperature, binCount });
        });
      }
    } finally {
      bar.finish();
      await pool?.close();
    }
    const rows: Row[] = [
      { name: 'T = 1', temperature: 1, metrics: sweep[0] },
      ...(estimate ? [{ name: 'T̂* (rule)', temperature: estimate.temperature, metrics: sweep[2] }] : []),
      { name: 'fitted', temperature: fitted.temperature, metrics: sweep[1] },
    ];
    const curve = sweep.slice(temperatures.length - grid.length);

    const files: Record<string, string> = {
      report: join(dir, 'report.md'),
      json: join(dir, 'report.json'),
      reliability: 'reliability.svg',
      uncalibrated: 'reliability-t1.svg',
      sweep: 'sweep.svg',
    };
    await writeOutput(join(dir, files.reliability), reliabilitySvg(sweep[1], { title: 'Reliability at the fitted T', temperature: fitted.temperature }));
    await writeOutput(join(dir, files.uncalibrated), reliabilitySvg(sweep[0], { title: 'Reliability before, at T = 1', temperature: 1 }));
    if (estimate) {
      files.estimated = 'reliability-estimated.svg';
      const title = estimate.clipped ? 'Reliability at T̂* (clipped)' : 'Reliability at T̂*';
      await writeOutput(join(dir, files.estimated), reliabilitySvg(sweep[2], { title, temperature: estimate.temperature }));
    }
    await writeOutput(
      join(dir, files.sweep),
      temperatureSweepSvg({ temperatures: grid, nll: curve.map((m) => m.nll), ece: curve.map((m) => m.ece) }, { estimated: estimate?.temperature, fitted: fitted.temperature }),
    );
    const meta = { logits: data.logitsPath, labels: data.labelsPath, n: data.shape[0], c: data.shape[1], fitted: fitted.temperature, estimated: estimate?.temperature, dim, iterations: fitted.evaluations };
    const notes = caveats(fitted, estimate, dim);
    await writeOutput(files.report, markdown(rows, files, meta, notes));
    const report = {
      ...meta,
      fit: fitted,
      estimate,
      notes,
      results: rows.map((r) => ({ name: r.name, temperature: r.temperature, ...r.metrics })),
      sweep: grid.map((t, i) => ({ temperature: t, nll: curve[i].nll, ece: curve[i].ece })),
      heldOut,
      files: Object.fromEntries(Object.entries(files).map(([k, f]) => [k, f.startsWith(dir) ? f : join(dir, f)])),
    };
    if (values['write-model'] !== undefined) (report.files as Record<string, string>).model = await writeCalibratedModel(values, fitted.temperature);
    await writeOutput(files.json, `${toJson(report)}\n`);
    if (json) {
      stdout(toJson(report));
      return;
    }
    stdout(`fitted T = ${num(fitted.temperature, 4)}: ECE ${percent(rows[0].metrics.ece)} → ${percent(sweep[1].ece)}  (${data.shape[0]} rows × ${data.shape[1]} classes)\n`);
    stdout(table(['', 'T', 'NLL', 'ECE', 'MCE', 'Brier', 'accuracy'], rows.map((r) => [r.name, num(r.temperature), num(r.metrics.nll), percent(r.metrics.ece), percent(r.metrics.mce), num(r.metrics.brier), percent(r.metrics.accuracy)])));
    for (const note of notes) stdout(`\nnote: ${note}`);
    stdout('');
    for (const line of reportLines(heldOut)) stdout(line);
    stdout(`\nwrote ${Object.values(report.files).join(', ')}`);
  },
};
