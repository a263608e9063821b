// Deno imports a wasm file as an instantiated ES module (tstar.wasm imports nothing), needing no read
// permission; `init()`/`initSync()` with no source adopt that instance's exports. Every Deno that imports wasm
// modules has relaxed SIMD, so both builds are imported and the probe picks one.
import * as tstarWasm from '../tstar.wasm';
import * as tstarRelaxedWasm from '../tstar-relaxed.wasm';
import { relaxedSimdSupported, setDefaultSource } from '../load.js';

setDefaultSource(() => ({ exports: relaxedSimdSupported() ? tstarRelaxedWasm : tstarWasm }));

export * from '../index.js';
