import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Socket tests bind port 0, so files can run in parallel; the machine has 2 cores.
    maxWorkers: 2,
  },
});
