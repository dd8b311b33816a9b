// With many services a card is found by typing: the page had no filter, and 110 cards on a phone were 56,000 px of
// scrolling, with the live events and incident history below them all.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const SERVICES = 40;

describe.skipIf(!existsSync(CHROMIUM) || !existsSync('/bin/sleep'))('dashboard: filter the service cards', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    const services = [
      ...Array.from({ length: SERVICES }, (_, i) => ({ name: `svc-${String(i).padStart(3, '0')}`, command: ['/bin/sleep', '600'] })),
      { name: 'job', command: ['/bin/sh', '-c', 'exit 3'], restart: { policy: 'never' } },
    ];
    td = await startTestDaemon({ services }, { plugins: [dashboardPlugin()] });
  }, 60_000);
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('typing a name or a state shows only the matching cards, says how many, and a summary link clears it', async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    await page.locator('article[data-service="job"][data-state="stopped"]').waitFor({ timeout: 30_000 });
    const visible = (): Promise<string[]> => page.evaluate(() => Array.from(document.querySelectorAll<HTMLElement>('article.card')).filter((a) => !a.hidden).map((a) => a.dataset.service!));
    const filter = page.getByLabel('Filter services by name or state');
    await filter.fill('svc-01');
    await waitFor(async () => (await visible()).length === 10, { timeoutMs: 5_000 });
    expect(await visible()).toEqual(Array.from({ length: 10 }, (_, i) => `svc-01${i}`));
    expect(await page.locator('[data-field="filter-count"]').textContent()).toBe(`showing 10 of ${SERVICES + 1}`);
    // A state word: the one failed job, kept down.
    await filter.fill('failed');
    await waitFor(async () => JSON.stringify(await visible()) === '["job"]', { timeoutMs: 5_000 });
    // The page is no wider than the phone's screen with the filter bar.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    // The summary's link to a card the filter hides clears the filter.
    await filter.fill('svc-001');
    await waitFor(async () => JSON.stringify(await visible()) === '["svc-001"]', { timeoutMs: 5_000 });
    await page.locator('#summary a[href="#card:job"]').click();
    await waitFor(async () => (await visible()).length === SERVICES + 1, { timeoutMs: 5_000 });
    expect(await filter.inputValue()).toBe('');
    await page.close();
  }, 90_000);
});
