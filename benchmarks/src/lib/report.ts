import os from 'node:os';
import type { CaseResult } from './harness.js';

/** Where and how a run happened; absolute times only compare within one of these. */
export interface Machine {
  cpu: string;
  cores: number;
  /** 1-minute load average at the start and end of the run: other work on the machine. */
  loadAverage: { start: number; end?: number };
  platform: string;
  node: string;
  date: string;
}

export function machine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    loadAverage: { start: Number(os.loadavg()[0].toFixed(2)) },
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** Ratio of every contender's median to the median of the contender named `baseline` (peer / tstar). */
export function ratio(result: CaseResult, name: string, baseline: string): number | undefined {
  const base = result.contenders.find((c) => c.name === baseline)?.time?.median;
  const own = result.contenders.find((c) => c.name === name)?.time?.median;
  return base && own ? own / base : undefined;
}

/** A time in µs shown with three significant digits in a readable unit. */
export function formatTime(us: number | undefined): string {
  if (us === undefined || !Number.isFinite(us)) return '—';
  if (us >= 1e6) return `${(us / 1e6).toPrecision(3)} s`;
  if (us >= 1e3) return `${(us / 1e3).toPrecision(3)} ms`;
  return `${us.toPrecision(3)} µs`;
}

export function formatRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '—';
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

export function formatError(e: number | undefined): string {
  if (e === undefined) return '—';
  if (e === 0) return '0';
  return e.toExponential(1);
}

/** Summary (one row per case, one column per contender: median and ratio to tstar) and detail tables. */
export function markdown(results: CaseResult[], baselines: string[], header: string[]): string {
  const names: string[] = [];
  for (const r of results) for (const c of r.contenders) if (!names.includes(c.name)) names.push(c.name);
  const lines = [...header, ''];
  lines.push(`## Medians (in brackets: that median / tstar's median; > 1× means tstar is faster)`, '');
  lines.push(`| case | ${names.join(' | ')} |`, `|---|${names.map(() => '---:').join('|')}|`);
  for (const r of results) {
    const cells = names.map((name) => {
      const c = r.contenders.find((x) => x.name === name);
      if (!c) return '';
      if (c.failure) return 'failed';
      const q = ratio(r, name, baselines[0]);
      return name === baselines[0] || q === undefined ? formatTime(c.time?.median) : `${formatTime(c.time?.median)} (${formatRatio(q)})`;
    });
    lines.push(`| ${r.id} | ${cells.join(' | ')} |`);
  }
  lines.push('', '## Details', '');
  const ratioHeads = baselines.map((b) => `÷ ${b}`);
  lines.push(
    `| case | contender | median | min | p90 | ${ratioHeads.join(' | ')} | max rel. error | samples × calls |`,
    `|---|---|---:|---:|---:|${baselines.map(() => '---:').join('|')}|---:|---:|`,
  );
  for (const r of results) {
    for (const c of r.contenders) {
      if (c.failure) {
        lines.push(`| ${r.id} | ${c.name} | failed: ${c.failure.replace(/\|/g, '/')} | | | ${baselines.map(() => '').join(' | ')} | | |`);
        continue;
      }
      const t = c.time;
      const rs = baselines.map((b) => formatRatio(ratio(r, c.name, b)));
      lines.push(
        `| ${r.id} | ${c.name} | ${formatTime(t?.median)} | ${formatTime(t?.min)} | ${formatTime(t?.p90)} | ${rs.join(' | ')} | ${formatError(c.maxRelError)} | ${t ? `${t.samples} × ${t.callsPerSample}` : ''} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

export function formatBytes(b: number): string {
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(2)} MiB`;
  if (b >= 2 ** 10) return `${(b / 2 ** 10).toFixed(1)} KiB`;
  return `${b} B`;
}

export const formatMs = (ms: number | undefined): string => (ms === undefined ? '—' : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`);
