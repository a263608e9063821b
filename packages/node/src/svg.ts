import { TStarError } from '@tstar/core';
import { bandMarks, type ReliabilityBand } from './svg-calibration.js';

export { riskCoverageSvg, type ReliabilityBand, type RiskCoverageInput, type RiskCoveragePoint, type RiskCoverageSvgOptions } from './svg-calibration.js';

/** One equal-width confidence bin, as the core's `calibrationMetrics` returns it. */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  confidence: number;
  accuracy: number;
}

/** The parts of a calibration report a reliability diagram draws. */
export interface ReliabilityInput {
  ece: number;
  mce?: number;
  accuracy?: number;
  bins: readonly ReliabilityBin[];
  /** calibrationMetrics' bootstrap: when present, each bin's interval of the accuracy is drawn over its bar. */
  bootstrap?: ReliabilityBand;
}

export interface ReliabilitySvgOptions {
  /** First line of the title; the ECE is always appended. Default "Reliability diagram". */
  title?: string;
  /** The temperature the probabilities were read at, shown in the title when given. */
  temperature?: number;
  /** Pixel width of the image (the calibration panel is square, the count histogram sits under it). Default 480. */
  size?: number;
}

/** NLL and ECE measured over a grid of temperatures. */
export interface TemperatureSweep {
  temperatures: readonly number[];
  nll: readonly number[];
  ece: readonly number[];
}

export interface SweepSvgOptions {
  /** T̂* from the analytical rule, drawn as a dashed line. */
  estimated?: number;
  /** The post-hoc fitted T, drawn as a solid line. */
  fitted?: number;
  title?: string;
  width?: number;
  height?: number;
}

const FONT = 'font-family="system-ui, sans-serif"';
const BAR = '#3b6fb6';
const GAP = '#e0524d';
const COUNT = '#9aa5b1';

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function pct(v: number): string {
  return `${(v * 100).toFixed(2)} %`;
}

function fmtT(t: number): string {
  return t >= 100 ? t.toFixed(0) : t >= 10 ? t.toFixed(1) : t.toFixed(2);
}

/**
 * A reliability diagram (Guo et al. 2017) as a standalone SVG string: per non-empty bin an accuracy bar and a
 * gap bar up (or down) to the bin's mean confidence, the diagonal of perfect calibration, and under it a
 * histogram of how many rows each bin holds (as netcal draws it), so a tall bar over three rows reads as
 * what it is. ECE, MCE, accuracy and T are in the title; the legend names every mark and sits above the plot,
 * never on the bars. Bars carry `data-*` attributes with the bin's numbers so a reader can check the picture
 * against the data. Bins are (lower, upper], the first also holding 0, as `calibrationMetrics` makes them.
 * @throws {TStarError} E_ARGUMENT when there are no bins or a bin is malformed
 * @example writeFileSync('reliability.svg', reliabilitySvg(calibrationMetrics(logits, shape, labels)));
 */
