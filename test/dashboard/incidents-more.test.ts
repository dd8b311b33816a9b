// The incident history panel showed the newest 20 and never said there were more, nor how to see them.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const INCIDENTS = 30;

describe.skipIf(!existsSync(CHROMIUM))('dashboard: more incidents than the panel shows', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    // The default plugins: the dashboard and the incident history (/api/incidents).
    td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('says there are more than it shows, and shows them on a keyboard press', async () => {
    const t0 = Date.now() - INCIDENTS * 1000;
    for (let k = 0; k < INCIDENTS; k++) {
      const base = { service: 'steady', incidentId: `inc-more-${String(k).padStart(2, '0')}`, level: 0 };
      td.daemon.ctx.bus.emit({ ...base, type: 'incident.opened', time: t0 + k * 1000, severity: 'warning', message: `exit ${k}` } as unknown as ClawbackEvent);
      td.daemon.ctx.bus.emit({ ...base, type: 'incident.resolved', time: t0 + k * 1000 + 500, severity: 'info', message: `recovered ${k}`, details: { ttrMs: 500 } } as unknown as ClawbackEvent);
    }
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    await page.locator(`#incidents details.inc[data-id="inc-more-${INCIDENTS - 1}"]`).waitFor({ timeout: 30_000 });
    const more = page.locator('[data-field="incidents-more"]');
    await more.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await page.locator('#incidents details.inc').count()).toBe(20);
    expect(await more.textContent()).toMatch(/Showing the newest 20 incidents; older ones: Show more, or `clawback incidents`/);

    await more.getByRole('button', { name: 'Show more' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#incidents details.inc[data-id="inc-more-00"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#incidents details.inc').count()).toBe(INCIDENTS);
    await more.filter({ hasText: `Showing all ${INCIDENTS} incidents.` }).waitFor({ timeout: 10_000 });
    expect(await more.getByRole('button', { name: 'Show more' }).isHidden()).toBe(true);
    // The button hid itself: the focus is on the first incident the press added (it fell to <body>), and Enter opens it.
    const focused = await page.evaluate(() => (document.activeElement?.closest('details.inc') as HTMLElement | null)?.dataset.id ?? document.activeElement?.tagName);
    expect(focused).toBe(`inc-more-${String(INCIDENTS - 21).padStart(2, '0')}`);
    await page.keyboard.press('Enter');
    await page.locator(`#incidents details.inc[data-id="inc-more-${String(INCIDENTS - 21).padStart(2, '0')}"][open]`).waitFor({ timeout: 5_000 });
    await page.close();
  }, 90_000);
});
