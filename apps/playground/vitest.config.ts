import { defineConfig } from 'vitest/config';

// The browser test drives real headless Chromium on a 2-core machine: one file at a time, long timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
