import { describe, expect, it } from 'vitest';
import { bestTemperature, pairedWins, spearman, stat, type TemperatureRuns } from '../lib/analysis.js';

/** Runs whose validation accuracy per seed is given; other scores are filler. */
function runs(table: Array<[number, number[], number?]>): TemperatureRuns[] {
  return table.map(([temperature, accs, nll = 1]) => {
    const scores = accs.map((accuracy) => ({ accuracy, nll, ece: 0 }));
    return { temperature, train: scores, validation: scores, test: scores };
  });
}

describe('study statistics', () => {
  it('stat: mean and sample standard deviation', () => {
    const s = stat([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(stat([7]).std).toBe(0);
  });

  it('pairedWins counts seed by seed', () => {
    expect(pairedWins([0.9, 0.8, 0.7, 0.6], [0.8, 0.8, 0.75, 0.5])).toEqual({ win: 2, tie: 1, loss: 1 });
  });

  it('spearman: ±1 for monotone data, average ranks for ties, NaN when undefined', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 25, 100])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // ranks y = (0.5, 0.5, 2): Pearson of (0,1,2) and (0.5,0.5,2) = 0.866…
    expect(spearman([1, 2, 3], [5, 5, 9])).toBeCloseTo(Math.sqrt(3) / 2, 12);
    expect(spearman([1, 2], [1, 2])).toBeNaN();
    expect(spearman([1, 2, 3], [4, 4, 4])).toBeNaN();
  });

  it('bestTemperature: the parabola vertex in log T between the best point and its neighbours', () => {
    // accuracy = 0.9 − 0.01·(ln T − ln 3)² sampled at 1, 2, 4, 8: the vertex is exactly T = 3.
    const acc = (t: number) => 0.9 - 0.01 * (Math.log(t) - Math.log(3)) ** 2;
    const best = bestTemperature(runs([1, 2, 4, 8].map((t) => [t, [acc(t), acc(t)]])));
    expect(best.grid).toBe(4);
    expect(best.smoothed).toBeCloseTo(3, 9);
    expect(best.atEdge).toBe(false);
  });

  it('bestTemperature: an edge best is not extrapolated, ties go to the lower NLL, the flat top spans the near-ties', () => {
    const edge = bestTemperature(runs([[1, [0.5, 0.5]], [2, [0.6, 0.6]], [4, [0.7, 0.7]]]));
    expect(edge).toMatchObject({ grid: 4, smoothed: 4, atEdge: true, flat: [4, 4] });
    // T = 2 and 4 tie on accuracy, 4 has the lower NLL; the noisy T = 1 (paired differences 0.1, −0.1, 0.1:
    // mean 0.033 < standard error 0.067) is on the flat top, T = 8 is not.
    const flat = bestTemperature(runs([[1, [0.6, 0.8, 0.6]], [2, [0.7, 0.7, 0.7], 0.5], [4, [0.7, 0.7, 0.7], 0.4], [8, [0.1, 0.1, 0.1]]]));
    expect(flat.grid).toBe(4);
    expect(flat.flat).toEqual([1, 4]);
  });
});
