import { TStarError } from '@tstar/core';

/** The per-bin bootstrap interval of the accuracy, as calibrationMetrics' `bootstrap` carries it. */
export interface ReliabilityBand {
  /** Coverage of the interval (0.95 for a 95 % band). */
  level?: number;
  bins: { low: readonly number[]; high: readonly number[] };
}

/** One threshold of selective prediction (answer when the confidence is ≥ threshold). */
export interface RiskCoveragePoint {
  threshold: number;
  coverage: number;
  accuracy: number;
  target?: number;
}

/** The parts of calibrationMetrics' `selective` a risk–coverage plot draws. */
export interface RiskCoverageInput {
  aurc: number;
  optimalAurc?: number;
  curve: { coverage: readonly number[]; risk: readonly number[]; threshold?: readonly number[] };
  atAccuracy?: RiskCoveragePoint | null;
  atCoverage?: RiskCoveragePoint;
}

export interface RiskCoverageSvgOptions {
  title?: string;
  width?: number;
  height?: number;
}

const FONT = 'font-family="system-ui, sans-serif"';

function esc(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function pct(v: number): string {
  return `${(v * 100).toFixed(2)} %`;
}

/**
 * Marks of a reliability diagram's bootstrap band: per non-empty bin with a finite interval, a vertical bar from
 * the low to the high accuracy at the bin's centre (class "band", the numbers in data-* attributes). `x` and `y`
 * map confidence and accuracy to pixels.
 */
export function bandMarks(bins: readonly { lower: number; upper: number; count: number }[], band: ReliabilityBand, x: (v: number) => number, y: (v: number) => number): string[] {
  const { low, high } = band.bins ?? {};
  if (!Array.isArray(low) || !Array.isArray(high) || low.length !== bins.length || high.length !== bins.length) {
    throw new TStarError('E_ARGUMENT', `reliabilitySvg: the bootstrap band needs low and high for each of the ${bins.length} bins`);
  }
  const level = band.level ?? 0.95;
  const out: string[] = ['<g class="bands" stroke="#222" stroke-width="1.25">'];
  bins.forEach((bin, i) => {
    if (bin.count === 0 || !Number.isFinite(low[i]) || !Number.isFinite(high[i])) return;
    const cx = n(x((bin.lower + bin.upper) / 2)), half = Math.max(2, (x(bin.upper) - x(bin.lower)) / 6);
    const [a, b] = [n(y(low[i])), n(y(high[i]))];
    const tip = `<title>${esc(`bootstrap ${Math.round(level * 100)} % interval of the accuracy: ${pct(low[i])} – ${pct(high[i])}`)}</title>`;
    out.push(`<g class="band" data-bin="${i}" data-low="${low[i]}" data-high="${high[i]}">${tip}` +
      `<line x1="${cx}" y1="${a}" x2="${cx}" y2="${b}"/>` +
      `<line x1="${n(Number(cx) - half)}" y1="${a}" x2="${n(Number(cx) + half)}" y2="${a}"/>` +
      `<line x1="${n(Number(cx) - half)}" y1="${b}" x2="${n(Number(cx) + half)}" y2="${b}"/></g>`);
  });
  out.push('</g>');
  return out;
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return Math.min(1, m * p);
  return 1;
}

/**
 * The risk–coverage curve of selective prediction (Geifman & El-Yaniv 2017) as a standalone SVG: the error rate
 * among the answered forecasts against the share answered, as the confidence threshold falls; the curve of a
 * ranking that puts every error last (dashed); AURC in the title; the thresholds for a target accuracy and a
 * target coverage marked. Elements carry data-* attributes with their numbers.
 * @throws {TStarError} E_ARGUMENT (no points, lengths differ, values outside [0, 1])
 * @example writeFileSync('risk.svg', riskCoverageSvg(calibrationMetrics(x, shape, y, { selective: { targetAccuracy: 0.95 } }).selective!));
 */
export function riskCoverageSvg(input: RiskCoverageInput, options: RiskCoverageSvgOptions = {}): string {
  const { coverage, risk } = input?.curve ?? {};
  if (!Array.isArray(coverage) || !Array.isArray(risk) || coverage.length === 0 || coverage.length !== risk.length) {
    throw new TStarError('E_ARGUMENT', 'riskCoverageSvg: curve needs coverage and risk arrays of one non-zero length');
  }
  if ([...coverage, ...risk].some((v) => !(v >= 0 && v <= 1))) throw new TStarError('E_ARGUMENT', 'riskCoverageSvg: coverage and risk must lie in [0, 1]');
  const width = options.width ?? 560, height = options.height ?? 400;
  const left = 60, right = 20, top = 60, bottom = 48;
  const w = width - left - right, h = height - top - bottom;
  const finalRisk = risk[risk.length - 1];
  const yMax = niceMax(Math.max(...risk));
  const x = (c: number) => left + c * w;
  const y = (r: number) => top + (1 - Math.min(r, yMax) / yMax) * h;
  const title = options.title ?? 'Risk–coverage';
  const sub = [`AURC ${input.aurc.toFixed(4)}`];
  if (input.optimalAurc !== undefined) sub.push(`optimal ${input.optimalAurc.toFixed(4)}`, `excess ${(input.aurc - input.optimalAurc).toFixed(4)}`);
  sub.push(`risk at full coverage ${pct(finalRisk)}`);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<title>${esc(`${title} — AURC ${input.aurc.toFixed(4)}`)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="600">${esc(title)}</text>`,
    `<text x="${left}" y="40" font-size="11" fill="#555">${esc(sub.join(' · '))}</text>`,
  ];
  for (let k = 0; k <= 5; k++) {
    const f = k / 5;
    out.push(`<line x1="${left}" y1="${n(y(f * yMax))}" x2="${left + w}" y2="${n(y(f * yMax))}" stroke="#eee"/>`);
    out.push(`<text x="${left - 6}" y="${n(y(f * yMax) + 4)}" font-size="10" text-anchor="end">${(f * yMax * 100).toFixed(yMax < 0.05 ? 1 : 0)} %</text>`);
    out.push(`<text x="${n(x(f))}" y="${top + h + 16}" font-size="10" text-anchor="middle">${(f * 100).toFixed(0)} %</text>`);
  }
  // Errors last: no risk until the correct forecasts run out at coverage 1 − r, then (c − (1 − r)) / c.
  const optimal = [0, ...coverage].map((c) => `${n(x(c))},${n(y(c > 0 ? Math.max(0, c - (1 - finalRisk)) / c : 0))}`).join(' ');
  out.push(`<polyline class="optimal" points="${optimal}" fill="none" stroke="#2e7d32" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  out.push(`<polyline class="risk" points="${coverage.map((c, i) => `${n(x(c))},${n(y(risk[i]))}`).join(' ')}" fill="none" stroke="#3b6fb6" stroke-width="2"/>`);
  const mark = (p: RiskCoveragePoint | null | undefined, cls: string, label: string, colour: string) => {
    if (!p) return;
    out.push(`<g class="mark ${cls}" data-threshold="${p.threshold}" data-coverage="${p.coverage}" data-accuracy="${p.accuracy}">` +
      `<title>${esc(`${label}: answer when confidence ≥ ${p.threshold.toPrecision(4)} — coverage ${pct(p.coverage)}, accuracy ${pct(p.accuracy)}`)}</title>` +
      `<circle cx="${n(x(p.coverage))}" cy="${n(y(1 - p.accuracy))}" r="5" fill="${colour}"/>` +
      `<text x="${n(x(p.coverage) + 8)}" y="${n(y(1 - p.accuracy) - 8)}" font-size="10" fill="${colour}">${esc(`${label} (≥ ${p.threshold.toPrecision(3)})`)}</text></g>`);
  };
  mark(input.atAccuracy, 'accuracy', `accuracy ${input.atAccuracy?.target !== undefined ? pct(input.atAccuracy.target) : ''}`.trim(), '#c0392b');
  mark(input.atCoverage, 'coverage', `coverage ${input.atCoverage?.target !== undefined ? pct(input.atCoverage.target) : ''}`.trim(), '#6a1b9a');
  out.push(`<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#444"/>`);
  out.push(`<text x="${left + w / 2}" y="${height - 10}" font-size="11" text-anchor="middle">coverage (share of forecasts answered)</text>`);
  out.push(`<text transform="translate(16 ${n(top + h / 2)}) rotate(-90)" font-size="11" text-anchor="middle">risk (error rate when answering)</text>`);
  out.push(`<g font-size="10"><line x1="${left + w - 150}" y1="${top + 12}" x2="${left + w - 130}" y2="${top + 12}" stroke="#3b6fb6" stroke-width="2"/><text x="${left + w - 125}" y="${top + 15}">this model</text>`);
  out.push(`<line x1="${left + w - 150}" y1="${top + 26}" x2="${left + w - 130}" y2="${top + 26}" stroke="#2e7d32" stroke-dasharray="6 4"/><text x="${left + w - 125}" y="${top + 29}">errors ranked last</text></g>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
