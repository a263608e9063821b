// Vercel's edge runtime (Next.js, `edge-light` condition) compiles only wasm imported with `?module`, which
// arrives as a WebAssembly.Module; instantiating it synchronously leaves nothing for the caller to await.
import tstarWasm from '../tstar.wasm?module';
import { initSync } from '../load.js';

initSync(tstarWasm);

export * from '../index.js';
