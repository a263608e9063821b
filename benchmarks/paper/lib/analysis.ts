import { fitCoefficients, type CoefficientFit, type CoefficientRow } from '@tstar/core';
import type { Scores } from './mlp.js';

/** Mean and (sample) standard deviation. */
export interface Stat {
  mean: number;
  std: number;
}

export function stat(values: readonly number[]): Stat {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

/** Paired comparison of a against b, seed by seed: a wins when its value is higher by more than `tie`. */
export interface Wins {
  win: number;
  tie: number;
  loss: number;
}

export function pairedWins(a: readonly number[], b: readonly number[], tie = 1e-9): Wins {
  const w: Wins = { win: 0, tie: 0, loss: 0 };
  a.forEach((v, i) => {
    const d = v - b[i];
    if (d > tie) w.win++;
    else if (d < -tie) w.loss++;
    else w.tie++;
  });
  return w;
}

/** Every seed's scores of the copies trained at one temperature in one cell. */
export interface TemperatureRuns {
  temperature: number;
  train: Scores[];
  validation: Scores[];
  test: Scores[];
}

/** One temperature of a cell, summarised over seeds. */
export interface TemperatureSummary {
  temperature: number;
  validationAccuracy: Stat;
  testAccuracy: Stat;
  testNll: Stat;
  testEce: Stat;
  trainAccuracy: Stat;
}

/** The empirical optimum of a cell, chosen on validation accuracy (mean over seeds). */
export interface BestTemperature {
  /** The grid point with the highest mean validation accuracy (ties: lower mean validation NLL). */
  grid: number;
  /** The vertex of the parabola through that point and its two neighbours in log T (the grid point when it is at an edge or the parabola is not concave). */
  smoothed: number;
  /** Temperatures whose validation accuracy is within one paired standard error of the best's: the flat top. */
  flat: [number, number];
  /** Whether the best is the smallest or largest temperature tried. */
  atEdge: boolean;
}

export function summarise(runs: TemperatureRuns): TemperatureSummary {
  const pick = (scores: Scores[], key: keyof Scores): Stat => stat(scores.map((s) => s[key]));
  return {
    temperature: runs.temperature,
    validationAccuracy: pick(runs.validation, 'accuracy'),
    testAccuracy: pick(runs.test, 'accuracy'),
    testNll: pick(runs.test, 'nll'),
    testEce: pick(runs.test, 'ece'),
    trainAccuracy: pick(runs.train, 'accuracy'),
  };
}

/** The best temperature of a cell from its runs (sorted by temperature). */
export function bestTemperature(runs: readonly TemperatureRuns[]): BestTemperature {
  const sorted = [...runs].sort((a, b) => a.temperature - b.temperature);
  const mean = (r: TemperatureRuns, key: 'accuracy' | 'nll') => stat(r.validation.map((s) => s[key])).mean;
  let i = 0;
  sorted.forEach((r, j) => {
    const d = mean(r, 'accuracy') - mean(sorted[i], 'accuracy');
    if (d > 1e-12 || (Math.abs(d) <= 1e-12 && mean(r, 'nll') < mean(sorted[i], 'nll'))) i = j;
  });
  const best = sorted[i];
  let smoothed = best.temperature;
  if (i > 0 && i < sorted.length - 1) {
    const [x0, x1, x2] = [sorted[i - 1], best, sorted[i + 1]].map((r) => Math.log(r.temperature));
    const [y0, y1, y2] = [sorted[i - 1], best, sorted[i + 1]].map((r) => mean(r, 'accuracy'));
    // Parabola through three points with unequal spacing: vertex of the divided-difference form.
    const d01 = (y1 - y0) / (x1 - x0), d12 = (y2 - y1) / (x2 - x1), curvature = (d12 - d01) / (x2 - x0);
    if (curvature < 0) {
      const vertex = (x0 + x1) / 2 - d01 / (2 * curvature);
      smoothed = Math.exp(Math.min(Math.max(vertex, x0), x2));
    }
  }
  const top = best.validation.map((s) => s.accuracy);
  const flat = sorted.filter((r) => {
    const d = top.map((v, s) => v - r.validation[s].accuracy);
    const { mean: m, std } = stat(d);
    return m <= std / Math.sqrt(d.length) + 1e-12;
  }).map((r) => r.temperature);
  return { grid: best.temperature, smoothed, flat: [Math.min(...flat), Math.max(...flat)], atEdge: i === 0 || i === sorted.length - 1 };
}

/** Spearman rank correlation (average ranks for ties); NaN for fewer than 3 points or a constant side. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length < 3) return Number.NaN;
  const ranks = (v: readonly number[]): number[] => {
    const order = v.map((value, i) => ({ value, i })).sort((a, b) => a.value - b.value);
    const r = new Array<number>(v.length);
    for (let j = 0; j < order.length;) {
      let k = j;
      while (k + 1 < order.length && order[k + 1].value === order[j].value) k++;
      for (let m = j; m <= k; m++) r[order[m].i] = (j + k) / 2;
      j = k + 1;
    }
    return r;
  };
  const rx = ranks(x), ry = ranks(y);
  const mx = stat(rx).mean, my = stat(ry).mean;
  let sxy = 0, sxx = 0, syy = 0;
  rx.forEach((v, i) => {
    sxy += (v - mx) * (ry[i] - my);
    sxx += (v - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  });
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

/** The core's fitCoefficients, or the reason it refused (a degenerate sweep). */
export function tryFit(rows: readonly CoefficientRow[], options: { csg?: boolean; numClasses?: boolean } = {}): CoefficientFit | string {
  try {
    return fitCoefficients(rows, { csg: options.csg ?? false, numClasses: options.numClasses ?? false });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
