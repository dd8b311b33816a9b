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
    hookTimeout: 600_000,
    // This suite decides CI's verdict: a failed test gets one more try (a gateway start on a loaded shared box can
    // miss a bound), and the retry reporter lists every test that needed it, so a flaky pass is never silent.
    retry: 1,
    reporters: ['default', './test/e2e/retry-reporter.ts'],
    globalSetup: ['test/global-setup.ts'],
  },
});
