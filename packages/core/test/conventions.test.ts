// The README's comparison with netcal: the numbers it quotes, from calibrationMetrics and from a float64
// reference of numpy's histogram binning as netcal uses it ([lower, upper) bins, the last closed; a 1-D input
// is P(y = 1) with every row predicting class 1).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibrationMetrics } from '../src/index.js';

function numpyBinnedEce(confidence: number[], correct: boolean[], binCount: number): number {
  const count = new Array<number>(binCount).fill(0), conf = [...count], hits = [...count];
  confidence.forEach((c, i) => {
    const b = Math.min(binCount - 1, Math.floor(c * binCount));
    count[b]++;
    conf[b] += c;
    hits[b] += correct[i] ? 1 : 0;
  });
  return count.reduce((ece, n, b) => (n === 0 ? ece : ece + (n / confidence.length) * Math.abs(hits[b] / n - conf[b] / n)), 0);
}

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('calibrationMetrics next to netcal (README)', () => {
  it('bins (lower, upper]: an edge confidence of 0.75 moves bin, so the README example gives 0.5625 here and 0.3125 with numpy bins', () => {
    const m = calibrationMetrics(new Float32Array([0.25, 0.75, 0.875, 0.125]), [2, 2], new Int32Array([1, 1]), { inputs: 'probabilities', binCount: 4 });
    expect(m.ece).toBeCloseTo(0.5625, 12);
    expect(numpyBinnedEce([0.75, 0.875], [true, false], 4)).toBeCloseTo(0.3125, 12);
    expect(readme).toContain('ECE = ½·0.25 + ½·0.875 = 0.5625');
    expect(readme).toContain('ECE = |0.5 − 0.8125| = 0.3125');
  });
  it('measures the top label on binary problems: 0.1042 here, 0.3125 for netcal handed P[:, 1]', () => {
    const p1 = [0.0625, 0.3125, 0.5625];
    const labels = [0, 0, 0];
    const m = calibrationMetrics(new Float32Array(p1.flatMap((p) => [1 - p, p])), [3, 2], new Int32Array(labels), { inputs: 'probabilities', binCount: 4 });
    expect(m.ece).toBeCloseTo(0.10416666666666667, 12);
    // netcal with both columns: top label, numpy bins (no confidence here sits on an edge).
    const top = p1.map((p) => Math.max(p, 1 - p));
    expect(numpyBinnedEce(top, p1.map((p, i) => (p > 0.5 ? 1 : 0) === labels[i]), 4)).toBeCloseTo(m.ece, 12);
    // netcal with P[:, 1]: every row predicts 1, confidence P(y = 1).
    expect(numpyBinnedEce(p1, labels.map((y) => y === 1), 4)).toBeCloseTo(0.3125, 12);
    expect(readme).toMatch(/0\.1042 here \(and in netcal given both columns\), 0\.3125 in\s+netcal given `P\[:, 1\]`/);
  });
});
