// Node (and Bun) read the wasm beside the package synchronously, so scripts and worker_threads use the
// kernels straight after import; `await init()` still works and resolves at once.
import { readFileSync } from 'node:fs';
import { initSync, wasmUrl } from '../load.js';

initSync(readFileSync(wasmUrl()));

export * from '../index.js';
