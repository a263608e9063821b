// results/edge.md: the edge service under load (src/edge-load.ts).
import type { Machine } from '../lib/report.js';

export interface LoadRound {
  round: number;
  scenario: string;
  requestBytes: number;
  requests: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  requestsPerSecond: number;
  throughputMiBps: number;
  durationS: number;
}

export interface EdgeReport {
  machine: Machine;
  versions: { workerd: string; deno: string };
  quick: boolean;
  warmupRounds: number;
  load: {
    host: string;
    connections: number;
    requestsPerRound: number;
    rounds: LoadRound[];
    rssMiB: Record<string, number>;
    rssGrowthOverMeasuredRoundsMiB: number;
  }[];
}

export function edgeMarkdown(report: EdgeReport): string {
  const m = report.machine;
  const first = report.load[0];
  const lines = [
    '# The edge service under load',
    '',
    `${m.date} · ${m.cpu} (${m.cores} cores) · Node ${m.node} · ${report.versions.deno} · workerd ${report.versions.workerd} · load average ${m.loadAverage.start} → ${m.loadAverage.end}${report.quick ? ' · quick run' : ''}`,
    '',
    'Reproduce: `npm run build && cd benchmarks && npm run bench:edge`. A shared 2-core VM: absolute numbers move between runs. Cold start of every runtime is in [kernels.md](kernels.md).',
    '',
    `## apps/edge-worker under autocannon (${first?.connections ?? 0} connections, ${first?.requestsPerRound ?? 0} requests per round, loopback)`,
    '',
    '| host | round | scenario | req/s | p50 | p90 | p99 | max | 2xx | non-2xx | errors | timeouts |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const l of report.load) {
    for (const r of l.rounds) {
      lines.push(`| ${l.host} | ${r.round} | ${r.scenario} (${(r.requestBytes / 1024).toFixed(1)} KiB) | ${r.requestsPerSecond} | ${r.latencyMs.p50} ms | ${r.latencyMs.p90} ms | ${r.latencyMs.p99} ms | ${r.latencyMs.max} ms | ${r.ok2xx} | ${r.non2xx} | ${r.errors} | ${r.timeouts} |`);
    }
  }
  lines.push('', `## Server RSS (MiB): after each of ${report.warmupRounds} warm-up rounds (both scenarios), then after each measured round`, '');
  for (const l of report.load) {
    lines.push(`- ${l.host}: ${Object.entries(l.rssMiB).map(([k, v]) => `${k} ${v}`).join(' · ')} — change from the first to the last measured round: ${l.rssGrowthOverMeasuredRoundsMiB} MiB`);
  }
  return lines.join('\n') + '\n';
}
