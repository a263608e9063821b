import fc from 'fast-check';
import { initCore } from '../src/index.js';

// Tests run the TypeScript sources against the built core (turbo builds it first); the pool's workers run dist/.
initCore();

// Properties replay the same cases in CI; FC_SEED=random explores new ones locally (as in @tstar/core).
const seed = process.env.FC_SEED === 'random' ? Date.now() : Number(process.env.FC_SEED ?? 20261125);
fc.configureGlobal({ seed });
