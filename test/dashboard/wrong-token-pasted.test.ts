// A wrong token pasted (a typo, another daemon's): the page said "control enabled" until its next poll, then "its token
// changed", which is not what happened. It now says at once that the token pasted is not the daemon's, and does nothing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: a wrong token pasted', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { plugins: [dashboardPlugin()] });
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('says the pasted token is not the daemon\'s (not that its token changed), then takes the right one', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    await page.locator('#token-input').fill('not-the-token-0123456789');
    await page.locator('#token-use').click();
    const banner = page.locator('#banner');
    await banner.waitFor({ state: 'visible', timeout: 10_000 });
    const text = await banner.textContent();
    expect(text).toContain('the token pasted is not its token');
    expect(text).not.toContain('its token changed');
    expect(await page.locator('#token-state').textContent()).toBe('read-only');
    expect(td.events.some((e) => e.type.startsWith('service.') && e.details?.by === 'dashboard')).toBe(false);

    // The right one: control enabled, no banner, and it stays so over the next poll (every 10 s with the stream live).
    await page.locator('#token-input').fill(td.daemon.token);
    await page.locator('#token-use').click();
    await banner.waitFor({ state: 'hidden', timeout: 10_000 });
    const polls = (): Promise<number> => page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/status')).length);
    const seen = await polls();
    await page.waitForFunction((n) => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/status')).length >= n + 2, seen, { timeout: 40_000, polling: 200 });
    expect(await page.locator('#token-state').textContent()).toBe('control enabled');
    expect(await banner.isHidden()).toBe(true);
    await page.close();
  }, 90_000);
});
