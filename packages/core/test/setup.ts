import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { initSync } from '../src/index.js';

// Tests run the TypeScript sources against the built wasm (turbo builds it before `test`). TSTAR_WASM=relaxed
// runs them on the relaxed-SIMD build; Node 20 compiles it only with this V8 flag (NODE_OPTIONS refuses it).
const relaxed = process.env.TSTAR_WASM === 'relaxed';
if (relaxed) setFlagsFromString('--experimental-wasm-relaxed-simd');
initSync(readFileSync(new URL(relaxed ? '../dist/tstar-relaxed.wasm' : '../dist/tstar.wasm', import.meta.url)));

// Properties replay the same cases in CI; FC_SEED=random explores new ones locally.
const seed = process.env.FC_SEED === 'random' ? Date.now() : Number(process.env.FC_SEED ?? 20261125);
fc.configureGlobal({ seed });
