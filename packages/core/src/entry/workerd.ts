// Cloudflare's workerd refuses to compile wasm from bytes at run time; its module rules (and wrangler's
// bundler) turn a `.wasm` import into a compiled WebAssembly.Module, which `init()`/`initSync()` with no
// source instantiate (no compilation, so both work synchronously enough for a request).
import tstarWasm from '../tstar.wasm';
import { setDefaultSource } from '../load.js';

setDefaultSource(() => ({ module: tstarWasm }));

export * from '../index.js';
