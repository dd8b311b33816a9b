// Text contrast on the dark page, measured in headless Chromium from the computed colours (opacity and translucent
// grounds composited): a stale page (daemon not answering) dimmed every card to 60 %, its grey and red text to 2.4-2.8:1,
// when the page is read to find out what went wrong. WCAG AA asks 4.5:1 for small text.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';
import { lowContrast } from '../helpers/contrast.js';

/** The cards, where the page is read to find out what went wrong. */
const CARDS = '#services article.card';

describe.skipIf(!existsSync(CHROMIUM))('dashboard: dark page text contrast', () => {
  const env = dashboardSuite();

  it('card texts keep 4.5:1, a held badge and a stale page (daemon not answering) included', async () => {
    const held = { name: 'held', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '3', '50'], restart: { backoff: { initial: '50ms', max: '50ms' }, intensity: { maxRestarts: 2, window: '1m' } }, doctor: { attempts: 0 } };
    const steady = { name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] };
    env.td = await startTestDaemon({ services: [held, steady] }, { plugins: [dashboardPlugin()] });
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`http://127.0.0.1:${env.td.daemon.api!.port}/`);
    await page.locator('article[data-service="held"] [data-field="state"][data-v="held"]').waitFor({ timeout: 30_000 });
    await page.locator('article[data-service="steady"][data-state="running"]').waitFor({ timeout: 30_000 });
    expect(await lowContrast(page, CARDS)).toEqual([]);

    // The daemon stops answering: the page shows its last state, still readable.
    await env.td.stop();
    env.td = undefined;
    await page.locator('body[data-stale]').waitFor({ timeout: 20_000 });
    expect(await lowContrast(page, CARDS)).toEqual([]);
    await page.close();
  }, 90_000);
});
