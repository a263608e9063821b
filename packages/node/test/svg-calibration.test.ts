import { describe, expect, it } from 'vitest';
import { calibrationMetrics, TStarError } from '@tstar/core';
import { reliabilitySvg, riskCoverageSvg } from '../src/index.js';
import { labels, mat } from './helpers.js';
import { parseXml, walk, type XmlElement } from './xml.js';

/** The plot's pixel map read off its diagonal (confidence = accuracy from (0, 0) to (1, 1)). */
function axes(root: XmlElement): { y: (v: number) => number; x: (v: number) => number } {
  const d = walk(root).find((e) => e.attrs.class === 'diagonal')!;
  const [x0, y0, x1, y1] = ['x1', 'y1', 'x2', 'y2'].map((k) => Number(d.attrs[k]));
  return { x: (v) => x0 + v * (x1 - x0), y: (v) => y0 + v * (y1 - y0) };
}

describe('reliabilitySvg with a bootstrap band', () => {
  const [r, c] = [1500, 8];
  const metrics = calibrationMetrics(mat(r, c, 3, 4), [r, c], labels(r, c, 4), { bootstrap: { replicates: 100, seed: 1 } });
  const root = parseXml(reliabilitySvg(metrics));

  it('draws one interval per non-empty bin at the bootstrap’s accuracies', () => {
    const bands = walk(root).filter((e) => e.attrs.class === 'band');
    const drawn = metrics.bins.map((b, i) => ({ ...b, i })).filter((b) => b.count > 0 && Number.isFinite(metrics.bootstrap!.bins.low[b.i]));
    expect(drawn.length).toBeGreaterThan(2);
    expect(bands.length).toBe(drawn.length);
    const { x, y } = axes(root);
    drawn.forEach((bin, k) => {
      const g = bands[k];
      expect(Number(g.attrs['data-bin'])).toBe(bin.i);
      expect(Number(g.attrs['data-low'])).toBe(metrics.bootstrap!.bins.low[bin.i]);
      expect(Number(g.attrs['data-high'])).toBe(metrics.bootstrap!.bins.high[bin.i]);
      const stem = g.children.find((e) => e.name === 'line')!;
      expect(Math.abs(Number(stem.attrs.y1) - y(metrics.bootstrap!.bins.low[bin.i]))).toBeLessThanOrEqual(0.01);
      expect(Math.abs(Number(stem.attrs.y2) - y(metrics.bootstrap!.bins.high[bin.i]))).toBeLessThanOrEqual(0.01);
      expect(Math.abs(Number(stem.attrs.x1) - x((bin.lower + bin.upper) / 2))).toBeLessThanOrEqual(0.01);
    });
  });

  it('draws no band without a bootstrap, and rejects a band of the wrong length', () => {
    const plain = calibrationMetrics(mat(100, 4, 5), [100, 4], labels(100, 4, 5));
    expect(walk(parseXml(reliabilitySvg(plain))).some((e) => e.attrs.class === 'band')).toBe(false);
    expect(() => reliabilitySvg({ ...plain, bootstrap: { bins: { low: [0.1], high: [0.2] } } })).toThrow(TStarError);
  });
});

describe('riskCoverageSvg', () => {
  const [r, c] = [800, 5];
  const x = mat(r, c, 6, 4), y = labels(r, c, 7);
  for (let i = 0; i < r; i += 2) x[i * c + y[i]] += 6;
  const s = calibrationMetrics(x, [r, c], y, { selective: { targetAccuracy: 0.9, targetCoverage: 0.4, points: 50 } }).selective!;
  const svg = riskCoverageSvg(s);
  const root = parseXml(svg);

  it('is well-formed SVG with the AURC in its title and one curve point per threshold', () => {
    expect(root.name).toBe('svg');
    expect(root.children.find((e) => e.name === 'title')!.text).toBe(`Risk–coverage — AURC ${s.aurc.toFixed(4)}`);
    const risk = walk(root).find((e) => e.attrs.class === 'risk')!;
    expect(risk.attrs.points.split(' ').length).toBe(s.curve.coverage.length);
    expect(walk(root).find((e) => e.attrs.class === 'optimal')!.attrs.points.split(' ').length).toBe(s.curve.coverage.length + 1);
  });

  it('marks the thresholds for the target accuracy and coverage with their numbers', () => {
    const acc = walk(root).find((e) => e.attrs.class === 'mark accuracy')!;
    expect(Number(acc.attrs['data-threshold'])).toBe(s.atAccuracy!.threshold);
    expect(Number(acc.attrs['data-coverage'])).toBe(s.atAccuracy!.coverage);
    const cov = walk(root).find((e) => e.attrs.class === 'mark coverage')!;
    expect(Number(cov.attrs['data-coverage'])).toBe(s.atCoverage!.coverage);
  });

  it('rejects an empty or malformed curve with E_ARGUMENT', () => {
    for (const bad of [{ aurc: 0, curve: { coverage: [], risk: [] } }, { aurc: 0, curve: { coverage: [0.5, 1], risk: [0.1] } }, { aurc: 0, curve: { coverage: [2], risk: [0.1] } }]) {
      try {
        riskCoverageSvg(bad);
        expect.fail('no error');
      } catch (e) {
        expect((e as TStarError).code).toBe('E_ARGUMENT');
      }
    }
  });
});
