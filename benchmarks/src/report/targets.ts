// tstar's targets from benchmarks/README.md, judged on one run: ratios of medians in the Node process
// (one thread each side), cold start and bytes. A missed target says by how much, and the numbers
// that explain it (what the output allocation, the copies and the bandwidth floor cost).
import type { BytesRow, ColdStartRow } from '../cold-start.js';
import { STREAM, type CaseResult, type ContenderResult } from '../suite/runner.js';
import { formatBytes, formatMs, formatRatio, formatTime } from '../lib/report.js';
import type { RuntimeRun } from './types.js';

export interface TargetRow {
  target: string;
  /** The requirement as benchmarks/README.md words it (a test checks every one there has a row). */
  readme: string;
  required: string;
  measured: string;
  status: 'met' | 'missed' | 'not measured';
  /** For a miss: by how much (percent) and the speed-up tstar still needs. */
  shortfall?: string;
  /** The physical floor beside it: the wasm stream of the same bytes, and the best ratio it would allow. */
  floor?: string;
  why?: string;
}

const SOFTMAX_SHAPES = ['[256×1000]', '[1×1e6]', '[64×32000]'];

function contender(c: CaseResult | undefined, name: string): ContenderResult | undefined {
  const r = c?.contenders.find((x) => x.name === name);
  return r && r.medianUs !== undefined && !r.failure ? r : undefined;
}

/** peer median ÷ base median in one case, or undefined when either is missing. */
function ratio(c: CaseResult | undefined, peer: string, base: string): number | undefined {
  const p = contender(c, peer)?.medianUs, b = contender(c, base)?.medianUs;
  return p !== undefined && b !== undefined ? p / b : undefined;
}

/** Where tstar's time goes on a case: the fresh output array, and the bandwidth floor. */
function anatomy(c: CaseResult | undefined): string {
  const t = contender(c, 'tstar')?.medianUs, out = contender(c, 'tstar (out)')?.medianUs, s = contender(c, STREAM)?.medianUs;
  const parts: string[] = [];
  if (t !== undefined && out !== undefined) parts.push(`tstar ${formatTime(t)}, ${formatTime(out)} with \`out\` (the fresh output array costs ${formatTime(Math.max(0, t - out))})`);
  if (t !== undefined && s !== undefined) parts.push(`the wasm stream of the same bytes takes ${formatTime(s)}, so tstar runs at ${((s / t) * 100).toFixed(0)}% of memory bandwidth`);
  return parts.join('; ');
}

/** Max errors against float64, so a speed gap can be read beside an accuracy gap. */
function errors(c: CaseResult | undefined, names: string[]): string {
  const e = names.map((n) => [n, contender(c, n)?.maxError] as const).filter(([, v]) => typeof v === 'number');
  return e.length ? `max error ${e.map(([n, v]) => `${n} ${(v as number).toExponential(1)}`).join(', ')}` : '';
}

interface RatioTarget {
  target: string;
  readme: string;
  cases: string[];
  peers: string[];
  base: string;
  atLeast: number;
  why: string;
}

/** The stream row beside tstar on each case: its time, tstar's share of bandwidth, and the ratio tstar would reach running at it. */
function floorOf(cases: Map<string, CaseResult>, ids: string[], peers: string[]): string {
  const parts: string[] = [];
  for (const id of ids) {
    const c = cases.get(id);
    const s = contender(c, STREAM)?.medianUs, t = contender(c, 'tstar')?.medianUs;
    if (s === undefined || t === undefined) continue;
    const best = peers.map((p) => contender(c, p)?.medianUs).filter((v): v is number => v !== undefined);
    const label = ids.length > 1 ? `${id.replace(/^\S+ /, '')}: ` : '';
    parts.push(`${label}stream ${formatTime(s)} (tstar at ${((s / t) * 100).toFixed(0)}%)${best.length ? `, at most ${formatRatio(Math.min(...best) / s)}` : ''}`);
  }
  return parts.join('; ');
}

