import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { calibrationMetrics } from '@tstar/core';
import { escapeXml, reliabilitySvg, temperatureSweepSvg } from '../src/index.js';
import { labels, mat } from './helpers.js';
import { parseXml, walk } from './xml.js';

describe('parseXml (the test’s own checker)', () => {
  it('rejects what is not well-formed', () => {
    for (const bad of ['<a><b></a></b>', '<a x=1/>', '<a>&nbsp;</a>', '<a/><b/>', '<a x="1" x="2"/>', '<a>1 < 2</a>', '<a>']) {
      expect(() => parseXml(bad), bad).toThrow();
    }
    expect(parseXml('<a x="&lt;"><b/>t&amp;</a>').attrs.x).toBe('<');
  });
});

describe('reliabilitySvg', () => {
  const [r, c] = [2000, 10];
  const metrics = calibrationMetrics(mat(r, c, 5, 6), [r, c], labels(r, c, 6), { binCount: 15, temperature: 0.7 });
  const svg = reliabilitySvg(metrics, { temperature: 0.7, title: 'Model <A> & "B"' });
  const root = parseXml(svg);
  // The plot's own frame gives the axes: x = left + confidence·w, y = top + (1 − accuracy)·h.
  const frame = walk(root).find((e) => e.attrs.class === 'frame')!;
  const [left, top, w, h] = ['x', 'y', 'width', 'height'].map((k) => Number(frame.attrs[k]));

  it('is well-formed SVG with the ECE in its title', () => {
    expect(root.name).toBe('svg');
    expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    const title = root.children.find((e) => e.name === 'title')!;
    expect(title.text).toBe(`Model <A> & "B" — ECE ${(metrics.ece * 100).toFixed(2)} %`);
  });
  it('draws one accuracy bar and one gap bar per non-empty bin, matching the bins', () => {
    const all = walk(root);
    const bars = all.filter((e) => e.attrs.class === 'bar');
    const gaps = all.filter((e) => e.attrs.class === 'gap');
    const nonEmpty = metrics.bins.map((b, i) => ({ ...b, i })).filter((b) => b.count > 0);
    expect(nonEmpty.length).toBeGreaterThan(3);
    expect(bars.length).toBe(nonEmpty.length);
    expect(gaps.length).toBe(nonEmpty.length);
    nonEmpty.forEach((bin, k) => {
      const bar = bars[k], gap = gaps[k];
      expect(Number(bar.attrs['data-bin'])).toBe(bin.i);
      expect(Number(bar.attrs['data-count'])).toBe(bin.count);
      expect(Number(bar.attrs['data-accuracy'])).toBe(bin.accuracy);
      expect(Number(bar.attrs['data-confidence'])).toBe(bin.confidence);
      // Geometry within the 0.01 px rounding of the coordinates.
      expect(Number(bar.attrs.x)).toBeCloseTo(left + bin.lower * w, 1);
      expect(Number(bar.attrs.width)).toBeCloseTo((bin.upper - bin.lower) * w, 1);
      expect(Number(bar.attrs.height)).toBeCloseTo(bin.accuracy * h, 1);
      expect(Number(bar.attrs.y) + Number(bar.attrs.height)).toBeCloseTo(top + h, 1);
      expect(Number(gap.attrs.height)).toBeCloseTo(Math.abs(bin.accuracy - bin.confidence) * h, 1);
      expect(Number(gap.attrs.y)).toBeCloseTo(top + (1 - Math.max(bin.accuracy, bin.confidence)) * h, 1);
    });
    const counted = bars.reduce((s, b) => s + Number(b.attrs['data-count']), 0);
    expect(counted).toBe(r);
  });
  it('draws the diagonal of perfect calibration from (0, 0) to (1, 1)', () => {
    const d = walk(root).find((e) => e.attrs.class === 'diagonal')!;
    expect([d.attrs.x1, d.attrs.y1, d.attrs.x2, d.attrs.y2].map(Number)).toEqual([left, top + h, left + w, top]);
  });
  it('draws a histogram of rows per bin under the plot, with the counts written out', () => {
    const all = walk(root);
    const counts = all.filter((e) => e.attrs.class === 'count');
    const hist = all.find((e) => e.attrs.class === 'histogram-frame')!;
    const [hTop, hH] = [Number(hist.attrs.y), Number(hist.attrs.height)];
    expect(hTop).toBeGreaterThan(top + h);
    const most = Math.max(...metrics.bins.map((b) => b.count));
    const nonEmpty = metrics.bins.filter((b) => b.count > 0);
    expect(counts.length).toBe(nonEmpty.length);
    counts.forEach((bar, k) => {
      expect(Number(bar.attrs['data-count'])).toBe(nonEmpty[k].count);
      expect(Number(bar.attrs.height)).toBeCloseTo((nonEmpty[k].count / most) * hH, 1);
      expect(Number(bar.attrs.y) + Number(bar.attrs.height)).toBeCloseTo(hTop + hH, 1);
    });
    expect(counts.reduce((sum, b) => sum + Number(b.attrs['data-count']), 0)).toBe(r);
    const labels = all.filter((e) => e.attrs.class === 'count-label');
    expect(labels.map((t) => Number(t.text))).toEqual(labels.map((t) => metrics.bins[Number(t.attrs['data-bin'])].count));
    expect(labels.length).toBe(nonEmpty.length);
  });
  it('names every kind of mark in a legend that sits above the plot, off the bars', () => {
    const all = walk(root);
    const items = all.filter((e) => e.attrs.class === 'legend-item');
    expect(items.map((e) => e.attrs['data-kind'])).toEqual(['bar', 'gap', 'diagonal', 'count']);
    for (const kind of ['bar', 'gap', 'diagonal', 'count']) expect(all.some((e) => e.attrs.class === kind), kind).toBe(true);
    for (const item of items) {
      const [, ty] = /translate\(([\d.]+) ([\d.]+)\)/.exec(item.attrs.transform)!.slice(1).map(Number);
      expect(ty + 12).toBeLessThan(top);
    }
  });
  it('shows a one-row bin as the sliver it is in the histogram, beside a full bin', () => {
    const bins = Array.from({ length: 15 }, (_, i) => ({ lower: i / 15, upper: (i + 1) / 15, count: 0, confidence: 0, accuracy: 0 }));
    bins[3] = { ...bins[3], count: 1, confidence: 0.23, accuracy: 1 };
    bins[14] = { ...bins[14], count: 638, confidence: 0.97, accuracy: 0.95 };
    const all = walk(parseXml(reliabilitySvg({ ece: 0.1, mce: 0.77, bins })));
    const [one, full] = all.filter((e) => e.attrs.class === 'count');
    const hH = Number(all.find((e) => e.attrs.class === 'histogram-frame')!.attrs.height);
    expect(Number(full.attrs.height)).toBeCloseTo(hH, 2);
    expect(Number(one.attrs.height)).toBeCloseTo(hH / 638, 2);
  });
  it('rejects empty or malformed bins', () => {
    expect(() => reliabilitySvg({ ece: 0, bins: [] })).toThrow(/empty/);
    expect(() => reliabilitySvg({ ece: 0, bins: [{ lower: 0.5, upper: 0.2, count: 1, confidence: 0, accuracy: 0 }] })).toThrow(/malformed/);
  });
});

