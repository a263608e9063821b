// Edge benchmarks: cold start of @tstar/core per runtime (import → init → first softmax) in Node, Deno,
// workerd and headless Chromium, then a bounded load test of apps/edge-worker under workerd (and Deno) with
// autocannon on loopback: latency percentiles, throughput, errors and the server's RSS between rounds.
// Usage: npx tsx src/edge-bench.ts [--quick]   (build first: npm run build -w @tstar/core -w @tstar/edge-worker)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { rng } from './lib/data.js';
import { machine } from './lib/report.js';
import { serve } from '../../apps/edge-worker/test/browser/server.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../../apps/edge-worker/test/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bench = path.dirname(here);
const app = path.resolve(bench, '../apps/edge-worker');
const require = createRequire(path.join(app, 'package.json'));
// autocannon ships no types; these are the fields this script reads.
interface Histogram {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  average: number;
  total: number;
}
interface LoadResult {
  requests: Histogram;
  latency: Histogram;
  throughput: Histogram;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<LoadResult>;
const WORKERD = path.join(path.dirname(require.resolve('workerd/package.json')), 'bin', 'workerd');
const DENO = path.join(path.dirname(require.resolve('deno/package.json')), 'deno');
const quick = process.argv.includes('--quick');
const COLD_RUNS = quick ? 3 : 10;
const LOAD_REQUESTS = quick ? 500 : 4000;
const CONNECTIONS = 8;
const WARMUP_ROUNDS = quick ? 1 : 3;

// Runs as an ES module in Node (node -e) and Deno (deno eval), resolving @tstar/core through each one's
// export condition from benchmarks/. Times are from before the import to after the first softmax.
const PROBE = `
const t0 = performance.now();
const core = await import('@tstar/core');
const t1 = performance.now();
await core.init();
core.softmax(new Float32Array([1, 2, 3]), [1, 3]);
const t2 = performance.now();
console.log(JSON.stringify({ importMs: t1 - t0, totalMs: t2 - t0 }));
`;

interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

function summary(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const round = (v: number): number => Number(v.toFixed(2));
  return { median: round(median), min: round(sorted[0]), max: round(sorted[sorted.length - 1]), runs: values.length };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs a command to exit (killed after 60 s); returns its stdout and wall time from spawn to exit. */
function timed(command: string, args: string[], cwd: string): Promise<{ out: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ out, wallMs: performance.now() - t0 });
      else reject(new Error(`${command} exited ${code}: ${err}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return Number((kb / 1024).toFixed(1));
}

const SOFTMAX_BODY = JSON.stringify({ logits: [[1, 2, 3]], temperature: 2 });

/** Starts a host of the service; resolves once a softmax POST has been answered, with the time that took. */
async function startService(host: 'workerd' | 'deno'): Promise<{ child: ChildProcess; url: string; firstAnswerMs: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const t0 = performance.now();
  const child =
    host === 'workerd'
      ? spawn(WORKERD, ['serve', 'workerd.capnp', '--socket-addr', `http=127.0.0.1:${port}`, '--socket-addr', `smoke=127.0.0.1:${await freePort()}`], { cwd: app, stdio: 'ignore' })
      : spawn(DENO, ['serve', '--quiet', '--host', '127.0.0.1', '--port', String(port), 'dist/handler.js'], { cwd: app, stdio: 'ignore' });
  const deadline = t0 + 60_000;
  for (;;) {
    try {
      const res = await fetch(url, { method: 'POST', body: SOFTMAX_BODY, signal: AbortSignal.timeout(5000) });
      if (res.status !== 200) throw new Error(`${host}: first answer was HTTP ${res.status}`);
      await res.arrayBuffer();
      return { child, url, firstAnswerMs: performance.now() - t0 };
    } catch (error) {
      if (child.exitCode !== null || performance.now() > deadline) {
        await stop(child);
        throw new Error(`${host} did not answer: ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

async function coldStarts(): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const [name, command, args] of [
    ['node', process.execPath, ['--input-type=module', '-e', PROBE]],
    ['deno', DENO, ['eval', PROBE]],
  ] as const) {
    const inProcess: number[] = [], wall: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const { out, wallMs } = await timed(command, [...args], bench);
      inProcess.push(JSON.parse(out).totalMs);
      wall.push(wallMs);
    }
    result[name] = { importToFirstSoftmaxMs: summary(inProcess), processSpawnToExitMs: summary(wall) };
  }
  const firstAnswer: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const { child, firstAnswerMs } = await startService('workerd');
    firstAnswer.push(firstAnswerMs);
    await stop(child);
  }
  // workerd freezes clocks inside a request (a Spectre mitigation), so only the outside view is measurable.
  result.workerd = { spawnToFirstSoftmaxAnswerMs: summary(firstAnswer) };

  const served = await serve();
  const profile = mkdtempSync(path.join(os.tmpdir(), 'tstar-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 120_000 });
  try {
    const main: number[] = [], worker: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const page = await context.newPage();
      await page.goto(served.url, { timeout: 60_000 });
      await page.waitForFunction(() => 'smokeResult' in window || 'smokeError' in window, null, { timeout: 120_000 });
      const r = await page.evaluate(() => (window as unknown as { smokeResult: { coldStartMs: number; worker: { coldStartMs: number } } }).smokeResult);
      main.push(r.coldStartMs);
      worker.push(r.worker.coldStartMs);
      await page.close();
    }
    result.chromium = { version: context.browser()?.version() ?? 'unknown', mainThreadImportToFirstSoftmaxMs: summary(main), webWorkerImportToFirstSoftmaxMs: summary(worker) };
  } finally {
    await context.close();
    served.server.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return result;
}

function body(rows: number, cols: number, full: boolean): string {
  const r = rng(rows * 7 + cols);
  const logits = Array.from({ length: rows }, () => Array.from({ length: cols }, () => Number((r() * 12 - 6).toFixed(3))));
  if (!full) return JSON.stringify({ logits, temperature: 1.5 });
  return JSON.stringify({ logits, labels: Array.from({ length: rows }, () => Math.floor(r() * cols)), featureDim: 512, temperature: 'fit' });
}

const SCENARIOS = [
  { name: 'softmax 32×10', body: body(32, 10, false) },
  { name: 'calibrate 256×10 (fit T, T̂*, metrics)', body: body(256, 10, true) },
];

async function load(url: string, requestBody: string, amount: number): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const r = await autocannon({ url, method: 'POST', body: requestBody, headers: { 'content-type': 'application/json' }, connections: CONNECTIONS, amount, timeout: 30, sampleInt: 50 });
  const seconds = (performance.now() - t0) / 1000;
  return {
    requests: r.requests.total,
    ok2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: Number(r.latency.average.toFixed(3)) },
    // Totals over wall time; autocannon ends a run on a sampling tick, so ticks are 50 ms rather than its 1 s.
    requestsPerSecond: Number((r.requests.total / seconds).toFixed(1)),
    throughputMiBps: Number((r.throughput.total / seconds / 2 ** 20).toFixed(2)),
    durationS: Number(seconds.toFixed(2)),
  };
}

