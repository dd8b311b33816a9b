// A malformed escape in the address (`#card:%E0`, typed or pasted) threw an uncaught URIError on the page. It is taken
// as written (no card of that name), and a well-formed `#card:NAME` still leads to its card.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: a malformed #card: address', () => {
  const env = dashboardSuite();

  it('throws nothing for #card:%E0 and still follows #card:NAME to a filtered-out card', async () => {
    env.td = await startTestDaemon({
      services: [
        { name: 'alpha', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
        { name: 'beta', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] },
      ],
    }, { plugins: [dashboardPlugin()] });
    const page = await env.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    await page.goto(`http://127.0.0.1:${env.td.daemon.api!.port}/`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    await page.locator('.card[data-service="beta"]').waitFor({ timeout: 20_000 });

    for (const bad of ['#card:%E0', '#card:%', '#card:be%ZZta']) {
      await page.evaluate((h) => { location.hash = h; }, bad);
      await page.waitForFunction((h) => location.hash === h, bad);
    }
    // hashchange is dispatched in a task of its own: a round trip through the page lets it run.
    await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
    expect(errors).toEqual([]);

    // The link still works: a card the filter hides is shown again.
    await page.fill('#filter', 'alpha');
    await expect.poll(() => page.locator('.card[data-service="beta"]').isHidden(), { timeout: 10_000 }).toBe(true);
    await page.evaluate(() => { location.hash = '#card:beta'; });
    await expect.poll(() => page.locator('.card[data-service="beta"]').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
