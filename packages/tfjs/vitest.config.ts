import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    // Model loading (nsfwjs, Chromium) runs in hooks; one file at a time keeps a 2-core machine responsive.
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
