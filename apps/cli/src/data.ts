import { availableParallelism } from 'node:os';
import { TStarError, type TemperatureCoefficients } from '@tstar/core';
import { createPool, readLabels, readMatrix, type Pool } from '@tstar/node';
import { number, type OptionSpec, type Values, LIMITS } from './command.js';
import { progress } from './progress.js';

export interface Labelled {
  logits: Float32Array;
  shape: [number, number];
  labels: Int32Array;
  logitsPath: string;
  labelsPath: string;
}

/** Reads a matrix and its labels and checks they belong together, naming the file at fault. */
export async function readLabelled(matrixPath: string, labelsPath: string, what = 'logits'): Promise<Labelled> {
  const bar = progress(`reading ${matrixPath}`);
  try {
    const m = await readMatrix(matrixPath, { onProgress: (read, total) => bar.update(read, total) });
    const labels = await readLabels(labelsPath);
    const [rows, cols] = m.shape;
    if (labels.length !== rows) {
      throw new TStarError('E_SHAPE', `${labelsPath}: ${labels.length} labels but ${matrixPath} has ${rows} rows`);
    }
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] >= cols && what === 'logits') {
        throw new TStarError('E_LABEL', `${labelsPath}: label ${i} is ${labels[i]}, outside [0, ${cols}) for the ${cols} columns of ${matrixPath}`);
      }
    }
    return { logits: m.data, shape: m.shape, labels, logitsPath: matrixPath, labelsPath };
  } finally {
    bar.finish();
  }
}

export const WORKERS: OptionSpec = {
  type: 'string',
  value: 'N',
  help: 'worker threads for the fit and the sweep (0: this thread)',
  default: '0',
};

/**
 * A pool when --workers asks for one (capped at the machine's cores); undefined runs in this thread. Opt-in,
 * because each objective evaluation copies every shard into its worker's wasm memory again, which on a busy
 * 2-core machine cost more than the threads gained.
 */
export async function maybePool(values: Values): Promise<Pool | undefined> {
  const workers = Math.min(number(values, 'workers', { integer: true, min: 0, max: LIMITS.workers }) ?? 0, availableParallelism());
  return workers > 0 ? createPool({ workers }) : undefined;
}

export const COEFFICIENT_OPTIONS: Record<string, OptionSpec> = {
  alpha: { type: 'string', value: 'A', help: 'α, weight of √M', default: '0.7239, published' },
  beta: { type: 'string', value: 'B', help: 'β, intercept', default: '-4.706, published' },
  gamma: { type: 'string', value: 'G', help: 'γ, weight of ln CSG', default: '0, not published' },
  delta: { type: 'string', value: 'D', help: 'δ, weight of ln classes', default: '0, not published' },
  floor: { type: 'string', value: 'T', help: 'lower clip of T̂*', default: '1' },
  ceiling: { type: 'string', value: 'T', help: 'upper clip of T̂*', default: 'none' },
};

export function coefficientOverrides(values: Values): Partial<TemperatureCoefficients> {
  const out: Partial<TemperatureCoefficients> = {};
  for (const name of ['alpha', 'beta', 'gamma', 'delta', 'floor', 'ceiling'] as const) {
    const v = number(values, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}
