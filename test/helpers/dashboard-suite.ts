// The browser and the daemon a dashboard test file drives: Chromium launched before its tests, both closed after them.
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './chromium.js';
import type { TestDaemon } from './daemon.js';

export interface DashboardSuite {
  browser: Browser;
  /** The daemon a test started (stopped after the file's tests). */
  td: TestDaemon | undefined;
}

/** Call inside the file's describe: `env.browser` is ready in every test, `env.td` is stopped at the end. */
export function dashboardSuite(): DashboardSuite {
  const env: DashboardSuite = { browser: undefined as unknown as Browser, td: undefined };
  beforeAll(async () => {
    env.browser = await launchChromium();
  });
  afterAll(async () => {
    await env.td?.stop();
    await env.browser?.close();
  });
  return env;
}