async function loadTest(host: 'workerd' | 'deno'): Promise<Record<string, unknown>> {
  const { child, url } = await startService(host);
  try {
    const pid = child.pid!;
    const rss: Record<string, number> = { started: rssMiB(pid) };
    // V8 grows the heap over the first ~15,000 requests before collection keeps pace (in workerd RSS then
    // holds near 230 MiB for 80,000 more), so warm-up rounds run first and flat memory is judged after them.
    for (let round = 1; round <= WARMUP_ROUNDS; round++) {
      for (const s of SCENARIOS) await load(url, s.body, LOAD_REQUESTS);
      rss[`warmup${round}`] = rssMiB(pid);
    }
    const rounds: Record<string, unknown>[] = [];
    for (const round of [1, 2, 3]) {
      for (const s of SCENARIOS) {
        rounds.push({ round, scenario: s.name, requestBytes: s.body.length, ...(await load(url, s.body, LOAD_REQUESTS)) });
        rss[`afterRound${round} ${s.name}`] = rssMiB(pid);
      }
    }
    const measured = Object.entries(rss).filter(([k]) => k.startsWith('afterRound')).map(([, v]) => v);
    const growth = Number((measured[measured.length - 1] - measured[0]).toFixed(1));
    return { host, connections: CONNECTIONS, requestsPerRound: LOAD_REQUESTS, rounds, rssMiB: rss, rssGrowthOverMeasuredRoundsMiB: growth };
  } finally {
    await stop(child);
  }
}

