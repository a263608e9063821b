// Loads the suite's environment in a server-side runtime — Node, Bun or Deno — each library the way
// that runtime resolves it from node_modules (@tstar/core through its node/deno export condition).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Env, OrtApi, OrtFlavour, RuntimeId } from '../suite/env.js';
import { buildModels } from '../suite/models.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** benchmarks/ */
export const BENCH = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);

declare const Bun: { version: string; gc(force: boolean): void } | undefined;
declare const Deno: { version: { deno: string; v8: string } } | undefined;

/** Which of the three this is (Bun and Deno both also look like Node). */
export function processRuntime(): RuntimeId {
  if (typeof Bun !== 'undefined') return 'bun';
  if (typeof Deno !== 'undefined') return 'deno';
  return 'node';
}

export function runtimeVersion(runtime: RuntimeId): string {
  if (runtime === 'bun') return `Bun ${Bun!.version}`;
  if (runtime === 'deno') return `Deno ${Deno!.version.deno} (V8 ${Deno!.version.v8})`;
  return `Node ${process.version} (V8 ${process.versions.v8})`;
}

/** Runs `load`, keeping a failure as a note instead of stopping the suite. */
async function attempt<T>(what: string, notes: string[], load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    notes.push(`${what} did not load: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

export interface ProcessEnvOptions {
  /** Leave out tfjs / onnxruntime (e.g. a quick smoke run that only needs tstar and plain JS). */
  tfjs?: boolean;
  ort?: boolean;
}

export async function loadProcessEnv(options: ProcessEnvOptions = {}): Promise<Env> {
  const runtime = processRuntime();
  const notes: string[] = [];
  const versions: Record<string, string> = { runtime: runtimeVersion(runtime) };
  const core = await import('@tstar/core');
  await core.init();
  versions.tstar = JSON.parse(await readFile(require.resolve('@tstar/core/package.json'), 'utf8')).version;

  const tf = options.tfjs === false ? undefined : await attempt('@tensorflow/tfjs', notes, async () => {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
    // Deno's fetch wants a URL; Node and Bun read a path.
    wasm.setWasmPaths(runtime === 'deno' ? pathToFileURL(dist).href : dist);
    // The cpu backend greets Node users with a hint to install tfjs-node; keep the output clean.
    const warn = console.warn;
    console.warn = () => {};
    try {
      for (const backend of ['cpu', 'wasm'] as const) {
        if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
        tf.tensor1d([0]).dispose();
      }
    } finally {
      console.warn = warn;
    }
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    versions.tfjs = `${tf.version.tfjs} (wasm: SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'})`;
    return tf;
  });
  const tstarTfjs = tf && (await attempt('@tstar/tfjs', notes, () => import('@tstar/tfjs')));

  const ort: OrtFlavour[] = [];
  if (options.ort !== false) {
    const web = await attempt('onnxruntime-web', notes, async () => {
      const ortWeb = await import('onnxruntime-web');
      ortWeb.env.wasm.numThreads = 1;
      versions.onnxruntimeWeb = ortWeb.env.versions.web ?? 'unknown';
      return ortWeb;
    });
    if (web) ort.push({ name: 'ORT-web wasm', api: web as unknown as OrtApi, sessionOptions: { executionProviders: ['wasm'] } });
    if (runtime === 'node') {
      const native = await attempt('onnxruntime-node', notes, async () => {
        const ortNode = require('onnxruntime-node') as typeof import('onnxruntime-node');
        versions.onnxruntimeNode = ortNode.env.versions.node ?? 'unknown';
        return ortNode;
      });
      if (native) ort.push({ name: 'ORT-node', api: native as unknown as OrtApi, sessionOptions: { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 } });
    }
  }

  const stream = await attempt('dist/stream.wasm (run the build)', notes, async () => new WebAssembly.Module(await readFile(path.join(BENCH, 'dist', 'stream.wasm'))));
  const gc = (globalThis as { gc?: (options?: { type: 'major' | 'minor' }) => void }).gc;
  // Bun (JavaScriptCore) has no young-only collection; its non-forced gc is the nearest thing.
  const collect = runtime === 'bun' ? (full: boolean) => Bun!.gc(full) : gc ? (full: boolean) => gc({ type: full ? 'major' : 'minor' }) : undefined;
  if (!collect) notes.push('no GC hook (run with --expose-gc): one contender’s garbage can be collected in another’s block.');
  return { runtime, core, tf, tstarTfjs, tfBackends: tf ? ['cpu', 'wasm'] : [], ort, models: buildModels(), stream, collect, versions, notes };
}
