// Drives the suite inside workerd, timing from outside: workerd freezes performance.now() and Date
// inside a request (as Cloudflare Workers do), so each sample is one HTTP request that runs `calls`
// iterations, timed by this process, minus the median round trip of an empty request measured just
// before the case. Samples last at least 20 such round trips (and the run's sampleTargetMs), so the
// baseline and its jitter stay small beside them. Node side.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import type { CaseSpec } from '../suite/cases.js';
import type { Family } from '../suite/contenders/contender.js';
import { measure, type MeasureOptions, type Target } from '../suite/measure.js';
import { buildModels } from '../suite/models.js';
import { caseResult, summaryLine, type CaseResult } from '../suite/runner.js';
import { BENCH } from './process-env.js';
import { freePort, stopProcess, track } from '../lib/processes.js';

const require = createRequire(import.meta.url);
export const WORKERD = path.join(path.dirname(require.resolve('workerd/package.json')), 'bin', 'workerd');

/** The files a bundle imports by name: served by workerd's config as wasm or data modules. */
const bundled: Plugin = {
  name: 'workerd-modules',
  setup(b) {
    b.onResolve({ filter: /\.(wasm|onnx)$/ }, (args) => ({ path: `./${path.basename(args.path)}`, external: true }));
  },
};

const tfjsDist = (): string => path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
/** Every wasm file a worker may import, by the module name it imports. */
export const WASM_FILES: Record<string, () => string> = {
  'tstar.wasm': () => require.resolve('@tstar/core/tstar.wasm'),
  'tstar-relaxed.wasm': () => require.resolve('@tstar/core/tstar-relaxed.wasm'),
  'tfjs-backend-wasm-simd.wasm': () => path.join(tfjsDist(), 'tfjs-backend-wasm-simd.wasm'),
  'tfjs-backend-wasm.wasm': () => path.join(tfjsDist(), 'tfjs-backend-wasm.wasm'),
  'ort-wasm-simd-threaded.wasm': () => require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'),
  'stream.wasm': () => path.join(BENCH, 'dist', 'stream.wasm'),
};

export interface WorkerdBundle {
  /** A file to bundle, or module source (resolved from benchmarks/). */
  entry?: string;
  source?: string;
  /** Names from WASM_FILES the worker imports. */
  wasm: string[];
  /** Whether the worker imports the ONNX models (as data modules named `<model>.onnx`). */
  models: boolean;
}

/** Writes worker.js, its modules and a config into a fresh directory; returns the directory. */
export async function prepareWorkerd(bundle: WorkerdBundle): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tstar-bench-workerd-'));
  await build({
    ...(bundle.entry ? { entryPoints: [path.join(BENCH, bundle.entry)] } : { stdin: { contents: bundle.source ?? '', resolveDir: BENCH, loader: 'ts' } }),
    outfile: path.join(dir, 'worker.js'),
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', conditions: ['workerd', 'worker', 'browser'],
    external: ['node:*'], plugins: [bundled], logLevel: 'error',
  });
  for (const name of bundle.wasm) await copyFile(WASM_FILES[name](), path.join(dir, name));
  const models: Record<string, Uint8Array> = bundle.models ? buildModels() : {};
  for (const [name, bytes] of Object.entries(models)) await writeFile(path.join(dir, `${name}.onnx`), bytes);
  const modules = [
    '(name = "worker.js", esModule = embed "worker.js")',
    ...bundle.wasm.map((n) => `(name = "${n}", wasm = embed "${n}")`),
    ...Object.keys(models).map((n) => `(name = "${n}.onnx", data = embed "${n}.onnx")`),
  ];
  await writeFile(path.join(dir, 'config.capnp'), [
    'using Workerd = import "/workerd/workerd.capnp";',
    'const config :Workerd.Config = (',
    `  services = [(name = "bench", worker = (modules = [\n    ${modules.join(',\n    ')}\n  ], compatibilityDate = "2025-09-01"))],`,
    '  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "bench")],',
    ');',
    '',
  ].join('\n'));
  return dir;
}