function markdown(report: Record<string, any>): string {
  const m = report.machine;
  const c = report.coldStart;
  const lines = [
    '# Edge benchmarks: cold start and the edge service under load',
    '',
    `${m.date} · ${m.cpu} (${m.cores} cores) · Node ${m.node} · ${report.versions.deno} · workerd ${report.versions.workerd} · Chromium ${c.chromium.version} · load average ${m.loadAverage.start} → ${m.loadAverage.end}${quick ? ' · quick run' : ''}`,
    '',
    `Reproduce: \`npm run build -w @tstar/core -w @tstar/edge-worker && cd benchmarks && npx tsx src/edge-bench.ts\`. A shared 2-core VM: absolute times move between runs.`,
    '',
    '## Cold start: import → init → first softmax (median of ' + COLD_RUNS + ' fresh processes or pages; [min – max])',
    '',
    '| runtime | how @tstar/core loads its wasm | in-process | from process spawn |',
    '|---|---|---:|---:|',
  ];
  const cell = (s: Summary | undefined): string => (s ? `${s.median} ms [${s.min} – ${s.max}]` : '—');
  lines.push(`| Node ${m.node} | \`node\` condition: readFileSync + sync compile at import | ${cell(c.node.importToFirstSoftmaxMs)} | ${cell(c.node.processSpawnToExitMs)} (to exit) |`);
  lines.push(`| ${report.versions.deno} | \`deno\` condition: wasm imported as a module | ${cell(c.deno.importToFirstSoftmaxMs)} | ${cell(c.deno.processSpawnToExitMs)} (to exit) |`);
  lines.push(`| workerd ${report.versions.workerd} | \`workerd\` condition: compiled module from the config | clocks frozen in a request | ${cell(c.workerd.spawnToFirstSoftmaxAnswerMs)} (to the first HTTP answer) |`);
  lines.push(`| Chromium ${c.chromium.version}, main thread | \`browser\` condition: fetch + instantiateStreaming | ${cell(c.chromium.mainThreadImportToFirstSoftmaxMs)} | — |`);
  lines.push(`| Chromium, module Web Worker | \`worker\` condition: fetch + instantiateStreaming | ${cell(c.chromium.webWorkerImportToFirstSoftmaxMs)} | — |`);
  lines.push('', `## The edge service under load (autocannon, ${CONNECTIONS} connections, ${LOAD_REQUESTS} requests per round, loopback)`, '');
  lines.push('| host | round | scenario | req/s | p50 | p90 | p99 | max | 2xx | non-2xx | errors | timeouts |', '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const l of report.load) {
    for (const r of l.rounds) {
      lines.push(`| ${l.host} | ${r.round} | ${r.scenario} (${(r.requestBytes / 1024).toFixed(1)} KiB) | ${r.requestsPerSecond} | ${r.latencyMs.p50} ms | ${r.latencyMs.p90} ms | ${r.latencyMs.p99} ms | ${r.latencyMs.max} ms | ${r.ok2xx} | ${r.non2xx} | ${r.errors} | ${r.timeouts} |`);
    }
  }
  lines.push('', `## Server RSS (MiB): after each of ${WARMUP_ROUNDS} warm-up rounds (both scenarios), then after each measured round`, '');
  for (const l of report.load) {
    lines.push(`- ${l.host}: ${Object.entries(l.rssMiB).map(([k, v]) => `${k} ${v}`).join(' · ')} — change from the first to the last measured round: ${l.rssGrowthOverMeasuredRoundsMiB} MiB`);
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const m = machine();
  const versions = {
    workerd: (await timed(WORKERD, ['--version'], app)).out.trim().replace(/^workerd\s*/, ''),
    deno: (await timed(DENO, ['--version'], app)).out.split('\n')[0].replace(/\s*\(.*$/, '').trim(),
  };
  const coldStart = await coldStarts();
  const loads = [await loadTest('workerd'), await loadTest('deno')];
  const report = { machine: { ...m, loadAverage: { ...m.loadAverage, end: Number(os.loadavg()[0].toFixed(2)) } }, versions, quick, coldStart, load: loads };
  const out = path.join(bench, 'results');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'edge.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(path.join(out, 'edge.md'), markdown(report));
  process.stdout.write(markdown(report));
}

await main();
