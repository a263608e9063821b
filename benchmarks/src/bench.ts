// The cross-runtime kernel suite: runs the case table (suite/cases.ts) in Node, Bun, Deno, Chromium
// (main thread and a Web Worker) and workerd, then cold start and bytes shipped, and writes
// results/kernels.json, results/kernels.md and results/charts/<runtime>.svg.
// Usage: tsx src/bench.ts [--quick] [--filter <text>] [--runtimes node,bun,deno,chromium,workerd] [--no-cold] [--write] [--out <dir>]
// A full run (no --quick, --filter or --runtimes) writes results/; other runs print unless given --write or --out.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { bytesShipped, coldStarts, type BytesRow, type ColdStartRow } from './cold-start.js';
import { runChromium } from './hosts/chromium.js';
import { BENCH } from './hosts/process-env.js';
import { runWorkerd } from './hosts/workerd.js';
import { runProcess } from './lib/processes.js';
import { runtimeChart } from './report/charts.js';
import { formatRatio } from './lib/report.js';
import { markdown } from './report/markdown.js';
import { evaluateTargets } from './report/targets.js';
import type { RuntimeRun, SuiteReport } from './report/types.js';
import { RUNTIMES, runtimeVersion, type ProcessRuntime } from './runtimes.js';
import { selectCases, TEMPERATURE } from './suite/cases.js';
import type { RuntimeId } from './suite/env.js';
import { FULL, QUICK } from './suite/measure.js';
import type { CaseResult } from './suite/runner.js';

const ALL_RUNTIMES = ['node', 'bun', 'deno', 'chromium', 'workerd'] as const;
type Runtime = (typeof ALL_RUNTIMES)[number];

interface Args {
  quick: boolean;
  filter?: string;
  runtimes: Runtime[];
  cold: boolean;
  out?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, runtimes: [...ALL_RUNTIMES], cold: true };
  let write = false, partial = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: ${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--no-cold') args.cold = false;
    else if (a === '--write') write = true;
    else if (a === '--out') args.out = path.resolve(value());
    else if (a === '--filter') (args.filter = value()), (partial = true);
    else if (a === '--runtimes') {
      const list = value().split(',').map((s) => s.trim());
      for (const r of list) if (!(ALL_RUNTIMES as readonly string[]).includes(r)) throw new Error(`bench: unknown runtime ${r} (use ${ALL_RUNTIMES.join(', ')})`);
      args.runtimes = list as Runtime[];
      partial = true;
    } else throw new Error(`bench: unknown argument ${a} (use --quick, --filter, --runtimes, --no-cold, --write, --out)`);
  }
  // A full run owns results/; partial runs only print unless told where to write.
  if (!args.out && (write || (!args.quick && !partial))) args.out = path.join(BENCH, 'results');
  return args;
}

const load = (): number => Number(os.loadavg()[0].toFixed(2));
const log = (line: string): void => void process.stderr.write(line + '\n');

