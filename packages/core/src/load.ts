import { TStarError, type KernelStatus } from './errors.js';
import type { TStarExports } from './exports.js';

export type { TStarExports } from './exports.js';

/**
 * Where the wasm comes from: a precompiled module (edge hosts, workers handed one), raw bytes, a URL, a fetch
 * Response, or the exports of an instance the host already made (Deno's `import * as wasm from './tstar.wasm'`).
 */
export type InitSource =
  | { module: WebAssembly.Module }
  | { bytes: BufferSource }
  | { url: string | URL }
  | { response: Response | PromiseLike<Response> }
  | { exports: object };

/** What `init()`/`initSync()` use when given nothing; each host entry supplies its own (see README, "Loading"). */
export type DefaultSource = () => InitSource;

// The smallest module using f32x4.relaxed_madd (0xfd 0x105): () → v128 of madd(splat 0, splat 0, splat 0).
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0,
  65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
]);
let relaxed: boolean | undefined;

/**
 * Whether this host compiles relaxed SIMD (Chromium, Deno, workerd, Bun, Node ≥ 22; Node 20 only with
 * --experimental-wasm-relaxed-simd), asked once of a 40-byte probe module.
 */
export function relaxedSimdSupported(): boolean {
  relaxed ??= WebAssembly.validate(RELAXED_PROBE);
  return relaxed;
}

/**
 * The wasm beside this module: dist/tstar-relaxed.wasm where the host has relaxed SIMD, else dist/tstar.wasm.
 * Both are literal URLs, so bundlers see and copy both. Entries whose hosts only accept wasm through a static
 * import (workerd, edge-light, deno) name the files there. A function, not a constant: workerd gives modules
 * no URL, so evaluating this at import would throw there.
 */
export function wasmUrl(): URL {
  return relaxedSimdSupported() ? new URL('./tstar-relaxed.wasm', import.meta.url) : new URL('./tstar.wasm', import.meta.url);
}

interface Loaded {
  exports: TStarExports;
  status: KernelStatus;
  /** Which build the exports belong to. */
  build: WasmBuild;
  /** The source object it came from, so a repeated init with the same source is a no-op. */
  origin: unknown;
}

let loaded: Loaded | undefined;
let ready: Promise<void> | undefined;
let defaultSource: DefaultSource = () => ({ url: wasmUrl() });

// tstar.wasm imports nothing (stub runtime, no asserts), so nothing is passed in.
const imports: WebAssembly.Imports = {};

/**
 * Sets what a bare `init()` loads. Host entries call this at import; it never instantiates anything, so an
 * explicit `init(source)`/`initSync(source)` made before the first bare init always wins.
 */
export function setDefaultSource(source: DefaultSource): void {
  defaultSource = source;
}

// A module from another realm (edge-runtime's VM, bundler sandboxes) fails `instanceof`, so ask its tag.
function isModule(value: unknown): boolean {
  return value instanceof WebAssembly.Module || Object.prototype.toString.call(value) === '[object WebAssembly.Module]';
}

function adopt(instance: { exports: object }, origin: unknown): void {
  const exports = instance.exports as unknown as TStarExports & Record<string, unknown>;
  // A host's ES-module integration (Deno) hands globals over as plain numbers; an Instance, as Global objects.
  const global = (name: string): number => {
    const value = exports[name];
    return typeof value === 'number' ? value : ((value as WebAssembly.Global).value as number);
  };
  if (typeof exports.heapBase !== 'function' || typeof exports.memory?.grow !== 'function') {
    throw new Error('the given exports are not those of tstar.wasm');
  }
  loaded = {
    exports,
    origin,
    status: { ok: global('OK'), nonFinite: global('E_NONFINITE'), masked: global('E_MASKED'), label: global('E_LABEL'), range: global('E_RANGE') },
    build: exports.RELAXED_SIMD !== undefined && global('RELAXED_SIMD') === 1 ? 'relaxed-simd' : 'simd',
  };
}

