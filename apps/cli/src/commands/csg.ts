import { cumulativeSpectralGradient, optimalTemperature, type CsgOptions, type CsgResult } from '@tstar/core';
import { createPool } from '@tstar/node';
import { about, number, optionalString, required, UsageError, type Command, LIMITS } from '../command.js';
import { readLabelled } from '../data.js';
import { num, pairs, toJson } from '../format.js';
import { progress } from '../progress.js';

export const csg: Command = {
  name: 'csg',
  summary: 'cumulative spectral gradient: how entangled the classes of a feature set are (Branchaud-Charron et al. 2019)',
  usage: 'tstar csg --features FILE --labels FILE [--k 3 --samples 100 --seed 1 --run-count 1]',
  options: {
    features: { type: 'string', value: 'FILE', help: 'features [n, d] (required)' },
    labels: { type: 'string', value: 'FILE', help: 'integer labels [n] (required)' },
    k: { type: 'string', value: 'K', help: 'neighbours per sampled point', default: '3' },
    'samples-per-class': { type: 'string', value: 'N', help: 'points sampled per class per run', default: '100' },
    seed: { type: 'string', value: 'S', help: 'sampler seed', default: '1' },
    'run-count': { type: 'string', value: 'R', help: 'independent samplings averaged', default: '1' },
    embedding: { type: 'string', value: 'KIND', help: "'auto', 'pca' or 'none' (features as given)", default: 'auto' },
    'embedding-dim': { type: 'string', value: 'D', help: 'dimensions of the PCA embedding', default: '3' },
  },
  notes: [
    'CSG is 0 for separable classes and K − 1 for indistinguishable ones. Wide features are embedded by',
    'PCA first (auto) because the Parzen volume of the method breaks down in many dimensions.',
    '',
    'example: tstar csg --features feats.npy --labels labels.npy --run-count 5',
  ],
  async run(values, { json, stdout }) {
    const data = await readLabelled(required(values, 'features'), required(values, 'labels'), 'features');
    const embedding = optionalString(values, 'embedding') ?? 'auto';
    if (!['auto', 'pca', 'none'].includes(embedding)) throw new UsageError(`--embedding must be 'auto', 'pca' or 'none', got '${embedding}'`);
    const options: CsgOptions = {
      k: number(values, 'k', { integer: true, min: 1, max: LIMITS.k }),
      samplesPerClass: number(values, 'samples-per-class', { integer: true, min: 1, max: LIMITS.samplesPerClass }),
      seed: number(values, 'seed', { integer: true, min: 0 }),
      runCount: number(values, 'run-count', { integer: true, min: 1, max: LIMITS.runCount }),
      embedding: embedding as CsgOptions['embedding'],
      embeddingDim: number(values, 'embedding-dim', { integer: true, min: 1, max: LIMITS.embeddingDim }),
    };
    for (const key of Object.keys(options) as (keyof CsgOptions)[]) if (options[key] === undefined) delete options[key];
    let result: CsgResult;
    // Large sets run on a worker so the main thread can keep the spinner moving.
    const [n, d] = data.shape;
    try {
      if (n * d >= 1 << 18) {
        const bar = progress(`CSG over ${n} points`);
        const pool = await createPool({ workers: 1 });
        try {
          result = await pool.call<CsgResult>('cumulativeSpectralGradient', data.logits, data.shape, data.labels, options);
        } finally {
          bar.finish();
          await pool.close();
        }
      } else {
        result = cumulativeSpectralGradient(data.logits, data.shape, data.labels, options);
      }
    } catch (error) {
      throw about(data.logitsPath, error);
    }
    const rule = optimalTemperature({ featureDim: d });
    if (json) {
      stdout(toJson({ features: data.logitsPath, labels: data.labelsPath, rows: n, featureDim: d, ...result }));
      return;
    }
    stdout(`CSG = ${num(result.csg, 4)}  (${result.numClasses} classes, ${n} points × ${d} dims)\n`);
    stdout(
      pairs([
        ['CSG', num(result.csg)],
        ...(result.runs.length > 1 ? [['runs', result.runs.map((r) => num(r, 4)).join(', ')] as [string, string]] : []),
        ['classes K', String(result.numClasses)],
        ['k, samples/class', `${result.k}, ${result.samplesPerClass}`],
        ['seed, runs', `${result.seed}, ${result.runCount}`],
        ['embedding', result.embedding === 'pca' ? `PCA to ${result.embeddingDim} dims` : `none (${result.embeddingDim} dims)`],
        ['largest eigenvalues', Array.from(result.eigenvalues.slice(-3)).map((v) => num(v, 4)).join(', ')],
      ]),
    );
    stdout(`\nWith the CSG term: tstar estimate --feature-dim ${d} --csg ${num(result.csg)} --gamma G   (γ is not published; T̂* without it: ${num(rule.temperature, 4)})`);
  },
};