function ratioTarget(cases: Map<string, CaseResult>, t: RatioTarget): TargetRow {
  const measured: string[] = [];
  let worst = Infinity;
  for (const id of t.cases) {
    for (const peer of t.peers) {
      const r = ratio(cases.get(id), peer, t.base);
      const label = `${t.cases.length > 1 ? id.replace(/^\S+ /, '') + ' ' : ''}${t.peers.length > 1 ? peer + ' ' : ''}`;
      measured.push(`${label}${formatRatio(r)}`);
      if (r !== undefined) worst = Math.min(worst, r);
    }
  }
  const required = `≥ ${t.atLeast}× (${t.peers.join(', ')} ÷ ${t.base})`;
  const floor = floorOf(cases, t.cases, t.peers);
  if (worst === Infinity) return { target: t.target, readme: t.readme, required, measured: measured.join(', '), status: 'not measured', why: 'a contender did not run in this run' };
  const met = worst >= t.atLeast;
  return {
    target: t.target, readme: t.readme, required, measured: measured.join(', '), status: met ? 'met' : 'missed', ...(floor ? { floor } : {}),
    ...(met ? {} : {
      shortfall: `missed by ${((1 - worst / t.atLeast) * 100).toFixed(0)}% (worst ${formatRatio(worst)} of ${t.atLeast}×: tstar needs ${formatRatio(t.atLeast / worst)} more speed)`,
      why: [t.why, ...t.cases.map((id) => `${id}: ${[anatomy(cases.get(id)), errors(cases.get(id), [t.base, ...t.peers])].filter(Boolean).join('; ')}`)].filter(Boolean).join(' · '),
    }),
  };
}

/** A "≤ limit" target on one measured number. */
function atMost(target: string, readme: string, value: number | undefined, limit: number, unit: (v: number) => string, why: string, floor?: string): TargetRow {
  const required = `≤ ${unit(limit)}`;
  if (value === undefined) return { target, readme, required, measured: '—', status: 'not measured', why };
  const met = value <= limit;
  return {
    target, readme, required, measured: unit(value), status: met ? 'met' : 'missed', ...(floor ? { floor } : {}),
    ...(met ? {} : { shortfall: `missed by ${((value / limit - 1) * 100).toFixed(0)}% (${unit(value - limit)} over)`, why }),
  };
}

export function evaluateTargets(runs: RuntimeRun[], cold: ColdStartRow[], bytes: BytesRow[]): TargetRow[] {
  const node = runs.find((r) => r.id === 'node');
  const cases = new Map((node?.cases ?? []).map((c) => [c.id, c]));
  const softmax = SOFTMAX_SHAPES.map((s) => `softmax ${s}`);
  const bn = 'ORT-node is native code (MLAS, AVX2/AVX-512) while tstar runs 128-bit wasm SIMD; both are memory-bound here';
  const rows: TargetRow[] = [
    ratioTarget(cases, {
      target: 'softmax(x/T) e2e vs tfjs wasm', readme: '≥ 1.5× tfjs wasm', cases: softmax, peers: ['tfjs wasm'], base: 'tstar', atLeast: 1.5,
      why: 'tfjs wasm runs XNNPACK\'s f32 softmax on the same 128-bit SIMD; both are bound by the copies in and out and the output allocation at these sizes (see the floor)',
    }),
    ratioTarget(cases, {
      target: 'softmax(x/T) e2e vs ORT-web wasm (1 thread)', readme: '≥ 2× ORT-web wasm', cases: softmax, peers: ['ORT-web wasm'], base: 'tstar', atLeast: 2,
      why: 'ORT-web pays a session run and a Div kernel per call but its MLAS softmax is f32 wasm SIMD',
    }),
    ratioTarget(cases, { target: 'softmax(x/T) e2e vs plain JS', readme: '≥ 10× plain JS', cases: softmax, peers: ['plain JS'], base: 'tstar', atLeast: 10, why: 'plain JS\'s Math.exp loop is within a few × of a SIMD kernel once both stream from memory' }),
    residentTarget(cases),
    ratioTarget(cases, {
      target: 'softmax(x/T) [8×10] e2e vs every library', readme: '≥ 10× every library e2e', cases: ['softmax [8×10]'], peers: ['tfjs cpu', 'tfjs wasm', 'ORT-web wasm', 'ORT-node'], base: 'tstar', atLeast: 10,
      why: 'at 80 elements the cost is per-call overhead: validation and the copy in and out of wasm memory',
    }),
    ratioTarget(cases, { target: 'softmax(x/T) [8×10] with `out` vs plain JS', readme: '≥ 3× plain JS', cases: ['softmax [8×10]'], peers: ['plain JS'], base: 'tstar (out)', atLeast: 3, why: 'plain JS needs no copy at all; tstar\'s floor here is the call into wasm and the two copies' }),
    ratioTarget(cases, {
      target: 'cross-entropy forward + gradient [256×1000] vs tfjs wasm as users write it', readme: '≥ 20× tfjs wasm as users write it', cases: ['crossEntropyGrad [256×1000]'], peers: ['tfjs wasm'], base: 'tstar', atLeast: 20,
      why: 'tfjs wasm\'s valueAndGrad runs a dozen kernels (one-hot, div, log-softmax, mul, sum and their gradients), Exp as a scalar loop',
    }),
    ratioTarget(cases, { target: 'BatchNorm inference [256×2048] vs ORT-node, allocating', readme: '≥ 3× ORT-node allocating', cases: ['batchNorm [256×2048]'], peers: ['ORT-node'], base: 'tstar', atLeast: 3, why: bn }),
    ratioTarget(cases, { target: 'BatchNorm inference [256×2048] vs ORT-node, tstar with `out`', readme: '≥ 6× with `out`', cases: ['batchNorm [256×2048]'], peers: ['ORT-node'], base: 'tstar (out)', atLeast: 6, why: bn }),
    fastResidentTarget(cases),
  ];

  const nodeCold = cold.find((c) => c.runtime === 'node' && c.library === 'tstar')?.inProcessMs;
  rows.push(atMost('Node: import → init → first result', '≤ 30 ms in Node', nodeCold?.median, 30, formatMs,
    nodeCold ? `fastest of ${nodeCold.runs} runs ${formatMs(nodeCold.min)}: the import compiles the wasm synchronously; a loaded machine inflates this first` : 'cold start did not run (--no-cold)'));
  const tstarBytes = bytes.find((b) => b.library === 'tstar');
  const tfjsBytes = bytes.find((b) => b.library === 'tfjs-wasm'), ortBytes = bytes.find((b) => b.library === 'ort-web');
  const beside = [tfjsBytes && `tfjs-wasm ${formatBytes(tfjsBytes.totalGzip)}`, ortBytes && `onnxruntime-web ${formatBytes(ortBytes.totalGzip)}`].filter(Boolean).join(', ');
  rows.push(atMost('tstar.wasm size', '≤ 32 KiB', tstarBytes?.wasmBytes, 32 * 1024, formatBytes, tstarBytes ? 'the wasm holds every kernel (softmax, CE, BN, fit, CSG) and both precisions' : 'bytes were not measured (--no-cold)'));
  rows.push(atMost('core gzip total (JS bundle + wasm)', '≤ 64 KiB', tstarBytes?.totalGzip, 64 * 1024, formatBytes, tstarBytes ? 'JS glue and wasm together' : 'bytes were not measured (--no-cold)', beside ? `beside: ${beside} (gzip, first result)` : undefined));
  return rows;
}

