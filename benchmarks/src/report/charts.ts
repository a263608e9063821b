// One SVG per runtime: a panel per op, time against size on log–log axes, one colour per contender
// (the same colour in every runtime), the [1×n] sweep solid and the [rows×cols] grid dashed.
import { chartSvg, type Panel, type Series } from '../lib/svg-chart.js';
import { OP_TITLES, type Op } from '../suite/cases.js';
import { STREAM } from '../suite/runner.js';
import type { RuntimeRun } from './types.js';

const COLORS: Record<string, string> = {
  tstar: '#d62728',
  'tstar (out)': '#ff7f0e',
  'plain JS': '#7f7f7f',
  'tfjs cpu': '#c5b0d5',
  'tfjs wasm': '#9467bd',
  'tfjs webgl': '#e377c2',
  'ORT-web wasm': '#1f77b4',
  'ORT-web webgpu (software WebGPU)': '#17becf',
  'ORT-node': '#2ca02c',
  [STREAM]: '#111111',
};
// Contenders added later (e.g. a `tstar fast` variant) take these in order.
const SPARE = ['#8c564b', '#bcbd22', '#aec7e8', '#98df8a', '#ff9896'];

export function colorOf(name: string, seen: string[]): string {
  if (COLORS[name]) return COLORS[name];
  if (!seen.includes(name)) seen.push(name);
  return SPARE[seen.indexOf(name) % SPARE.length];
}

export const RUNTIME_TITLES: Record<string, string> = {
  node: 'Node', bun: 'Bun', deno: 'Deno', chromium: 'Chromium, main thread', 'chromium-worker': 'Chromium, Web Worker', workerd: 'workerd',
};

export function runtimeChart(run: RuntimeRun, temperature: number): string {
  const spare: string[] = [];
  const ops = [...new Set(run.cases.map((c) => c.op))] as Op[];
  const names: string[] = [];
  for (const c of run.cases) for (const k of c.contenders) if (!names.includes(k.name)) names.push(k.name);
  const panels: Panel[] = ops.map((op) => {
    const cases = run.cases.filter((c) => c.op === op);
    const series: Series[] = [];
    for (const name of names) {
      for (const kind of ['sweep', 'grid'] as const) {
        const points = cases
          .filter((c) => c.series === kind)
          .flatMap((c) => {
            const k = c.contenders.find((x) => x.name === name);
            return k?.medianUs !== undefined && !k.failure ? [[c.rows * (op === 'csg' ? 1 : c.cols), k.medianUs] as [number, number]] : [];
          });
        if (points.length) series.push({ name: `${name} (${kind})`, color: colorOf(name, spare), dashed: kind === 'grid', thin: name === STREAM, points });
      }
    }
    return { title: OP_TITLES[op], series, ...(op === 'csg' ? { xLabel: 'points (3 dims)' } : {}) };
  });
  const legend = names.map((n) => ({ name: n, color: colorOf(n, spare), thin: n === STREAM }));
  return chartSvg({
    title: `${RUNTIME_TITLES[run.id] ?? run.id}: median time per call against size (lower is faster)`,
    subtitle: `${run.versions.runtime ?? run.id} · T = ${temperature} · e2e: Float32Array in → out · medians (timing method: kernels.md)`,
    xLabel: 'elements (rows × cols)',
    yLabel: 'median time per call',
    panels,
    legend,
    styleNote: 'Solid: [1×n] sweep. Dashed: [rows×cols] grid (8–1024 rows × 10–32,000 cols, 8×128k). Dots: measured cases.',
  });
}
