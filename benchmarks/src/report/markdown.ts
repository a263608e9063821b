// results/kernels.md: headline ratios per runtime, the targets, cold start and bytes, then one table per
// runtime (median per call and peer ÷ tstar) with its chart.
import { LIBRARY_TITLES } from '../cold-start.js';
import { ERROR_FLAG } from '../suite/inputs.js';
import { OP_TITLES } from '../suite/cases.js';
import { STREAM, type CaseResult } from '../suite/runner.js';
import { RUNTIME_TITLES } from './charts.js';
import { formatBytes, formatMs, formatRatio, formatTime } from '../lib/report.js';
import type { RuntimeRun, SuiteReport } from './types.js';

const TSTAR = 'tstar';

/** Contender names in first-seen order across runs (only those of the given families, when given). */
function namesOf(runs: RuntimeRun[], families?: string[]): string[] {
  const names: string[] = [];
  for (const r of runs) for (const c of r.cases) for (const k of c.contenders) if (!names.includes(k.name) && (!families || families.includes(k.family))) names.push(k.name);
  return names;
}

const median = (c: CaseResult, name: string): number | undefined => {
  const k = c.contenders.find((x) => x.name === name);
  return k && !k.failure ? k.medianUs : undefined;
};

/** Geometric mean, min and max of peer ÷ tstar over the cases where both ran. */
function ratioSummary(run: RuntimeRun, peer: string): { mean: number; min: number; max: number; n: number } | undefined {
  const ratios = run.cases.flatMap((c) => {
    const p = median(c, peer), t = median(c, TSTAR);
    return p !== undefined && t !== undefined ? [p / t] : [];
  });
  if (!ratios.length) return undefined;
  return { mean: Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length), min: Math.min(...ratios), max: Math.max(...ratios), n: ratios.length };
}

function runtimeSection(run: RuntimeRun, names: string[]): string[] {
  const lines = [`## ${RUNTIME_TITLES[run.id] ?? run.id}`, ''];
  const versions = Object.entries(run.versions).map(([k, v]) => `${k} ${v}`).join(' · ');
  lines.push(`${versions} · load average ${run.loadAverage.before} → ${run.loadAverage.after} · ${run.seconds.toFixed(0)} s`, '', `Timing: ${run.timing}.`, '');
  if (run.failure) return [...lines, `**Did not run:** ${run.failure}`, ''];
  for (const n of run.notes) lines.push(`Note: ${n}`, '');
  lines.push(`![${run.id}: time against size](charts/${run.id}.svg)`, '');
  const present = names.filter((n) => run.cases.some((c) => c.contenders.some((k) => k.name === n)));
  lines.push(
    `| case | ${present.join(' | ')} | tstar at % of stream |`,
    `|---|${present.map(() => '---:').join('|')}|---:|`,
  );
  const flags: string[] = [];
  for (const c of run.cases) {
    const t = median(c, TSTAR);
    const cells = present.map((n) => {
      const k = c.contenders.find((x) => x.name === n);
      if (!k) return '';
      if (k.failure) return 'failed';
      if (typeof k.maxError === 'number' && !(k.maxError <= ERROR_FLAG)) flags.push(`${c.id} / ${n}: max error ${k.maxError.toExponential(1)} > ${ERROR_FLAG}`);
      const m = k.medianUs;
      return n === TSTAR || n === STREAM || t === undefined || m === undefined ? formatTime(m) : `${formatTime(m)} (${formatRatio(m / t)})`;
    });
    const s = median(c, STREAM);
    const share = s !== undefined && t !== undefined ? `${((s / t) * 100).toFixed(s / t < 0.1 ? 1 : 0)}%` : '';
    lines.push(`| ${c.id} | ${cells.join(' | ')} | ${share} |`);
  }
  for (const c of run.cases) for (const k of c.contenders) if (k.failure) flags.push(`${c.id} / ${k.name} failed: ${k.failure.replace(/\|/g, '/').replace(/\n/g, ' ').slice(0, 200)}`);
  lines.push('');
  if (flags.length) lines.push('Flagged:', '', ...flags.map((f) => `- ${f}`), '');
  return lines;
}

