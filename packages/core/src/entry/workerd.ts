// Cloudflare's workerd refuses to compile wasm from bytes at run time; its module rules (and wrangler's
// bundler) turn a `.wasm` import into a compiled WebAssembly.Module, which `init()`/`initSync()` with no
// source instantiate (no compilation, so both work synchronously enough for a request). workerd's V8 has
// relaxed SIMD, so both builds are imported and the probe picks one.
import tstarWasm from '../tstar.wasm';
import tstarRelaxedWasm from '../tstar-relaxed.wasm';
import { relaxedSimdSupported, setDefaultSource } from '../load.js';

setDefaultSource(() => ({ module: relaxedSimdSupported() ? tstarRelaxedWasm : tstarWasm }));

export * from '../index.js';
