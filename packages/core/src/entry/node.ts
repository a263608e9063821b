// Node (and Bun) read the wasm beside the package synchronously, so scripts and worker_threads use the
// kernels straight after import; `await init()` still works and resolves at once.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { initSync, wasmUrl } from '../load.js';
import { setResultAllocator } from '../memory.js';

initSync(readFileSync(wasmUrl()));

// Results are overwritten in full before anyone sees them, so large ones skip the zero fill: a fresh
// zeroed 1 MB array costs ~40 µs of page faults here, as much as a third of a [256×1000] softmax.
// Below 4 KiB a plain array is as cheap.
setResultAllocator((length) => {
  if (length < 1024) return new Float32Array(length);
  const bytes = Buffer.allocUnsafeSlow(length * 4);
  return new Float32Array(bytes.buffer, bytes.byteOffset, length);
});

export * from '../index.js';
