// Deno imports a wasm file as an instantiated ES module (tstar.wasm imports nothing), needing no read
// permission; `init()`/`initSync()` with no source adopt that instance's exports.
import * as tstarWasm from '../tstar.wasm';
import { setDefaultSource } from '../load.js';

setDefaultSource(() => ({ exports: tstarWasm }));

export * from '../index.js';