describe('temperatureSweepSvg', () => {
  const ts = [0.5, 1, 2, 4, 8, 16];
  const sweep = { temperatures: ts, nll: [3, 1.2, 0.8, 0.9, 1.4, 2], ece: [0.3, 0.1, 0.02, 0.05, 0.2, 0.3] };
  it('is well-formed, with both curves and both marks', () => {
    const root = parseXml(temperatureSweepSvg(sweep, { estimated: 11.674, fitted: 2.1 }));
    const all = walk(root);
    const nll = all.find((e) => e.attrs.class === 'nll')!;
    const ece = all.find((e) => e.attrs.class === 'ece')!;
    expect(nll.attrs.points.split(' ')).toHaveLength(ts.length);
    expect(ece.attrs.points.split(' ')).toHaveLength(ts.length);
    const marks = all.filter((e) => e.attrs.class?.startsWith('mark'));
    expect(marks.map((m) => Number(m.attrs['data-temperature']))).toEqual([11.674, 2.1]);
    // The x axis is log T: the mark at 2.1 lies between the points of T = 2 and T = 4.
    const xs = nll.attrs.points.split(' ').map((p) => Number(p.split(',')[0]));
    const fitted = Number(marks[1].attrs.x1);
    expect(fitted).toBeGreaterThan(xs[2]);
    expect(fitted).toBeLessThan(xs[3]);
    // SVG y grows downwards, so the smallest NLL has the largest y.
    const ys = nll.attrs.points.split(' ').map((p) => Number(p.split(',')[1]));
    expect(ys.indexOf(Math.max(...ys))).toBe(2);
  });
  it('widens the T axis to include a mark outside the sweep', () => {
    const root = parseXml(temperatureSweepSvg(sweep, { estimated: 40 }));
    const mark = walk(root).find((e) => e.attrs.class === 'mark estimated')!;
    expect(Number(mark.attrs.x1)).toBeCloseTo(640 - 60, 1);
  });
  it('rejects mismatched series and non-positive temperatures', () => {
    expect(() => temperatureSweepSvg({ ...sweep, ece: [1] })).toThrow(/ece has 1 values/);
    expect(() => temperatureSweepSvg({ ...sweep, temperatures: [0, 1, 2, 3, 4, 5] })).toThrow(/> 0/);
  });
});

describe('escapeXml', () => {
  it('escapes the five XML specials', () => expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;'));
});

describe('@tstar/node/svg', () => {
  it('bundles for a browser with nothing from node: (a page can draw the same plots as the CLI)', async () => {
    const { build } = await import('esbuild');
    const entry = fileURLToPath(new URL('../dist/svg.js', import.meta.url));
    const out = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    const code = out.outputFiles[0].text;
    expect(code).toContain('reliabilitySvg');
    expect(code).not.toMatch(/from ["']node:|require\(["']node:/);
  });
});