/** Starts workerd on a free port and waits until `path` answers; resolves with the time that took. */
export async function startWorkerd(dir: string, probe = '/empty'): Promise<{ child: ChildProcess; url: string; readyMs: number; log: () => string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = track(spawn(WORKERD, ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }));
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d));
  child.stderr!.on('data', (d: Buffer) => (log += d));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited ${child.exitCode}:\n${log}`);
    try {
      const res = await fetch(url + probe, { signal: AbortSignal.timeout(120_000) });
      await res.arrayBuffer();
      if (res.ok) return { child, url, readyMs: performance.now() - t0, log: () => log };
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > 120_000) {
      await stopProcess(child);
      throw new Error(`workerd did not answer ${probe} within 120 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function call<T>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, body === undefined ? { method: 'POST' } : { method: 'POST', body: JSON.stringify(body) });
  const data = (await res.json()) as T & { error?: string };
  if (!res.ok || data.error) throw new Error(data.error ?? `HTTP ${res.status}`);
  return data;
}

/** Median round trip of an empty request, in ms. */
async function baselineMs(url: string, n = 15): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await (await fetch(`${url}/empty`)).arrayBuffer();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[n >> 1];
}

export interface WorkerdRun {
  runtime: 'workerd';
  versions: Record<string, string>;
  notes: string[];
  seconds: number;
  cases: CaseResult[];
  /** Median empty-request round trip subtracted from every sample, per case (ms). */
  baselineMs: number[];
}

export async function runWorkerd(specs: CaseSpec[], options: MeasureOptions, log: (line: string) => void): Promise<WorkerdRun> {
  const started = performance.now();
  const dir = await prepareWorkerd({ entry: 'src/hosts/workerd-worker.ts', wasm: Object.keys(WASM_FILES), models: true });
  const server = await startWorkerd(dir);
  try {
    const info = await call<{ versions: Record<string, string>; notes: string[] }>(`${server.url}/info`);
    const cases: CaseResult[] = [];
    const baselines: number[] = [];
    for (const spec of specs) {
      const t0 = performance.now();
      const base = await baselineMs(server.url);
      baselines.push(base);
      const opened = await call<{ order: { name: string; family: Family }[]; prepared: string[]; failures: Record<string, { failure: string }>; bytes: CaseResult['bytes'] | null }>(`${server.url}/open`, spec);
      const q = (route: string, name: string, extra = ''): string => `${server.url}/${route}?name=${encodeURIComponent(name)}${extra}`;
      const targets: Target[] = opened.prepared.map((name) => ({
        name,
        enter: async () => void (await call(q('enter', name))),
        check: async () => (await call<{ maxError: number | null }>(q('check', name))).maxError,
        time: async (calls) => {
          const s = performance.now();
          await call(q('run', name, `&calls=${calls}`));
          // Floor at 1 ns per call: jitter must never make a sample negative.
          return Math.max(performance.now() - s - base, calls * 1e-6);
        },
      }));
      // Samples at least 20 round trips long, so the baseline's jitter stays a few percent of a sample.
      const measured = await measure(targets, { ...options, sampleTargetMs: Math.max(options.sampleTargetMs, 20 * base) });
      const result = caseResult(spec, opened.bytes ?? undefined, opened.order, new Map(Object.entries(opened.failures)), measured);
      result.seconds = Number(((performance.now() - t0) / 1000).toFixed(2));
      cases.push(result);
      log(`workerd ${spec.id}: ${summaryLine(result)} (baseline ${base.toFixed(2)} ms; ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
    return { runtime: 'workerd', versions: info.versions, notes: info.notes, seconds: (performance.now() - started) / 1000, cases, baselineMs: baselines };
  } finally {
    await stopProcess(server.child);
    await rm(dir, { recursive: true, force: true });
  }
}
