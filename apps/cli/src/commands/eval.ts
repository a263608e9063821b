import { calibrationMetrics, type CalibrationMetrics } from '@tstar/core';
import { reliabilitySvg } from '@tstar/node';
import { number, optionalString, required, UsageError, type Command, LIMITS } from '../command.js';
import { COEFFICIENT_OPTIONS, readLabelled } from '../data.js';
import { writeOutput } from '../output.js';
import { num, pairs, percent, table, toJson } from '../format.js';
import { chooseTemperature } from '../temperature.js';
import { calibrationOptions, EVAL_CALIBRATION_OPTIONS, extraPairs, headOf, warningLines, writeRiskSvg } from '../calibration.js';

export function binsTable(m: CalibrationMetrics): string {
  const rows = m.bins
    .filter((b) => b.count > 0)
    .map((b) => [`${b.lower.toFixed(2)}–${b.upper.toFixed(2)}`, String(b.count), percent(b.confidence, 1), percent(b.accuracy, 1), percent(b.accuracy - b.confidence, 1)]);
  return table(['confidence', 'rows', 'mean conf', 'accuracy', 'gap'], rows);
}

export function metricsPairs(m: CalibrationMetrics): [string, string][] {
  return [
    ['accuracy', percent(m.accuracy)],
    ['NLL', num(m.nll)],
    ['Brier', num(m.brier)],
    ['ECE', percent(m.ece)],
    ['MCE', percent(m.mce)],
  ];
}

export const evaluate: Command = {
  name: 'eval',
  summary: 'calibration of logits at a temperature: accuracy, NLL, Brier, ECE, MCE, reliability bins',
  usage: 'tstar eval --logits FILE --labels FILE [--temperature T|auto|fit] [--svg diagram.svg]',
  options: {
    logits: { type: 'string', value: 'FILE', help: 'logits (or probabilities, see --inputs) [n, classes] (required)' },
    labels: { type: 'string', value: 'FILE', help: 'integer labels [n] (required)' },
    temperature: { type: 'string', value: 'T', help: "a number, 'auto' (T̂* from --feature-dim) or 'fit' (post-hoc on these logits)", default: '1' },
    inputs: { type: 'string', value: 'KIND', help: "'logits' or 'probabilities'", default: 'logits' },
    'bin-count': { type: 'string', value: 'N', help: 'equal-width confidence bins', default: '15' },
    svg: { type: 'string', value: 'FILE', help: 'write the reliability diagram as SVG' },
    'feature-dim': { type: 'string', value: 'M', help: 'feature width, for --temperature auto' },
    'num-classes': { type: 'string', value: 'N', help: 'class count term for --temperature auto' },
    csg: { type: 'string', value: 'X', help: 'CSG term for --temperature auto' },
    ...COEFFICIENT_OPTIONS,
    ...EVAL_CALIBRATION_OPTIONS,
  },
  notes: [
    'example: tstar eval --logits test_logits.npy --labels test_labels.npy --temperature fit --svg reliability.svg',
    'example: tstar eval --logits test_logits.npy --labels test_labels.npy --binning equal-mass --classwise --bootstrap 1000',
  ],
  async run(values, { json, stdout }) {
    const head = headOf(values);
    const data = await readLabelled(required(values, 'logits'), required(values, 'labels'), head === 'sigmoid' ? 'targets' : 'logits');
    if (head === 'sigmoid' && /^(auto|fit)$/.test(optionalString(values, 'temperature') ?? '')) throw new UsageError("--head sigmoid takes a numeric --temperature (fit one with tstar calibrate --head sigmoid)");
    const inputs = (optionalString(values, 'inputs') ?? 'logits') as 'logits' | 'probabilities';
    if (inputs !== 'logits' && inputs !== 'probabilities') throw new UsageError(`--inputs must be 'logits' or 'probabilities', got '${inputs}'`);
    if (inputs === 'probabilities' && values.temperature !== undefined) throw new UsageError('--temperature applies to logits, not --inputs probabilities');
    const chosen = inputs === 'probabilities' || head === 'sigmoid' ? { temperature: number(values, 'temperature', { above: 0 }) ?? 1, source: 'given' as const, warnings: [] } : chooseTemperature(values, data);
    const binCount = number(values, 'bin-count', { integer: true, min: 1, max: LIMITS.binCount }) ?? 15;
    const metrics = calibrationMetrics(data.logits, data.shape, data.labels, { ...calibrationOptions(values), ...(inputs === 'logits' ? { temperature: chosen.temperature, binCount } : { inputs, binCount }) });
    const risk = await writeRiskSvg(values, metrics);
    const svg = optionalString(values, 'svg');
    if (svg !== undefined) await writeOutput(svg, reliabilitySvg(metrics, { temperature: chosen.temperature }));
    if (json) {
      stdout(toJson({ logits: data.logitsPath, labels: data.labelsPath, rows: data.shape[0], classes: data.shape[1], temperature: chosen.temperature, source: chosen.source, ...metrics, warnings: [...chosen.warnings, ...metrics.warnings] }));
      return;
    }
    const from = { given: '', auto: ' (T̂* from --feature-dim)', fit: ' (fitted)' }[chosen.source];
    stdout(`ECE ${percent(metrics.ece)} at T = ${num(chosen.temperature, 4)}${from}  (${data.shape[0]} rows × ${data.shape[1]} classes)\n`);
    for (const line of warningLines([...chosen.warnings, ...metrics.warnings])) stdout(line);
    stdout(pairs([...metricsPairs(metrics), ...extraPairs(metrics)]));
    stdout('');
    stdout(binsTable(metrics));
    if (svg !== undefined) stdout(`\nreliability diagram: ${svg}`);
    if (risk !== undefined) stdout(`risk–coverage curve: ${risk}`);
  },
};
