import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The kernel suites once more on tstar-relaxed.wasm (`TSTAR_WASM=relaxed`, read by test/setup.ts): the same
// tests and tolerances, so each build is held to each precision's bound. Packaging and pure-JS suites run once.
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/{softmax,cross-entropy,exp,batchnorm,temperature,metrics,csg,memory,workspace,result-allocator,extremes.property,temperature-range}.test.ts'],
  },
});
