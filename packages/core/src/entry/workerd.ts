// Cloudflare's workerd refuses to compile wasm from bytes at run time; its module rules (and wrangler's
// bundler) turn a `.wasm` import into a compiled WebAssembly.Module, which instantiates synchronously here,
// so a Worker imports the package and calls kernels without awaiting anything.
import tstarWasm from '../tstar.wasm';
import { initSync } from '../load.js';

initSync(tstarWasm);

export * from '../index.js';
