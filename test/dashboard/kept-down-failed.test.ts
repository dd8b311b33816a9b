// A `restart: never` crash kept down is over ("failed"): only a person starts it again. The dashboard's summary called
// it "1 with an open incident" (amber, as one still being handled) and its card's incident box was grey.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: a restart: never crash kept down', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    td = await startTestDaemon(
      {
        services: [
          { name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
          { name: 'oneshot', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '3', '100'], restart: { policy: 'never' } },
        ],
      },
      { plugins: [dashboardPlugin()] },
    );
    await waitFor(() => td.daemon.runtimes.get('oneshot')!.status().keptDown || null, { timeoutMs: 30_000, message: 'oneshot kept down' });
  }, 60_000);
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('is red and failed in the summary and on its card, with the `clawback start` that runs it again', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    const summary = page.locator('[data-field="summary"]');
    await summary.filter({ hasText: 'failed' }).waitFor({ timeout: 20_000 });
    const text = (await summary.textContent()) ?? '';
    expect(text).toContain('1 failed, kept down (oneshot)');
    expect(text).not.toContain('open incident');
    expect(await summary.locator('[data-sum="failed"]').getAttribute('class')).toContain('bad');

    const box = page.locator('article[data-service="oneshot"] [data-field="incident"]');
    await box.filter({ hasText: 'Failed, kept down' }).waitFor({ timeout: 20_000 });
    expect(await box.locator('[data-field="start-hint"]').textContent()).toContain('clawback start oneshot');
    // Red like a hold (rgba(248, 81, 73, ...)), not the grey of an incident still being handled.
    expect(await box.evaluate((n) => getComputedStyle(n).borderColor)).toContain('248, 81, 73');
    // The healthy one's card stays grey-free of it.
    expect(await page.locator('article[data-service="steady"] [data-field="incident"]').isHidden()).toBe(true);
    await page.close();
  }, 60_000);
});