function initError(cause: unknown): TStarError {
  if (cause instanceof TStarError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new TStarError('E_INIT', `init: could not load tstar.wasm (${detail})`, { cause });
}

// Set by the Node entry, so this file (the browser entry's loader) imports nothing from node: and bundles anywhere.
let readFile: ((url: URL) => BufferSource) | undefined;

/** Lets a host entry read `file:` URLs (fetch cannot). */
export function setFileReader(read: (url: URL) => BufferSource): void {
  readFile = read;
}

async function fromUrl(url: URL): Promise<WebAssembly.Instance> {
  if (url.protocol === 'file:' && readFile) return (await WebAssembly.instantiate(readFile(url), imports)).instance;
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

function normalise(source: unknown, op: string): InitSource {
  if (source === undefined) return defaultSource();
  if (isModule(source)) return { module: source as WebAssembly.Module };
  if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) return { bytes: source as BufferSource };
  if (source !== null && typeof source === 'object') {
    const s = source as Record<string, unknown>;
    if ('module' in s) {
      if (!isModule(s.module)) throw new TStarError('E_INIT', `${op}: { module } must hold a WebAssembly.Module`);
      return s as InitSource;
    }
    if ('bytes' in s || 'url' in s || 'response' in s || 'exports' in s) return s as InitSource;
  }
  throw new TStarError('E_INIT', `${op}: expected a WebAssembly.Module, bytes, or { module | bytes | url | response | exports }`);
}

// The identity a repeated init is compared by: the module, bytes, URL text, response or exports object.
function originOf(source: InitSource): unknown {
  if ('module' in source) return source.module;
  if ('bytes' in source) return source.bytes;
  if ('url' in source) return String(source.url);
  if ('response' in source) return source.response;
  return source.exports;
}

function alreadyLoaded(op: string, source: unknown): boolean {
  if (!loaded) return false;
  if (source === undefined) return true;
  const s = normalise(source, op);
  if (originOf(s) === loaded.origin) return true;
  throw new TStarError('E_INIT', `${op}: tstar is already initialised from another source; initialise once, before the first kernel call`);
}

async function instantiate(source: InitSource): Promise<void> {
  const origin = originOf(source);
  if ('module' in source) adopt(await WebAssembly.instantiate(source.module, imports), origin);
  else if ('bytes' in source) adopt((await WebAssembly.instantiate(source.bytes, imports)).instance, origin);
  else if ('response' in source) adopt(await fromResponse(source.response), origin);
  else if ('exports' in source) adopt(source, origin);
  else adopt(await fromUrl(new URL(source.url, import.meta.url)), origin);
}

/**
 * Loads tstar.wasm; required once before any kernel, in every host. With no argument it loads what the host's
 * entry names (Node: the file beside the package; workerd/edge-light: the module the bundler imported; Deno:
 * the imported instance; browsers: fetch + streaming compile of the file beside the module). An explicit
 * source always wins over that default; a `WebAssembly.Module` is instantiated, never compiled again. Calling
 * again with no source, or the same source, resolves at once; a failed init can be retried.
 * @throws {TStarError} E_INIT (the wasm cannot be found, compiled or instantiated; or a different source after init)
 * @example await init();
 */
export function init(source?: InitSource | WebAssembly.Module | BufferSource): Promise<void> {
  try {
    if (alreadyLoaded('init', source)) return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
  ready ??= (async () => instantiate(normalise(source, 'init')))().catch((cause: unknown) => {
    ready = undefined;
    throw initError(cause);
  });
  return ready;
}

/**
 * Synchronous init for scripts and workers. With no argument it uses the host's default when that can be done
 * synchronously (Node, workerd, edge-light, Deno); in browsers pass a module or bytes, or `await init()`.
 * A worker handed the compiled `WebAssembly.Module` instantiates it and compiles nothing.
 * @throws {TStarError} E_INIT
 * @example initSync(await WebAssembly.compile(bytes));
 */
export function initSync(source?: WebAssembly.Module | BufferSource | { module: WebAssembly.Module } | { bytes: BufferSource } | { exports: object }): void {
  if (alreadyLoaded('initSync', source)) return;
  try {
    const s = normalise(source, 'initSync');
    const origin = originOf(s);
    if ('exports' in s) return adopt(s, origin);
    let module: WebAssembly.Module;
    if ('module' in s) module = s.module;
    else if ('bytes' in s) module = new WebAssembly.Module(s.bytes);
    else if ('url' in s && readFile && new URL(s.url, import.meta.url).protocol === 'file:') module = new WebAssembly.Module(readFile(new URL(s.url, import.meta.url)));
    else throw new Error('this host loads the wasm asynchronously: use `await init()`, or pass initSync a WebAssembly.Module or bytes');
    adopt(new WebAssembly.Instance(module, imports), origin);
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

/** The two wasm builds: plain SIMD-128, and relaxed SIMD (fused multiply-add) where the host has it. */
export type WasmBuild = 'simd' | 'relaxed-simd';

/**
 * Which wasm build is running. Their results differ in the last bits (fused multiply-adds), each within the
 * bounds stated for its precision; neither is bit-identical to the other.
 * @throws {TStarError} E_INIT before init
 * @example await init(); console.log(wasmBuild()); // 'relaxed-simd' in Chromium, 'simd' in Node 20
 */
export function wasmBuild(): WasmBuild {
  wasm();
  return loaded!.build;
}
