import { readFileSync } from 'node:fs';
import { initSync } from '../src/index.js';

// Tests run the TypeScript sources against the built wasm (turbo builds it before `test`).
initSync(readFileSync(new URL('../dist/tstar.wasm', import.meta.url)));
