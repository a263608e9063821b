import { calibrationMetrics, fitTemperature, fitTemperatureWithAsync, temperatureObjective, type TemperatureFit } from '@tstar/core';
import { number, optionalString, required, type Command, type Values, LIMITS } from '../command.js';
import { maybePool, readLabelled, WORKERS, type Labelled } from '../data.js';
import { num, pairs, percent, toJson } from '../format.js';
import { writeOutput } from '../output.js';
import { progress } from '../progress.js';

export const FIT_OPTIONS = {
  'initial-temperature': { type: 'string', value: 'T', help: 'starting temperature', default: '1' },
  tolerance: { type: 'string', value: 'X', help: 'stop when a step changes ln T by at most X', default: '1e-6' },
  'max-evaluations': { type: 'string', value: 'N', help: 'most objective evaluations', default: '100' },
  workers: WORKERS,
} as const;

// From this many logits a fit takes long enough to want a moving spinner (2M × 100 takes seconds).
const LARGE_FIT_ELEMENTS = 1 << 20;

/**
 * The post-hoc fit: on a worker pool when --workers asks, otherwise in this thread. A large single-thread fit
 * runs one objective evaluation per event-loop turn, so the spinner moves and counts evaluations; the numbers
 * are the same bits as fitTemperature's (one pass over all rows per evaluation, the same Newton steps).
 */
export async function runFit(values: Values, data: Labelled): Promise<TemperatureFit> {
  const options = {
    initialTemperature: number(values, 'initial-temperature', { above: 0 }),
    tolerance: number(values, 'tolerance', { above: 0 }),
    maxEvaluations: number(values, 'max-evaluations', { integer: true, min: 1, max: LIMITS.maxEvaluations }),
  };
  const pool = await maybePool(values);
  const { logits, shape, labels } = data;
  if (!pool && shape[0] * shape[1] < LARGE_FIT_ELEMENTS) return fitTemperature(logits, shape, labels, options);
  if (!pool) {
    const bar = progress('fitting T, evaluation');
    let evaluations = 0;
    try {
      return await fitTemperatureWithAsync(async (temperature) => {
        bar.update(++evaluations);
        await new Promise((resolve) => setImmediate(resolve));
        return temperatureObjective(logits, shape, labels, { temperature });
      }, options);
    } finally {
      bar.finish();
    }
  }
  const bar = progress(`fitting T on ${pool.size} workers`);
  try {
    return await pool.fitTemperature(data.logits, data.shape, data.labels, options);
  } finally {
    bar.finish();
    await pool.close();
  }
}

export const fit: Command = {
  name: 'fit',
  summary: 'post-hoc temperature scaling: the T minimising NLL on held-out logits (Guo et al. 2017)',
  usage: 'tstar fit --logits FILE --labels FILE [--out report.json]',
  options: {
    logits: { type: 'string', value: 'FILE', help: 'logits [n, classes] as .npy, .json, .csv or .tsv (required)' },
    labels: { type: 'string', value: 'FILE', help: 'integer labels [n] (required)' },
    out: { type: 'string', value: 'FILE', help: 'also write the JSON report here' },
    ...FIT_OPTIONS,
  },
  notes: ['example: tstar fit --logits val_logits.npy --labels val_labels.npy --out fit.json'],
  async run(values, { json, stdout }) {
    const data = await readLabelled(required(values, 'logits'), required(values, 'labels'));
    const result = await runFit(values, data);
    const before = calibrationMetrics(data.logits, data.shape, data.labels, { temperature: number(values, 'initial-temperature', { above: 0 }) ?? 1 });
    const after = calibrationMetrics(data.logits, data.shape, data.labels, { temperature: result.temperature });
    const report = {
      logits: data.logitsPath,
      labels: data.labelsPath,
      rows: data.shape[0],
      classes: data.shape[1],
      ...result,
      eceBefore: before.ece,
      eceAfter: after.ece,
      accuracy: after.accuracy,
    };
    const out = optionalString(values, 'out');
    if (out !== undefined) await writeOutput(out, `${toJson(report)}\n`);
    if (json) {
      stdout(toJson(report));
      return;
    }
    stdout(`T = ${num(result.temperature, 4)}  (${data.shape[0]} rows × ${data.shape[1]} classes)\n`);
    stdout(
      pairs([
        ['temperature', num(result.temperature)],
        ['NLL', `${num(result.nllBefore)} → ${num(result.nllAfter)}`],
        ['ECE', `${percent(before.ece)} → ${percent(after.ece)}`],
        ['accuracy', `${percent(after.accuracy)} (unchanged by T)`],
        ['evaluations', String(result.evaluations)],
        ['converged', result.converged ? 'yes' : 'no (the NLL still falls at a search bound, or evaluations ran out)'],
      ]),
    );
    if (out !== undefined) stdout(`\nreport: ${out}`);
  },
};
