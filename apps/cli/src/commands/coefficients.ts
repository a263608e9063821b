import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fitCoefficients, TStarError, type CoefficientRow } from '@tstar/core';
import { readCsv } from '@tstar/node';
import { about, number, required, type Command } from '../command.js';
import { num, pairs, table, toJson } from '../format.js';

const ALIASES: Record<keyof CoefficientRow, string[]> = {
  featureDim: ['featuredim', 'dim', 'm', 'featuredimension', 'features', 'width'],
  csg: ['csg'],
  numClasses: ['numclasses', 'classes', 'cn', 'nclasses'],
  temperature: ['temperature', 't', 'bestt', 'besttemperature', 'tstar', 'optimaltemperature'],
};

function key(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function columnIndex(columns: string[], field: keyof CoefficientRow): number {
  return columns.findIndex((c) => ALIASES[field].includes(key(c)));
}

/** Reads sweep rows from a CSV with a header or a JSON array of objects; errors name the file. */
export async function readSweep(path: string): Promise<CoefficientRow[]> {
  if (extname(path).toLowerCase() === '.json') {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      const missing = (cause as { code?: string }).code === 'ENOENT';
      throw new TStarError('E_ARGUMENT', `${path}: ${missing ? 'no such file' : (cause as Error).message}`, { cause });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new TStarError('E_ARGUMENT', `${path}: invalid JSON`);
    }
    if (!Array.isArray(parsed) || !parsed.every((r) => typeof r === 'object' && r !== null)) {
      throw new TStarError('E_ARGUMENT', `${path}: expected a JSON array of { featureDim, temperature, csg?, numClasses? } objects`);
    }
    return parsed.map((r: Record<string, unknown>) => {
      const row: Record<string, number> = {};
      for (const [k, v] of Object.entries(r)) {
        const field = (Object.keys(ALIASES) as (keyof CoefficientRow)[]).find((f) => ALIASES[f].includes(key(k)));
        if (field) row[field] = v as number;
      }
      return row as unknown as CoefficientRow;
    });
  }
  const t = await readCsv(path, { header: true });
  const columns = t.columns ?? [];
  const at = Object.fromEntries((Object.keys(ALIASES) as (keyof CoefficientRow)[]).map((f) => [f, columnIndex(columns, f)])) as Record<keyof CoefficientRow, number>;
  if (at.featureDim < 0 || at.temperature < 0) {
    throw new TStarError('E_ARGUMENT', `${path}: needs a header with a feature-dimension column (featureDim, dim or M) and a temperature column (temperature or T); got ${columns.join(', ')}`);
  }
  const [rows, cols] = t.shape;
  return Array.from({ length: rows }, (_, r) => {
    const row: CoefficientRow = { featureDim: t.data[r * cols + at.featureDim], temperature: t.data[r * cols + at.temperature] };
    if (at.csg >= 0) row.csg = t.data[r * cols + at.csg];
    if (at.numClasses >= 0) row.numClasses = t.data[r * cols + at.numClasses];
    return row;
  });
}

export const coefficients: Command = {
  name: 'coefficients',
  summary: "fit the rule's α, β (γ, δ) to your own sweep of best temperatures",
  usage: 'tstar coefficients --sweep sweep.csv',
  options: {
    sweep: { type: 'string', value: 'FILE', help: 'CSV with a header (featureDim, temperature[, csg, numClasses]) or a JSON array (required)' },
    floor: { type: 'string', value: 'T', help: 'lower clip to record with the coefficients', default: '1' },
    ceiling: { type: 'string', value: 'T', help: 'upper clip to record with the coefficients', default: 'none' },
  },
  notes: [
    'Each row is one configuration of your sweep and the best temperature you found for it.',
    'γ is fitted when every row has csg, δ when every row has numClasses.',
    '',
    'example sweep.csv:',
    '  featureDim,numClasses,temperature',
    '  128,10,3.1',
    '  512,10,11.2',
    '  2048,100,27.5',
  ],
  async run(values, { json, stdout }) {
    const path = required(values, 'sweep');
    const rows = await readSweep(path);
    let result;
    try {
      result = fitCoefficients(rows, { floor: number(values, 'floor'), ceiling: number(values, 'ceiling') });
    } catch (error) {
      throw about(path, error);
    }
    if (json) {
      stdout(toJson({ sweep: path, ...result }));
      return;
    }
    const c = result.coefficients;
    const fittedMark = (name: 'alpha' | 'beta' | 'gamma' | 'delta') => (result.fitted.includes(name) ? '' : ' (not fitted)');
    stdout(`R² = ${num(result.r2, 4)} over ${result.rows} rows\n`);
    stdout(
      pairs([
        ['α (√M)', num(c.alpha) + fittedMark('alpha')],
        ['β', num(c.beta) + fittedMark('beta')],
        ['γ (ln CSG)', num(c.gamma) + fittedMark('gamma')],
        ['δ (ln classes)', num(c.delta) + fittedMark('delta')],
        ['floor, ceiling', `${num(c.floor)}, ${num(c.ceiling)}`],
      ]),
    );
    stdout('');
    stdout(table(['M', 'T (sweep)', 'T (fit)', 'residual'], rows.map((r, i) => [String(r.featureDim), num(r.temperature), num(r.temperature - result.residuals[i]), num(result.residuals[i], 3)])));
    const flags = ['alpha', 'beta', 'gamma', 'delta'].filter((k) => result.fitted.includes(k as 'alpha')).map((k) => `--${k} ${num(c[k as 'alpha'], 6)}`);
    stdout(`\nuse: tstar estimate --feature-dim M ${flags.join(' ')}`);
  },
};
