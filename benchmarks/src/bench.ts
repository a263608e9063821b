// The cross-runtime kernel suite: runs the case table (suite/cases.ts) in Node, Bun, Deno, Chromium
// (main thread and a Web Worker) and workerd, then cold start and bytes shipped, and writes
// results/kernels.json, results/kernels.md and results/charts/<runtime>.svg.
// Usage: tsx src/bench.ts [--quick] [--filter <text,…>] [--runtimes node,bun,deno,chromium,workerd] [--no-cold]
//                         [--write] [--out <dir>] [--resume] [--merge] [--estimate]
// A full run (no --quick, --filter or --runtimes) writes results/; other runs print unless given --write or --out.
// Each runtime's results are saved to <out>/partial/ as soon as it finishes: --resume reruns only what an
// interrupted full run did not finish; --merge puts a partial run (some runtimes, some cases) into the
// stored results and rewrites kernels.*. --estimate prints the expected duration and exits.
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
import { fullCases, selectCases, TEMPERATURE } from './suite/cases.js';
import { estimateSeconds, formatDuration } from './estimate.js';
import type { RuntimeId } from './suite/env.js';
import { FULL, FULL_SHORT, QUICK } from './suite/measure.js';
import type { CaseResult } from './suite/runner.js';

const ALL_RUNTIMES = ['node', 'bun', 'deno', 'chromium', 'workerd'] as const;
type Runtime = (typeof ALL_RUNTIMES)[number];

interface Args {
  quick: boolean;
  filter?: string;
  runtimes: Runtime[];
  cold: boolean;
  out?: string;
  resume: boolean;
  merge: boolean;
  estimate: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, runtimes: [...ALL_RUNTIMES], cold: true, resume: false, merge: false, estimate: false };
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
    else if (a === '--resume') args.resume = true;
    else if (a === '--merge') args.merge = true;
    else if (a === '--estimate') args.estimate = true;
    else if (a === '--out') args.out = path.resolve(value());
    else if (a === '--filter') (args.filter = value()), (partial = true);
    else if (a === '--runtimes') {
      const list = value().split(',').map((s) => s.trim());
      for (const r of list) if (!(ALL_RUNTIMES as readonly string[]).includes(r)) throw new Error(`bench: unknown runtime ${r} (use ${ALL_RUNTIMES.join(', ')})`);
      args.runtimes = list as Runtime[];
      partial = true;
    } else throw new Error(`bench: unknown argument ${a} (use --quick, --filter, --runtimes, --no-cold, --write, --out, --resume, --merge, --estimate)`);
  }
  if (args.resume && args.filter) throw new Error('bench: --resume continues a run of the whole case table; rerun some cases with --filter and --merge');
  // A full run owns results/; partial runs only print unless told where to write.
  if (!args.out && (write || args.resume || args.merge || (!args.quick && !partial))) args.out = path.join(BENCH, 'results');
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