/** The name of tstar's wasm-resident row (suite/contenders/tstar.ts), where the core has workspaces. */
export const RESIDENT = 'tstar resident';

function residentTarget(cases: Map<string, CaseResult>): TargetRow {
  const softmax = SOFTMAX_SHAPES.map((s) => `softmax ${s}`);
  if (!softmax.some((id) => contender(cases.get(id), RESIDENT))) {
    return { target: 'softmax(x/T) with wasm-resident buffers vs ORT-node (1 thread)', readme: '≥ 1.2× ORT-node', required: '≥ 1.2× (ORT-node ÷ tstar resident)', measured: '—', status: 'not measured', why: 'no `tstar resident` row in this run (the core needs createWorkspace)' };
  }
  return ratioTarget(cases, {
    target: 'softmax(x/T) with wasm-resident buffers vs ORT-node (1 thread)', readme: '≥ 1.2× ORT-node', cases: softmax, peers: ['ORT-node'], base: RESIDENT, atLeast: 1.2,
    why: 'ORT-node runs native AVX2/AVX-512 MLAS on data already in its tensors; tstar resident pays only validation and the 128-bit wasm SIMD kernel',
  });
}

function fastResidentTarget(cases: Map<string, CaseResult>): TargetRow {
  const target = 'resident softmax in the fast precision (the default)', readme = '≤ 0.6 ns per element in the fast precision';
  let worst: { id: string; ns: number; stream?: number } | undefined;
  for (const s of SOFTMAX_SHAPES) {
    const c = cases.get(`softmax ${s}`);
    const t = contender(c, RESIDENT)?.medianUs;
    if (!c || t === undefined) continue;
    const ns = (t * 1000) / (c.rows * c.cols);
    const st = contender(c, STREAM)?.medianUs;
    if (!worst || ns > worst.ns) worst = { id: c.id, ns, stream: st === undefined ? undefined : (st * 1000) / (c.rows * c.cols) };
  }
  const ns = (v: number): string => `${v.toFixed(2)} ns/element`;
  if (!worst) return { target, readme, required: '≤ 0.6 ns/element', measured: '—', status: 'not measured', why: 'no `tstar resident` row in this run (the core needs createWorkspace)' };
  return atMost(target, readme, worst.ns, 0.6, ns,
    `worst of ${SOFTMAX_SHAPES.join(', ')} (${worst.id}); the call includes validation, so small rows pay per-call overhead; results/softmax-floor.md times the kernel alone`,
    worst.stream === undefined ? undefined : `stream ${ns(worst.stream)} on ${worst.id}`);
}