async function processRun(runtime: ProcessRuntime, args: Args): Promise<RuntimeRun> {
  const before = load();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tstar-bench-'));
  const out = path.join(dir, `${runtime}.json`);
  try {
    const flags = [...(args.quick ? ['--quick'] : []), ...(args.filter ? ['--filter', args.filter] : []), '--out', out];
    await runProcess(RUNTIMES[runtime].command, [...RUNTIMES[runtime].suiteArgs, path.join(BENCH, 'src/hosts/process.ts'), ...flags], {
      cwd: BENCH, timeoutMs: 60 * 60_000, onStderr: (t) => process.stderr.write(t),
    });
    const r = JSON.parse(await readFile(out, 'utf8')) as { versions: Record<string, string>; notes: string[]; seconds: number; cases: CaseResult[] };
    return { id: runtime, versions: r.versions, notes: r.notes, timing: 'in-process performance.now(), a forced GC before each case (young generation before each block)', loadAverage: { before, after: load() }, seconds: r.seconds, cases: r.cases };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function failed(id: RuntimeId, before: number, error: unknown): RuntimeRun {
  const failure = error instanceof Error ? error.message : String(error);
  log(`${id} did not run: ${failure}`);
  return { id, versions: {}, notes: [], timing: '—', loadAverage: { before, after: load() }, seconds: 0, cases: [], failure: failure.slice(0, 1000) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loadStart = load();
  const specs = selectCases(args.quick, args.filter);
  const inProcess = args.quick ? QUICK : FULL;
  const browser = { ...inProcess, sampleTargetMs: 1 };
  const workerd = { ...inProcess, sampleTargetMs: args.quick ? 20 : 50 };
  log(`bench: ${specs.length} cases × ${args.runtimes.join(', ')}${args.quick ? ' (quick)' : ''}`);

  const runs: RuntimeRun[] = [];
  for (const runtime of args.runtimes) {
    const before = load();
    if (runtime === 'node' || runtime === 'bun' || runtime === 'deno') {
      try {
        runs.push(await processRun(runtime, args));
      } catch (error) {
        runs.push(failed(runtime, before, error));
      }
    } else if (runtime === 'chromium') {
      try {
        const results = await runChromium(specs, browser, log);
        const chromiumVersion = (await runProcess(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version'])).out.trim().replace(/ built on .*$/, '');
        for (const r of results) {
          runs.push({
            id: r.runtime as RuntimeId, versions: { ...r.versions, runtime: `${chromiumVersion} (${r.runtime === 'chromium' ? 'main thread' : 'module Web Worker'})` }, notes: r.notes,
            timing: 'in-page performance.now() (cross-origin isolated: 5 µs resolution), samples ≥ 1 ms, a forced GC before each case (young generation before each block)',
            loadAverage: { before, after: load() }, seconds: r.seconds, cases: r.cases,
          });
        }
      } catch (error) {
        runs.push(failed('chromium', before, error));
      }
    } else {
      try {
        const r = await runWorkerd(specs, workerd, log);
        const version = (await runProcess((await import('./hosts/workerd.js')).WORKERD, ['--version'])).out.trim();
        const base = [...r.baselineMs].sort((a, b) => a - b)[r.baselineMs.length >> 1];
        runs.push({
          id: 'workerd', versions: { runtime: version, ...r.versions }, notes: r.notes,
          timing: `from outside (clocks are frozen inside a request): many calls per HTTP request, the round trip timed by the caller minus an empty request's median round trip (${base.toFixed(2)} ms, median over cases), samples ≥ max(${workerd.sampleTargetMs} ms, 20 round trips); no forced GC`,
          loadAverage: { before, after: load() }, seconds: r.seconds, baselineMs: r.baselineMs.map((b) => Number(b.toFixed(3))), cases: r.cases,
        });
      } catch (error) {
        runs.push(failed('workerd', before, error));
      }
    }
  }
  const tstarVersion = (JSON.parse(await readFile(createRequire(import.meta.url).resolve('@tstar/core/package.json'), 'utf8')) as { version: string }).version;
  for (const r of runs) {
    if (r.failure) continue;
    if (r.id === 'node' || r.id === 'bun' || r.id === 'deno') r.versions.runtime ??= await runtimeVersion(r.id as ProcessRuntime);
    r.versions.tstar = tstarVersion;
  }

  let cold: ColdStartRow[] = [];
  let bytes: BytesRow[] = [];
  if (args.cold) {
    cold = await coldStarts(args.runtimes, args.quick ? 1 : 7, log);
    bytes = await bytesShipped();
  }

  const cpus = os.cpus();
  const report: SuiteReport = {
    suite: 'kernels',
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    filter: args.filter ?? null,
    command: args.quick || args.filter || args.runtimes.length !== ALL_RUNTIMES.length
      ? `cd benchmarks && npx tsx src/bench.ts ${process.argv.slice(2).map((a) => (/^[\w./,=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')}`
      : 'npm run bench',
    seconds: (performance.now() - started) / 1000,
    machine: { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()} ${os.arch()}`, loadAverage: { start: loadStart, end: load() } },
    temperature: TEMPERATURE,
    units: 'microseconds per call (cold start: milliseconds; bytes: bytes)',
    measure: { inProcess, workerd },
    runtimes: runs,
    coldStart: cold,
    bytes,
    targets: [],
  };
  report.targets = evaluateTargets(runs, cold, bytes);

  // The console gets the headline: peer ÷ tstar, geometric mean per runtime.
  for (const r of runs) {
    const ratios = new Map<string, number[]>();
    for (const c of r.cases) {
      const t = c.contenders.find((k) => k.name === 'tstar')?.medianUs;
      for (const k of c.contenders) if (t && k.medianUs && k.name !== 'tstar') ratios.set(k.name, [...(ratios.get(k.name) ?? []), k.medianUs / t]);
    }
    const text = [...ratios].map(([n, v]) => `${n} ${formatRatio(Math.exp(v.reduce((s, x) => s + Math.log(x), 0) / v.length))}`).join(', ');
    log(`${r.id}: ${r.failure ? `did not run (${r.failure.slice(0, 200)})` : `peer ÷ tstar (geometric mean) ${text}`}`);
  }
  for (const t of report.targets) log(`target ${t.status}: ${t.target} — ${t.measured}${t.shortfall ? ` (${t.shortfall})` : ''}`);

  if (args.out) {
    await mkdir(path.join(args.out, 'charts'), { recursive: true });
    await writeFile(path.join(args.out, 'kernels.json'), JSON.stringify(report, null, 1) + '\n');
    await writeFile(path.join(args.out, 'kernels.md'), markdown(report));
    for (const r of runs) if (r.cases.length) await writeFile(path.join(args.out, 'charts', `${r.id}.svg`), runtimeChart(r, TEMPERATURE));
    log(`wrote ${path.relative(process.cwd(), args.out) || '.'}/kernels.{json,md} and charts/ (${(report.seconds / 60).toFixed(1)} min)`);
  }
}

// Report failures ourselves: the tfjs wasm module re-throws uncaught errors with its whole source line.
await main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
