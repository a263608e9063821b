import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { initSync } from '../src/index.js';

// Tests run the TypeScript sources against the built wasm (turbo builds it before `test`).
initSync(readFileSync(new URL('../dist/tstar.wasm', import.meta.url)));

// Properties replay the same cases in CI; FC_SEED=random explores new ones locally.
const seed = process.env.FC_SEED === 'random' ? Date.now() : Number(process.env.FC_SEED ?? 20261125);
fc.configureGlobal({ seed });
