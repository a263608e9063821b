// Node (and Bun): `init()`/`initSync()` with no source read the wasm beside the package. Nothing is compiled
// at import, so a worker handed a compiled WebAssembly.Module (initSync(module)) never compiles its own.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { setFileReader } from '../load.js';
import { setResultAllocator } from '../memory.js';

setFileReader((url) => readFileSync(url) as Uint8Array<ArrayBuffer>);

// Results are overwritten in full before anyone sees them, so large ones skip the zero fill: a fresh
// zeroed 1 MB array costs ~40 µs of page faults here, as much as a third of a [256×1000] softmax.
// Below 4 KiB a plain array is as cheap.
setResultAllocator((length) => {
  if (length < 1024) return new Float32Array(length);
  const bytes = Buffer.allocUnsafeSlow(length * 4);
  return new Float32Array(bytes.buffer, bytes.byteOffset, length);
});

export * from '../index.js';
