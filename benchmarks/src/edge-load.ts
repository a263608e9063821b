// The edge service (apps/edge-worker) under load: a bounded autocannon run on loopback against the
// service under workerd and under Deno — latency percentiles, throughput, errors, and the server's RSS
// between rounds. Cold start lives in the kernel suite (src/cold-start.ts), for every runtime.
// Usage: npx tsx src/edge-load.ts [--quick [--write]]   (the root build first builds @tstar/edge-worker; a quick run only prints unless --write)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { rng } from './lib/data.js';
import { freePort, rssMiB, runProcess, stopProcess, track } from './lib/processes.js';
import { machine } from './lib/report.js';
import { edgeMarkdown, type EdgeReport, type LoadRound } from './report/edge-markdown.js';
import { BENCH } from './hosts/process-env.js';
import { WORKERD } from './hosts/workerd.js';
import { RUNTIMES } from './runtimes.js';

const require = createRequire(import.meta.url);
/** The service's package: its dist/ and workerd.capnp are what gets served. */
const APP = path.dirname(require.resolve('@tstar/edge-worker/package.json'));
// autocannon ships no types; these are the fields this script reads.
interface Histogram { p50: number; p90: number; p99: number; max: number; average: number; total: number }
interface LoadResult { requests: Histogram; latency: Histogram; throughput: Histogram; errors: number; timeouts: number; non2xx: number; '2xx': number }
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<LoadResult>;

const quick = process.argv.includes('--quick');
const LOAD_REQUESTS = quick ? 500 : 4000;
const CONNECTIONS = 8;
const WARMUP_ROUNDS = quick ? 1 : 3;
const SOFTMAX_BODY = JSON.stringify({ logits: [[1, 2, 3]], temperature: 2 });

type Host = 'workerd' | 'deno';

/** Starts a host of the service; resolves once a softmax POST has been answered. */
async function startService(host: Host): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child = track(host === 'workerd'
    ? spawn(WORKERD, ['serve', 'workerd.capnp', '--socket-addr', `http=127.0.0.1:${port}`, '--socket-addr', `smoke=127.0.0.1:${await freePort()}`], { cwd: APP, stdio: 'ignore' })
    : spawn(RUNTIMES.deno.command, ['serve', '--quiet', '--host', '127.0.0.1', '--port', String(port), 'dist/handler.js'], { cwd: APP, stdio: 'ignore' }));
  const deadline = performance.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(url, { method: 'POST', body: SOFTMAX_BODY, signal: AbortSignal.timeout(5000) });
      if (res.status !== 200) throw new Error(`${host}: first answer was HTTP ${res.status}`);
      await res.arrayBuffer();
      return { child, url };
    } catch (error) {
      if (child.exitCode !== null || performance.now() > deadline) {
        await stopProcess(child);
        throw new Error(`${host} did not answer: ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

/** A request body of random logits (and, for the full pipeline, labels with a fitted temperature). */
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

async function load(url: string, requestBody: string, amount: number): Promise<Omit<LoadRound, 'round' | 'scenario' | 'requestBytes'>> {
  const t0 = performance.now();
  const r = await autocannon({ url, method: 'POST', body: requestBody, headers: { 'content-type': 'application/json' }, connections: CONNECTIONS, amount, timeout: 30, sampleInt: 50 });
  const seconds = (performance.now() - t0) / 1000;
  return {
    requests: r.requests.total, ok2xx: r['2xx'], non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: Number(r.latency.average.toFixed(3)) },
    // Totals over wall time: autocannon ends a run on a sampling tick, so ticks are 50 ms rather than its 1 s.
    requestsPerSecond: Number((r.requests.total / seconds).toFixed(1)),
    throughputMiBps: Number((r.throughput.total / seconds / 2 ** 20).toFixed(2)),
    durationS: Number(seconds.toFixed(2)),
  };
}

async function loadTest(host: Host): Promise<EdgeReport['load'][number]> {
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
    const rounds: LoadRound[] = [];
    for (const round of [1, 2, 3]) {
      for (const s of SCENARIOS) {
        rounds.push({ round, scenario: s.name, requestBytes: s.body.length, ...(await load(url, s.body, LOAD_REQUESTS)) });
        rss[`afterRound${round} ${s.name}`] = rssMiB(pid);
      }
    }
    const measured = Object.entries(rss).filter(([k]) => k.startsWith('afterRound')).map(([, v]) => v);
    return { host, connections: CONNECTIONS, requestsPerRound: LOAD_REQUESTS, rounds, rssMiB: rss, rssGrowthOverMeasuredRoundsMiB: Number((measured[measured.length - 1] - measured[0]).toFixed(1)) };
  } finally {
    await stopProcess(child);
  }
}

async function main(): Promise<void> {
  const m = machine();
  const versions = {
    workerd: (await runProcess(WORKERD, ['--version'])).out.trim().replace(/^workerd\s*/, ''),
    deno: (await runProcess(RUNTIMES.deno.command, ['--version'])).out.split('\n')[0].replace(/\s*\(.*$/, '').trim(),
  };
  const loads = [await loadTest('workerd'), await loadTest('deno')];
  const report: EdgeReport = {
    machine: { ...m, loadAverage: { ...m.loadAverage, end: Number(os.loadavg()[0].toFixed(2)) } },
    versions, quick, warmupRounds: WARMUP_ROUNDS, load: loads,
  };
  if (!quick || process.argv.includes('--write')) {
    const out = path.join(BENCH, 'results');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'edge.json'), JSON.stringify(report, null, 2) + '\n');
    await writeFile(path.join(out, 'edge.md'), edgeMarkdown(report));
  }
  process.stdout.write(edgeMarkdown(report));
}

await main();
