// Text contrast on the dark page, measured in headless Chromium from the computed colours (opacity and translucent
// grounds composited): a stale page (daemon not answering) dimmed every card to 60 %, its grey and red text to 2.4-2.8:1,
// when the page is read to find out what went wrong. WCAG AA asks 4.5:1 for small text.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { lowContrast } from '../helpers/contrast.js';

/** The cards, where the page is read to find out what went wrong. */
const CARDS = '#services article.card';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: dark page text contrast', () => {
  let browser: Browser;
  let td: TestDaemon | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('card texts keep 4.5:1, a held badge and a stale page (daemon not answering) included', async () => {
    const held = { name: 'held', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '3', '50'], restart: { backoff: { initial: '50ms', max: '50ms' }, intensity: { maxRestarts: 2, window: '1m' } }, doctor: { attempts: 0 } };
    const steady = { name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] };
    td = await startTestDaemon({ services: [held, steady] }, { plugins: [dashboardPlugin()] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    await page.locator('article[data-service="held"] [data-field="state"][data-v="held"]').waitFor({ timeout: 30_000 });
    await page.locator('article[data-service="steady"][data-state="running"]').waitFor({ timeout: 30_000 });
    expect(await lowContrast(page, CARDS)).toEqual([]);

    // The daemon stops answering: the page shows its last state, still readable.
    await td.stop();
    td = undefined;
    await page.locator('body[data-stale]').waitFor({ timeout: 20_000 });
    expect(await lowContrast(page, CARDS)).toEqual([]);
    await page.close();
  }, 90_000);
});
