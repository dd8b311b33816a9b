// The end-to-end suite against the real OpenClaw gateway: its own files (*.e2e.ts), one at a time, long bounds.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    // A gateway start is 11-80 s here; each case budgets its own waits below these.
    testTimeout: 300_000,
    hookTimeout: 240_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