export function markdown(report: SuiteReport): string {
  const names = namesOf(report.runtimes);
  // The headline compares libraries; tstar's own variants and the stream row are in the tables below.
  const peers = namesOf(report.runtimes, ['plain', 'tfjs', 'ort', 'adapter']);
  const m = report.machine;
  const lines = [
    '# Kernel benchmarks across runtimes: tstar against plain JS, tfjs and onnxruntime',
    '',
    `${report.date} · ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB) · ${m.platform} · ${report.mode} run, ${(report.seconds / 60).toFixed(1)} min · load average ${m.loadAverage.start} → ${m.loadAverage.end}`,
    '',
    `Reproduce: \`${report.command}\`. Method and caveats: [benchmarks/README.md](../README.md).`,
    '',
    `Every time is a median per call, e2e (a Float32Array in, a Float32Array or number out: tensor creation, copies and readback included), T = ${report.temperature}, one thread on every side. ` +
      `In brackets: that median ÷ tstar's median in the same runtime and run (> 1× means tstar is faster). Every output was checked against float64 before it was timed. ` +
      `"tstar at % of stream": the time a wasm read+write stream of the same bytes takes ÷ tstar's time — the fraction of memory bandwidth tstar's e2e call reaches. ` +
      'workerd freezes clocks inside a request, so its times come from outside: many calls per request, the round trip timed by the caller minus an empty request\'s round trip. ' +
      'The machine is shared: compare ratios within a runtime, not absolute times across runs.',
    '',
    '## Headline: peer ÷ tstar per runtime',
    '',
    'Geometric mean over every case both ran, [min – max] in brackets; > 1× means tstar is faster.',
    '',
    `| runtime | ${peers.join(' | ')} |`,
    `|---|${peers.map(() => '---:').join('|')}|`,
  ];
  for (const run of report.runtimes) {
    const cells = peers.map((p) => {
      const s = ratioSummary(run, p);
      return s ? `${formatRatio(s.mean)} [${formatRatio(s.min)} – ${formatRatio(s.max)}]` : '';
    });
    lines.push(`| ${RUNTIME_TITLES[run.id] ?? run.id} | ${cells.join(' | ')} |`);
  }
  lines.push('', '## Targets (benchmarks/README.md; Node, ratios of medians in this run)', '',
    'Every target the README sets, judged on this run. "Floor": the wasm stream of the same bytes (the memory-bandwidth limit), tstar\'s share of it, and the best ratio to the peer tstar could reach running at it.', '',
    '| target | required | measured | status | short by | floor | why |', '|---|---|---|---|---|---|---|');
  for (const t of report.targets) lines.push(`| ${t.target} | ${t.required} | ${t.measured} | ${t.status === 'met' ? 'met' : `**${t.status}**`} | ${t.shortfall ?? ''} | ${t.floor ?? ''} | ${(t.why ?? '').replace(/\|/g, '/')} |`);

  lines.push('', '## Cold start: import → init → first result', '', 'Median of fresh processes, pages or workerd instances, [min – max]. Inside: measured by the runtime itself from before the import to after the first result. Outside: process spawn → exit (Node, Bun, Deno) or spawn → first HTTP answer (workerd, whose clocks are frozen inside requests; "none" is an empty worker).', '');
  lines.push('| runtime | library | inside | outside |', '|---|---|---:|---:|');
  for (const c of report.coldStart) {
    const cell = (t?: { median: number; min: number; max: number }): string => (t ? `${formatMs(t.median)} [${formatMs(t.min)} – ${formatMs(t.max)}]` : '—');
    lines.push(`| ${RUNTIME_TITLES[c.runtime] ?? c.runtime} | ${LIBRARY_TITLES[c.library]} | ${c.failure ? `failed: ${c.failure.replace(/\n/g, ' ').slice(0, 120)}` : cell(c.inProcessMs)} | ${cell(c.outsideMs)} |`);
  }
  lines.push('', '## Bytes shipped to a browser for the first result', '', 'The minified ES-module bundle of import → first result (src/cold/<library>.ts, esbuild) and the wasm it fetches; gzip level 9.', '');
  lines.push('| library | JS | JS gzip | wasm | wasm gzip | total gzip |', '|---|---:|---:|---:|---:|---:|');
  for (const b of report.bytes) lines.push(`| ${LIBRARY_TITLES[b.library]} | ${formatBytes(b.jsBytes)} | ${formatBytes(b.jsGzip)} | ${formatBytes(b.wasmBytes)} | ${formatBytes(b.wasmGzip)} | ${formatBytes(b.totalGzip)} |`);
  lines.push('', '## Ops', '', ...Object.entries(OP_TITLES).map(([op, title]) => `- \`${op}\`: ${title}`), '');
  for (const run of report.runtimes) lines.push(...runtimeSection(run, names));
  return lines.join('\n') + '\n';
}
