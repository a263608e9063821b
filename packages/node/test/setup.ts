import { initCore } from '../src/index.js';

// Tests run the TypeScript sources against the built core (turbo builds it first); the pool's workers run dist/.
initCore();
