// Vercel's edge runtime (Next.js, `edge-light` condition) compiles only wasm imported with `?module`, which
// arrives as a WebAssembly.Module; `init()`/`initSync()` with no source instantiate it. Only the plain SIMD
// build: a static import cannot be conditional, and edge-runtime (the local stand-in) runs on Node 20's V8,
// which cannot compile relaxed SIMD.
import tstarWasm from '../tstar.wasm?module';
import { setDefaultSource } from '../load.js';

setDefaultSource(() => ({ module: tstarWasm }));

export * from '../index.js';