/** What a finished runtime leaves in <out>/partial/<id>.json, so an interrupted run can resume. */
interface StoredRun {
  /** The full run this belongs to (a fresh full run starts a new session and clears partial/). */
  session: string;
  mode: 'full' | 'quick';
  caseIds: string[];
  run: RuntimeRun;
}
interface StoredCold {
  session: string;
  mode: 'full' | 'quick';
  runtimes: string[];
  cold: ColdStartRow[];
  bytes: BytesRow[];
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The places each runtime option produces. */
const PLACES: Record<Runtime, RuntimeId[]> = { node: ['node'], bun: ['bun'], deno: ['deno'], chromium: ['chromium', 'chromium-worker'], workerd: ['workerd'] };
const ALL_PLACES = ALL_RUNTIMES.flatMap((r) => PLACES[r]);

/** Cases of `fresh` replace those of `old` with the same id; the rest of `old` stays, in case-table order. */
function mergeCases(old: CaseResult[], fresh: CaseResult[]): CaseResult[] {
  const byId = new Map(old.map((c) => [c.id, c]));
  for (const c of fresh) byId.set(c.id, c);
  const order = new Map(fullCases().map((c, i) => [c.id, i]));
  return [...byId.values()].sort((x, y) => (order.get(x.id) ?? 1e9) - (order.get(y.id) ?? 1e9));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loadStart = load();
  const specs = selectCases(args.quick, args.filter);
  const inProcess = args.quick ? QUICK : FULL;
  const short = args.quick ? QUICK : FULL_SHORT;
  const browser = { ...short, sampleTargetMs: 1 };
  const workerd = { ...short, sampleTargetMs: args.quick ? 20 : 50 };
  const mode: 'full' | 'quick' = args.quick ? 'quick' : 'full';
  const caseIds = specs.map((c) => c.id);
  const partialDir = args.out && path.join(args.out, 'partial');
  const sessionFile = partialDir && path.join(partialDir, 'session.json');
  const fullRun = !args.quick && !args.filter && args.runtimes.length === ALL_RUNTIMES.length;

  // A session is one full run's pieces in partial/: a fresh full run starts one (dropping old pieces);
  // --resume continues the stored one; --merge and partial runs add to whatever is stored.
  const stored = sessionFile ? (await readJson<{ session: string }>(sessionFile))?.session : undefined;
  let session = args.resume || args.merge || !fullRun ? stored : undefined;
  if (args.resume && !session) log(`bench: --resume found no interrupted run in ${partialDir}; running everything`);
  // Only whole runtimes of the case table are stored (a filtered run is stored once merged).
  const storable = !args.filter;
  const storedRun = async (id: RuntimeId): Promise<StoredRun | undefined> => (partialDir ? readJson<StoredRun>(path.join(partialDir, `${id}.json`)) : undefined);
  const reusable = async (id: RuntimeId): Promise<RuntimeRun | undefined> => {
    const s = await storedRun(id);
    return args.resume && s && s.session === session && s.mode === mode && !s.run.failure && s.caseIds.join('\n') === caseIds.join('\n') ? s.run : undefined;
  };
  const save = async (r: RuntimeRun): Promise<void> => {
    if (!partialDir) return;
    await mkdir(partialDir, { recursive: true });
    r.date = new Date().toISOString();
    await writeFile(path.join(partialDir, `${r.id}.json`), JSON.stringify({ session: session!, mode, caseIds: r.cases.map((c) => c.id), run: r } satisfies StoredRun) + '\n');
  };

  const reused = new Map<RuntimeId, RuntimeRun>();
  for (const runtime of args.runtimes) {
    const stored = await Promise.all(PLACES[runtime].map(reusable));
    if (stored.every(Boolean)) for (const r of stored) reused.set(r!.id, r!);
  }
  const toRun = args.runtimes.filter((r) => !PLACES[r].every((id) => reused.has(id)));
  const estimate = estimateSeconds(toRun, specs, { quick: args.quick, cold: args.cold });
  log(`bench: ${specs.length} cases × ${args.runtimes.join(', ')}${args.quick ? ' (quick)' : ''}` +
    (reused.size ? `; reusing ${[...reused.keys()].join(', ')} from ${path.relative(process.cwd(), partialDir!)}` : '') +
    `; estimated ${formatDuration(estimate.total)} on an idle machine (${estimate.parts.map(([n, t]) => `${n} ${formatDuration(t)}`).join(', ')})`);
  if (args.estimate) return;
  if (!session) {
    session = new Date().toISOString();
    if (partialDir) {
      if (fullRun && !args.merge) await rm(partialDir, { recursive: true, force: true });
      await mkdir(partialDir, { recursive: true });
      await writeFile(sessionFile!, JSON.stringify({ session }) + '\n');
    }
  }

  const runs: RuntimeRun[] = [];
  for (const runtime of args.runtimes) {
    if (PLACES[runtime].every((id) => reused.has(id))) {
      runs.push(...PLACES[runtime].map((id) => reused.get(id)!));
      continue;
    }
    const before = load();
    const fresh: RuntimeRun[] = [];
    if (runtime === 'node' || runtime === 'bun' || runtime === 'deno') {
      try {
        fresh.push(await processRun(runtime, args));
      } catch (error) {
        fresh.push(failed(runtime, before, error));
      }
    } else if (runtime === 'chromium') {
      try {
        const results = await runChromium(specs, browser, log);
        const chromiumVersion = (await runProcess(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version'])).out.trim().replace(/ built on .*$/, '');
        for (const r of results) {
          fresh.push({
            id: r.runtime as RuntimeId, versions: { ...r.versions, runtime: `${chromiumVersion} (${r.runtime === 'chromium' ? 'main thread' : 'module Web Worker'})` }, notes: r.notes,
            timing: 'in-page performance.now() (cross-origin isolated: 5 µs resolution), samples ≥ 1 ms, a forced GC before each case (young generation before each block)',
            loadAverage: { before, after: load() }, seconds: r.seconds, cases: r.cases,
          });
        }
      } catch (error) {
        fresh.push(failed('chromium', before, error));
      }
    } else {
      try {
        const r = await runWorkerd(specs, workerd, log);
        const version = (await runProcess((await import('./hosts/workerd.js')).WORKERD, ['--version'])).out.trim();
        const base = [...r.baselineMs].sort((a, b) => a - b)[r.baselineMs.length >> 1];
        fresh.push({
          id: 'workerd', versions: { runtime: version, ...r.versions }, notes: r.notes,
          timing: `from outside (clocks are frozen inside a request): many calls per HTTP request, the round trip timed by the caller minus an empty request's median round trip (${base.toFixed(2)} ms, median over cases), samples ≥ max(${workerd.sampleTargetMs} ms, 20 round trips); no forced GC`,
          loadAverage: { before, after: load() }, seconds: r.seconds, baselineMs: r.baselineMs.map((b) => Number(b.toFixed(3))), cases: r.cases,
        });
      } catch (error) {
        fresh.push(failed('workerd', before, error));
      }
    }
    const tstarVersion = (JSON.parse(await readFile(createRequire(import.meta.url).resolve('@tstar/core/package.json'), 'utf8')) as { version: string }).version;
    for (const r of fresh) {
      if (!r.failure) {
        if (r.id === 'node' || r.id === 'bun' || r.id === 'deno') r.versions.runtime ??= await runtimeVersion(r.id as ProcessRuntime);
        r.versions.tstar = tstarVersion;
      }
      // Saved as soon as it is done: an interrupted run resumes from here (--resume).
      if (storable && !args.merge) await save(r);
      log(`bench: ${r.id} ${r.failure ? 'FAILED' : 'done'} in ${formatDuration(r.seconds)}; ${formatDuration((performance.now() - started) / 1000)} so far`);
    }
    runs.push(...fresh);
  }

  let cold: ColdStartRow[] = [];
  let bytes: BytesRow[] = [];
  const coldFile = partialDir && path.join(partialDir, 'cold.json');
  if (args.cold) {
    const stored = args.resume && coldFile ? await readJson<StoredCold>(coldFile) : undefined;
    if (stored && stored.session === session && stored.mode === mode && stored.runtimes.join() === args.runtimes.join()) {
      ({ cold, bytes } = stored);
      log('bench: cold start and bytes reused');
    } else {
      cold = await coldStarts(args.runtimes, args.quick ? 1 : 7, log);
      bytes = await bytesShipped();
      if (coldFile) await writeFile(coldFile, JSON.stringify({ session, mode, runtimes: args.runtimes, cold, bytes } satisfies StoredCold) + '\n');
    }
  }

  // Merge: runtimes and cases this run did not do come from partial/ or, failing that, the last kernels.json.
  let merged = false;
  let mergedSeconds = 0; // the report this run merges into: its time counts toward the whole
  if (args.merge && args.out) {
    const last = await readJson<SuiteReport>(path.join(args.out, 'kernels.json'));
    mergedSeconds = last?.seconds ?? 0;
    const storedOf = async (id: RuntimeId): Promise<RuntimeRun | undefined> => {
      const s = await storedRun(id);
      if (s && s.mode === mode && !s.run.failure) return s.run;
      const r = last?.mode === mode ? last.runtimes.find((x) => x.id === id && !x.failure) : undefined;
      return r;
    };
    const all: RuntimeRun[] = [];
    for (const id of ALL_PLACES) {
      const now = runs.find((r) => r.id === id);
      const old = await storedOf(id);
      if (now?.failure && old) log(`bench: ${id} failed again; keeping its stored results`);
      if (now && !now.failure) {
        const next = old && args.filter ? { ...now, seconds: now.seconds + old.seconds, cases: mergeCases(old.cases, now.cases) } : now;
        await save(next);
        all.push(next);
      } else if (old) all.push(old);
      else if (now) all.push(now);
    }
    runs.splice(0, runs.length, ...all);
    if (!args.cold) {
      const stored = coldFile ? await readJson<StoredCold>(coldFile) : undefined;
      cold = stored?.cold ?? last?.coldStart ?? [];
      bytes = stored?.bytes ?? last?.bytes ?? [];
    } else {
      // Cold starts of the runtimes this run did not measure are kept from the last report.
      const measured = new Set(cold.map((r) => r.runtime));
      cold = [...(last?.coldStart ?? []).filter((r) => !measured.has(r.runtime)), ...cold];
    }
    merged = true;
  }
  const full = new Set(fullCases().map((c) => c.id));
  const complete = mode === 'full' && ALL_PLACES.every((id) => {
    const r = runs.find((x) => x.id === id);
    return r && !r.failure && r.cases.length === full.size;
  });

  const cpus = os.cpus();
  const command = `cd benchmarks && npx tsx src/bench.ts ${process.argv.slice(2).map((a) => (/^[\w./,=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')}`;
  const report: SuiteReport = {
    suite: 'kernels',
    date: new Date().toISOString(),
    mode,
    filter: complete ? null : (args.filter ?? null),
    command: complete && !merged && !reused.size ? 'npm run bench' : complete ? `npm run bench (completed by: ${command})` : command,
    seconds: mergedSeconds + (performance.now() - started) / 1000 + [...reused.values()].reduce((s, r) => s + r.seconds, 0),
    machine: { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()} ${os.arch()}`, loadAverage: { start: loadStart, end: load() } },
    temperature: TEMPERATURE,
    units: 'microseconds per call (cold start: milliseconds; bytes: bytes)',
    measure: { inProcess, short, browser, workerd },
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
    const broken = r.cases.flatMap((c) => c.contenders.filter((k) => k.failure).map((k) => `${c.id} / ${k.name}: ${k.failure!.slice(0, 120)}`));
    if (broken.length) log(`${r.id}: ${broken.length} contender(s) failed:\n  ${broken.join('\n  ')}`);
  }
  for (const t of report.targets) log(`target ${t.status}: ${t.target} — ${t.measured}${t.shortfall ? ` (${t.shortfall})` : ''}`);

  if (args.out) {
    await mkdir(path.join(args.out, 'charts'), { recursive: true });
    await writeFile(path.join(args.out, 'kernels.json'), JSON.stringify(report, null, 1) + '\n');
    await writeFile(path.join(args.out, 'kernels.md'), markdown(report));
    for (const r of runs) if (r.cases.length) await writeFile(path.join(args.out, 'charts', `${r.id}.svg`), runtimeChart(r, TEMPERATURE));
    log(`wrote ${path.relative(process.cwd(), args.out) || '.'}/kernels.{json,md} and charts/ (${(report.seconds / 60).toFixed(1)} min${complete ? '' : '; not every runtime and case: partial results'})`);
  }
}

// Report failures ourselves: the tfjs wasm module re-throws uncaught errors with its whole source line.
await main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
