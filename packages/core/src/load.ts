import { TStarError, type KernelStatus } from './errors.js';

/**
 * Where the wasm comes from: a precompiled module (edge hosts), raw bytes, a URL, a fetch Response, or the
 * exports of an instance the host already made (Deno's `import * as wasm from './tstar.wasm'`).
 */
export type InitSource =
  | { module: WebAssembly.Module }
  | { bytes: BufferSource }
  | { url: string | URL }
  | { response: Response | PromiseLike<Response> }
  | { exports: object };

/**
 * The wasm beside this module (dist/tstar.wasm). The per-runtime entries in `entry/` that cannot take a URL
 * (workerd, edge-light, deno) name the same file in a static import, because their hosts only accept wasm that way.
 * A function, not a constant: workerd gives modules no URL, so evaluating this at import would throw there.
 */
export function wasmUrl(): URL {
  return new URL('./tstar.wasm', import.meta.url);
}

/** The kernels' wasm exports (assembly/index.ts). */
export interface TStarExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  errorIndex(): number;
  expElementwise(x: number, y: number, n: number): void;
  softmax(x: number, y: number, rows: number, cols: number, invT: number): number;
  logSoftmax(x: number, y: number, rows: number, cols: number, invT: number): number;
  softmaxBackward(y: number, dy: number, dx: number, rows: number, cols: number, invT: number): number;
  [kernel: string]: unknown;
}

interface Loaded {
  exports: TStarExports;
  status: KernelStatus;
}

let loaded: Loaded | undefined;
let ready: Promise<void> | undefined;

const imports: WebAssembly.Imports = {
  env: {
    abort(): never {
      throw new TStarError('E_INTERNAL', 'tstar.wasm aborted');
    },
  },
};

function adopt(instance: { exports: object }): void {
  const exports = instance.exports as unknown as TStarExports;
  // A host's ES-module integration (Deno) hands globals over as plain numbers; an Instance, as Global objects.
  const global = (name: string): number => {
    const value = exports[name];
    return typeof value === 'number' ? value : ((value as WebAssembly.Global).value as number);
  };
  if (!(exports.memory instanceof WebAssembly.Memory) || typeof exports.heapBase !== 'function') {
    throw new Error('the given exports are not those of tstar.wasm');
  }
  loaded = {
    exports,
    status: { ok: global('OK'), nonFinite: global('E_NONFINITE'), masked: global('E_MASKED'), label: global('E_LABEL') },
  };
}

function initError(cause: unknown): TStarError {
  if (cause instanceof TStarError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new TStarError('E_INIT', `init: could not load tstar.wasm (${detail})`, { cause });
}

async function fromUrl(url: URL): Promise<WebAssembly.Instance> {
  if (url.protocol === 'file:') {
    const { readFile } = await import(/* @vite-ignore */ 'node:fs/promises');
    return (await WebAssembly.instantiate(await readFile(url), imports)).instance;
  }
  return fromResponse(fetch(url));
}

async function fromResponse(response: Response | PromiseLike<Response>): Promise<WebAssembly.Instance> {
  const res = await response;
  if (!res.ok) throw new Error(`HTTP ${res.status} for ${res.url}`);
  // Streaming compiles while downloading, but only when the server sends application/wasm.
  if (typeof WebAssembly.instantiateStreaming === 'function' && res.headers.get('content-type')?.startsWith('application/wasm')) {
    return (await WebAssembly.instantiateStreaming(res, imports)).instance;
  }
  return (await WebAssembly.instantiate(await res.arrayBuffer(), imports)).instance;
}

async function instantiate(source: InitSource): Promise<void> {
  if ('module' in source) adopt(await WebAssembly.instantiate(source.module, imports));
  else if ('bytes' in source) adopt((await WebAssembly.instantiate(source.bytes, imports)).instance);
  else if ('response' in source) adopt(await fromResponse(source.response));
  else if ('exports' in source) adopt(source);
  else adopt(await fromUrl(new URL(source.url, import.meta.url)));
}

function normalise(source: InitSource | WebAssembly.Module | BufferSource | undefined): InitSource {
  if (source === undefined) return { url: wasmUrl() };
  if (source instanceof WebAssembly.Module) return { module: source };
  if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) return { bytes: source };
  return source as InitSource;
}

/**
 * Loads tstar.wasm once; later calls return the same promise. With no argument it reads the wasm
 * beside this module (fs in Node, fetch + streaming compile elsewhere). Pass `{ module }` on hosts that
 * forbid compiling bytes (Cloudflare Workers, Vercel Edge), or `{ bytes }` when a bundler inlined the file.
 * Under the `workerd`, `edge-light`, `deno` and `node` export conditions the package is initialised at
 * import and this resolves at once. A failed init can be retried.
 * @throws {TStarError} E_INIT
 * @example await init();
 */
export function init(source?: InitSource | WebAssembly.Module | BufferSource): Promise<void> {
  if (loaded) return Promise.resolve();
  ready ??= instantiate(normalise(source)).catch((cause: unknown) => {
    ready = undefined;
    throw initError(cause);
  });
  return ready;
}

/**
 * Synchronous init for Node scripts and workers that already hold the bytes or the compiled module.
 * @throws {TStarError} E_INIT
 * @example initSync(readFileSync(new URL(import.meta.resolve('@tstar/core/tstar.wasm'))));
 */
export function initSync(source: WebAssembly.Module | BufferSource | { module: WebAssembly.Module } | { bytes: BufferSource } | { exports: object }): void {
  if (loaded) return;
  try {
    const s = normalise(source as InitSource);
    if ('exports' in s) return adopt(s);
    const module = 'module' in s ? s.module : 'bytes' in s ? new WebAssembly.Module(s.bytes) : undefined;
    if (!module) throw new Error('initSync takes a WebAssembly.Module, bytes or an instance\'s exports');
    adopt(new WebAssembly.Instance(module, imports));
  } catch (cause) {
    throw initError(cause);
  }
}

/** Whether init has completed. */
export function isInitialized(): boolean {
  return loaded !== undefined;
}

/** The wasm exports; throws E_INIT when called before init. */
export function wasm(): TStarExports {
  if (!loaded) throw new TStarError('E_INIT', 'tstar: call `await init()` (or initSync) before using a kernel');
  return loaded.exports;
}

/** The kernels' status numbers, read from the wasm at init; throws E_INIT before init. */
export function kernelStatus(): KernelStatus {
  wasm();
  return loaded!.status;
}
