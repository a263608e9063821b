// Vercel's edge runtime (Next.js, `edge-light` condition) compiles only wasm imported with `?module`, which
// arrives as a WebAssembly.Module; `init()`/`initSync()` with no source instantiate it.
import tstarWasm from '../tstar.wasm?module';
import { setDefaultSource } from '../load.js';

setDefaultSource(() => ({ module: tstarWasm }));

export * from '../index.js';
