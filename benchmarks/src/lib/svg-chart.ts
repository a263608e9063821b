// Small-multiple line charts as standalone SVG: a grid of log–log panels sharing one legend. Written
// by hand (no charting library) so the benchmarks stay dependency-light and the output stays readable.

export interface Series {
  name: string;
  color: string;
  /** Dashed line (e.g. the [rows×cols] grid next to the solid [1×n] sweep). */
  dashed?: boolean;
  /** Thinner line (reference rows such as the memory stream). */
  thin?: boolean;
  points: [x: number, y: number][];
}

export interface Panel {
  title: string;
  series: Series[];
  /** Overrides the chart's x-axis label for this panel. */
  xLabel?: string;
}

export interface ChartGrid {
  title: string;
  subtitle: string;
  xLabel: string;
  yLabel: string;
  panels: Panel[];
  /** Legend entries (colour per name), in order. */
  legend: { name: string; color: string; thin?: boolean }[];
  /** Line styles explained under the legend. */
  styleNote?: string;
  columns?: number;
}

const PANEL_W = 360;
const PANEL_H = 250;
const MARGIN = { left: 62, right: 14, top: 26, bottom: 40 };
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** "10", "1k", "1M" for decade ticks of a size axis. */
export function sizeLabel(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return String(v);
}

/** "1 µs", "100 µs", "10 ms", "1 s" for decade ticks of a time axis in µs. */
export function timeLabel(us: number): string {
  if (us >= 1e6) return `${us / 1e6} s`;
  if (us >= 1e3) return `${us / 1e3} ms`;
  if (us >= 1) return `${us} µs`;
  return `${us * 1e3} ns`;
}

function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

function panelSvg(panel: Panel, x0: number, y0: number, xLabel: string, yLabel: string): string {
  const pts = panel.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0);
  const parts: string[] = [];
  parts.push(`<text x="${x0 + PANEL_W / 2}" y="${y0 + 16}" text-anchor="middle" font-size="13" font-weight="bold" ${FONT}>${esc(panel.title)}</text>`);
  const left = x0 + MARGIN.left, right = x0 + PANEL_W - MARGIN.right, top = y0 + MARGIN.top, bottom = y0 + PANEL_H - MARGIN.bottom;
  parts.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="#fff" stroke="#999"/>`);
  if (pts.length === 0) {
    parts.push(`<text x="${(left + right) / 2}" y="${(top + bottom) / 2}" text-anchor="middle" font-size="11" fill="#666" ${FONT}>no data</text>`);
    return parts.join('\n');
  }
  const xs = decades(Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0])));
  const ys = decades(Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1])));
  const lx = (v: number): number => left + ((Math.log10(v) - Math.log10(xs[0])) / (Math.log10(xs[xs.length - 1]) - Math.log10(xs[0]) || 1)) * (right - left);
  const ly = (v: number): number => bottom - ((Math.log10(v) - Math.log10(ys[0])) / (Math.log10(ys[ys.length - 1]) - Math.log10(ys[0]) || 1)) * (bottom - top);
  for (const v of xs) {
    parts.push(`<line x1="${lx(v).toFixed(1)}" y1="${top}" x2="${lx(v).toFixed(1)}" y2="${bottom}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${lx(v).toFixed(1)}" y="${bottom + 14}" text-anchor="middle" font-size="10" ${FONT}>${sizeLabel(v)}</text>`);
  }
  for (const v of ys) {
    parts.push(`<line x1="${left}" y1="${ly(v).toFixed(1)}" x2="${right}" y2="${ly(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${left - 5}" y="${(ly(v) + 3).toFixed(1)}" text-anchor="end" font-size="10" ${FONT}>${timeLabel(v)}</text>`);
  }
  parts.push(`<text x="${(left + right) / 2}" y="${bottom + 30}" text-anchor="middle" font-size="11" ${FONT}>${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(${x0 + 14} ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="11" ${FONT}>${esc(yLabel)}</text>`);
  for (const s of panel.series) {
    const p = s.points.filter(([x, y]) => x > 0 && y > 0).sort((a, b) => a[0] - b[0]);
    if (p.length === 0) continue;
    const width = s.thin ? 1.2 : 2;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (p.length > 1) {
      const d = p.map(([x, y], i) => `${i ? 'L' : 'M'}${lx(x).toFixed(1)} ${ly(y).toFixed(1)}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${width}"${dash}><title>${esc(s.name)}</title></path>`);
    }
    for (const [x, y] of p) parts.push(`<circle cx="${lx(x).toFixed(1)}" cy="${ly(y).toFixed(1)}" r="${s.thin ? 1.8 : 2.6}" fill="${s.color}"/>`);
  }
  return parts.join('\n');
}

/** The whole chart as an SVG document. */
export function chartSvg(chart: ChartGrid): string {
  const columns = chart.columns ?? 3;
  const rows = Math.ceil(chart.panels.length / columns);
  const width = columns * PANEL_W + 20;
  // Legend columns wide enough for the longest name (≈ 6.3 px per character at 11 px).
  const legendW = Math.max(150, 40 + 6.3 * Math.max(...chart.legend.map((l) => l.name.length)));
  const legendPerRow = Math.max(1, Math.floor((width - 20) / legendW));
  const legendRows = Math.ceil(chart.legend.length / legendPerRow);
  const header = 52 + legendRows * 18 + (chart.styleNote ? 18 : 0);
  const height = header + rows * PANEL_H + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#fafafa"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold" ${FONT}>${esc(chart.title)}</text>`,
    `<text x="10" y="40" font-size="11" fill="#444" ${FONT}>${esc(chart.subtitle)}</text>`,
  ];
  chart.legend.forEach((l, i) => {
    const x = 10 + (i % legendPerRow) * legendW, y = 58 + Math.floor(i / legendPerRow) * 18;
    parts.push(`<line x1="${x}" y1="${y - 4}" x2="${x + 22}" y2="${y - 4}" stroke="${l.color}" stroke-width="${l.thin ? 1.2 : 2.5}"/>`);
    parts.push(`<text x="${x + 28}" y="${y}" font-size="11" ${FONT}>${esc(l.name)}</text>`);
  });
  if (chart.styleNote) parts.push(`<text x="10" y="${58 + legendRows * 18}" font-size="11" fill="#444" ${FONT}>${esc(chart.styleNote)}</text>`);
  chart.panels.forEach((p, i) => parts.push(panelSvg(p, 10 + (i % columns) * PANEL_W, header + Math.floor(i / columns) * PANEL_H, p.xLabel ?? chart.xLabel, chart.yLabel)));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
