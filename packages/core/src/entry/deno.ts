// Deno imports a wasm file as an instantiated ES module (tstar.wasm imports nothing), needing no read
// permission and no top-level await; the loader adopts that instance's exports.
import * as tstarWasm from '../tstar.wasm';
import { initSync } from '../load.js';

initSync({ exports: tstarWasm });

export * from '../index.js';