export function reliabilitySvg(metrics: ReliabilityInput, options: ReliabilitySvgOptions = {}): string {
  const bins = metrics.bins;
  if (!Array.isArray(bins) || bins.length === 0) throw new TStarError('E_ARGUMENT', 'reliabilitySvg: metrics.bins is empty');
  bins.forEach((bin, i) => {
    const fields = [bin.lower, bin.upper, bin.count, bin.accuracy, bin.confidence];
    if (fields.some((f) => typeof f !== 'number' || !Number.isFinite(f)) || bin.upper < bin.lower || bin.count < 0) {
      throw new TStarError('E_ARGUMENT', `reliabilitySvg: bin ${i} is malformed: ${JSON.stringify(bin).slice(0, 200)}`);
    }
  });
  const width = options.size ?? 480;
  const left = 56, right = 16, top = 84;
  const w = width - left - right, h = w;
  const histTop = top + h + 18, histH = 72;
  const height = histTop + histH + 40;
  const x = (v: number) => left + v * w;
  const y = (v: number) => top + (1 - v) * h;
  const total = bins.reduce((a, b) => a + b.count, 0);
  const most = Math.max(1, ...bins.map((b) => b.count));
  const title = `${options.title ?? 'Reliability diagram'} — ECE ${pct(metrics.ece)}`;
  const sub = [`ECE ${pct(metrics.ece)}`];
  if (metrics.mce !== undefined) sub.push(`MCE ${pct(metrics.mce)}`);
  if (metrics.accuracy !== undefined) sub.push(`accuracy ${pct(metrics.accuracy)}`);
  if (options.temperature !== undefined) sub.push(`T = ${fmtT(options.temperature)}`);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="600">${escapeXml(title)}</text>`,
    `<text x="${left}" y="40" font-size="11" fill="#555">${escapeXml(sub.join(' · '))}</text>`,
  ];
  // The legend: one entry per kind of mark, two to a row, between the title and the plot (never on the bars).
  const legend: [string, string, string][] = [
    ['bar', 'accuracy', `<rect width="10" height="10" fill="${BAR}"/>`],
    ['gap', 'gap to mean confidence', `<rect width="10" height="10" fill="${GAP}" fill-opacity="0.35" stroke="${GAP}"/>`],
    ['diagonal', 'perfect calibration', '<line x1="0" y1="9" x2="10" y2="1" stroke="#444" stroke-dasharray="3 2"/>'],
    ['count', 'rows per bin (histogram below)', `<rect width="10" height="10" fill="${COUNT}"/>`],
  ];
  out.push(`<g class="legend" font-size="10">`);
  legend.forEach(([kind, name, swatch], k) => {
    const lx = left + (k % 2) * (w / 2), ly = 50 + Math.floor(k / 2) * 15;
    out.push(`<g class="legend-item" data-kind="${kind}" transform="translate(${n(lx)} ${ly})">${swatch}<text x="14" y="9">${escapeXml(name)}</text></g>`);
  });
  out.push('</g>');
  for (let t = 0; t <= 5; t++) {
    const v = t / 5;
    out.push(`<line x1="${n(x(0))}" y1="${n(y(v))}" x2="${n(x(1))}" y2="${n(y(v))}" stroke="#eee"/>`);
    out.push(`<text x="${n(x(0) - 6)}" y="${n(y(v) + 4)}" font-size="10" text-anchor="end">${v.toFixed(1)}</text>`);
    out.push(`<line x1="${n(x(v))}" y1="${n(top)}" x2="${n(x(v))}" y2="${n(histTop + histH)}" stroke="#eee"/>`);
    out.push(`<text x="${n(x(v))}" y="${n(histTop + histH + 16)}" font-size="10" text-anchor="middle">${v.toFixed(1)}</text>`);
  }
  out.push('<g class="bars">');
  bins.forEach((bin, i) => {
    if (bin.count === 0) return;
    const data = `data-bin="${i}" data-lower="${bin.lower}" data-upper="${bin.upper}" data-count="${bin.count}" data-accuracy="${bin.accuracy}" data-confidence="${bin.confidence}"`;
    const tip = `<title>${escapeXml(`${i === 0 ? '[' : '('}${bin.lower.toFixed(3)}, ${bin.upper.toFixed(3)}]: ${bin.count} rows, accuracy ${pct(bin.accuracy)}, mean confidence ${pct(bin.confidence)}`)}</title>`;
    const bx = n(x(bin.lower)), bw = n((bin.upper - bin.lower) * w);
    out.push(`<rect class="bar" ${data} x="${bx}" y="${n(y(bin.accuracy))}" width="${bw}" height="${n(bin.accuracy * h)}" fill="${BAR}" stroke="#ffffff" stroke-width="0.5">${tip}</rect>`);
    const lo = Math.min(bin.accuracy, bin.confidence), hi = Math.max(bin.accuracy, bin.confidence);
    out.push(`<rect class="gap" ${data} x="${bx}" y="${n(y(hi))}" width="${bw}" height="${n((hi - lo) * h)}" fill="${GAP}" fill-opacity="0.35" stroke="${GAP}" stroke-width="0.75"/>`);
    const ch = (bin.count / most) * histH;
    out.push(`<rect class="count" ${data} x="${bx}" y="${n(histTop + histH - ch)}" width="${bw}" height="${n(ch)}" fill="${COUNT}" stroke="#ffffff" stroke-width="0.5">${tip}</rect>`);
    // The number itself when it fits over its bar (about 5.5 px a digit at this size).
    if (String(bin.count).length * 5.5 <= (bin.upper - bin.lower) * w) {
      out.push(`<text class="count-label" data-bin="${i}" x="${n(x((bin.lower + bin.upper) / 2))}" y="${n(histTop + histH - ch - 3)}" font-size="9" text-anchor="middle" fill="#333">${bin.count}</text>`);
    }
  });
  out.push('</g>');
  if (metrics.bootstrap) out.push(...bandMarks(bins, metrics.bootstrap, x, y));
  out.push(`<line class="diagonal" x1="${n(x(0))}" y1="${n(y(0))}" x2="${n(x(1))}" y2="${n(y(1))}" stroke="#444" stroke-dasharray="4 3"/>`);
  out.push(`<rect class="frame" x="${n(x(0))}" y="${n(y(1))}" width="${n(w)}" height="${n(h)}" fill="none" stroke="#444"/>`);
  out.push(`<rect class="histogram-frame" x="${n(x(0))}" y="${n(histTop)}" width="${n(w)}" height="${histH}" fill="none" stroke="#444" data-max-count="${most}"/>`);
  out.push(`<text x="${n(x(0) - 6)}" y="${n(histTop + 8)}" font-size="10" text-anchor="end">${most}</text>`);
  out.push(`<text x="${n(x(0) - 6)}" y="${n(histTop + histH + 4)}" font-size="10" text-anchor="end">0</text>`);
  out.push(`<text x="${n(x(0.5))}" y="${n(height - 8)}" font-size="11" text-anchor="middle">confidence (largest probability of a row)</text>`);
  out.push(`<text transform="translate(14 ${n(y(0.5))}) rotate(-90)" font-size="11" text-anchor="middle">accuracy</text>`);
  out.push(`<text transform="translate(14 ${n(histTop + histH / 2)}) rotate(-90)" font-size="11" text-anchor="middle">rows (${total})</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function checkSeries(name: string, values: readonly number[], length: number): void {
  if (values.length !== length) throw new TStarError('E_SHAPE', `temperatureSweepSvg: ${name} has ${values.length} values for ${length} temperatures`);
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * NLL and ECE against temperature (log-scaled T axis) as a standalone SVG, with T̂* and the fitted T marked.
 * Lines carry `data-temperature`; the curves are `<polyline class="nll">` and `<polyline class="ece">`.
 * @throws {TStarError} E_ARGUMENT (fewer than 2 temperatures, T ≤ 0), E_SHAPE (series lengths differ)
 * @example temperatureSweepSvg({ temperatures, nll, ece }, { estimated: 11.67, fitted: 1.52 })
 */
export function temperatureSweepSvg(sweep: TemperatureSweep, options: SweepSvgOptions = {}): string {
  const ts = sweep.temperatures;
  if (ts.length < 2) throw new TStarError('E_ARGUMENT', 'temperatureSweepSvg: needs at least 2 temperatures');
  checkSeries('nll', sweep.nll, ts.length);
  checkSeries('ece', sweep.ece, ts.length);
  const marks = [options.estimated, options.fitted].filter((t): t is number => t !== undefined);
  for (const t of [...ts, ...marks]) {
    if (!(t > 0) || !Number.isFinite(t)) throw new TStarError('E_ARGUMENT', `temperatureSweepSvg: temperature ${t} is not a finite number > 0`);
  }
  const width = options.width ?? 640, height = options.height ?? 400;
  const left = 60, right = 60, top = 56, bottom = 48;
  const w = width - left - right, h = height - top - bottom;
  const lo = Math.log(Math.min(...ts, ...marks)), hi = Math.log(Math.max(...ts, ...marks));
  const span = hi - lo || 1;
  const x = (t: number) => left + ((Math.log(t) - lo) / span) * w;
  const finite = (v: readonly number[]) => v.filter(Number.isFinite);
  const nllMax = niceMax(Math.max(...finite(sweep.nll), 0));
  const eceMax = niceMax(Math.max(...finite(sweep.ece), 0));
  const yNll = (v: number) => top + (1 - Math.min(v, nllMax) / nllMax) * h;
  const yEce = (v: number) => top + (1 - Math.min(v, eceMax) / eceMax) * h;
  const title = options.title ?? 'NLL and ECE against temperature';
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="600">${escapeXml(title)}</text>`,
  ];
  const legend: string[] = ['NLL (left axis)', 'ECE (right axis)'];
  if (options.estimated !== undefined) legend.push(`T̂* = ${fmtT(options.estimated)}`);
  if (options.fitted !== undefined) legend.push(`fitted T = ${fmtT(options.fitted)}`);
  out.push(`<text x="${left}" y="40" font-size="11" fill="#555">${escapeXml(legend.join(' · '))}</text>`);
  for (let k = 0; k <= 5; k++) {
    const f = k / 5;
    const yy = top + (1 - f) * h;
    out.push(`<line x1="${left}" y1="${n(yy)}" x2="${left + w}" y2="${n(yy)}" stroke="#eee"/>`);
    out.push(`<text x="${left - 6}" y="${n(yy + 4)}" font-size="10" text-anchor="end" fill="#3b6fb6">${n(f * nllMax)}</text>`);
    out.push(`<text x="${left + w + 6}" y="${n(yy + 4)}" font-size="10" fill="#c0392b">${n(f * eceMax)}</text>`);
  }
  for (let e = Math.floor(lo / Math.LN10); e <= Math.floor(hi / Math.LN10 + 1e-9); e++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (Math.log(t) < lo - 1e-9 || Math.log(t) > hi + 1e-9) continue;
      out.push(`<line x1="${n(x(t))}" y1="${top}" x2="${n(x(t))}" y2="${top + h}" stroke="#eee"/>`);
      out.push(`<text x="${n(x(t))}" y="${top + h + 16}" font-size="10" text-anchor="middle">${Number(t.toPrecision(6))}</text>`);
    }
  }
  const line = (ys: readonly number[], y: (v: number) => number) =>
    ts.map((t, i) => (Number.isFinite(ys[i]) ? `${n(x(t))},${n(y(ys[i]))}` : '')).filter(Boolean).join(' ');
  out.push(`<polyline class="nll" points="${line(sweep.nll, yNll)}" fill="none" stroke="#3b6fb6" stroke-width="2"/>`);
  out.push(`<polyline class="ece" points="${line(sweep.ece, yEce)}" fill="none" stroke="#c0392b" stroke-width="2"/>`);
  if (options.estimated !== undefined) {
    const xx = n(x(options.estimated));
    out.push(`<line class="mark estimated" data-temperature="${options.estimated}" x1="${xx}" y1="${top}" x2="${xx}" y2="${top + h}" stroke="#2e7d32" stroke-width="1.5" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${n(x(options.estimated) + 4)}" y="${top + 24}" font-size="10" fill="#2e7d32">T̂*</text>`);
  }
  if (options.fitted !== undefined) {
    const xx = n(x(options.fitted));
    out.push(`<line class="mark fitted" data-temperature="${options.fitted}" x1="${xx}" y1="${top}" x2="${xx}" y2="${top + h}" stroke="#6a1b9a" stroke-width="1.5"/>`);
    out.push(`<text x="${n(x(options.fitted) + 4)}" y="${top + 12}" font-size="10" fill="#6a1b9a">fitted T</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${left + w / 2}" y="${height - 10}" font-size="11" text-anchor="middle">temperature T (log scale)</text>`);
  out.push(`<text transform="translate(16 ${n(top + h / 2)}) rotate(-90)" font-size="11" text-anchor="middle" fill="#3b6fb6">NLL</text>`);
  out.push(`<text transform="translate(${width - 12} ${n(top + h / 2)}) rotate(90)" font-size="11" text-anchor="middle" fill="#c0392b">ECE</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
