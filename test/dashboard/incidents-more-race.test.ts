// "Show more" pressed while a reload of the history was on its way (every incident event and every 15 s make one): that
// reload's answer, asked for the newest 20, came back after the press's and was drawn over it: the panel went from 31
// incidents to 21 with "Showing all 21 incidents." and no button for 15 s, and the focus of a keyboard user further down
// the list fell to <body>. An answer asked before the press (or older than the one shown) is no longer drawn.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Route } from 'playwright-core';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const INCIDENTS = 30;

describe.skipIf(!existsSync(CHROMIUM))('dashboard: "Show more" during a reload of the history', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  const emit = (k: number, t: number) => {
    const base = { service: 'steady', incidentId: `inc-race-${String(k).padStart(2, '0')}`, level: 0 };
    td.daemon.ctx.bus.emit({ ...base, type: 'incident.opened', time: t, severity: 'warning', message: `exit ${k}` } as unknown as ClawbackEvent);
    td.daemon.ctx.bus.emit({ ...base, type: 'incident.resolved', time: t + 500, severity: 'info', message: `recovered ${k}`, details: { ttrMs: 500 } } as unknown as ClawbackEvent);
  };

  it('keeps the focus on the first incident the press added, when the reload asked before the press answers after it', async () => {
    const t0 = Date.now() - 60_000;
    for (let k = 0; k < INCIDENTS; k++) emit(k, t0 + k * 1000);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    await page.locator(`#incidents details.inc[data-id="inc-race-${INCIDENTS - 1}"]`).waitFor({ timeout: 30_000 });
    const more = page.locator('[data-field="incidents-more"]');
    await more.waitFor({ state: 'visible', timeout: 20_000 });

    // The history's requests are held here (the daemon answers them; only when the page gets the answer is chosen).
    const held: Array<{ limit: number; route: Route }> = [];
    let holding = true;
    await page.route('**/api/incidents*', (route) => {
      if (!holding) return route.continue();
      held.push({ limit: Number(new URL(route.request().url()).searchParams.get('limit')), route });
    });
    emit(INCIDENTS, t0 + INCIDENTS * 1000); // a new incident: the page reloads the newest 20
    for (let i = 0; i < 200 && !held.some((h) => h.limit === 21); i++) await page.waitForTimeout(50);
    expect(held.map((h) => h.limit)).toContain(21);
    await more.getByRole('button', { name: 'Show more' }).focus();
    await page.keyboard.press('Enter');
    for (let i = 0; i < 200 && !held.some((h) => h.limit > 21); i++) await page.waitForTimeout(50);
    expect(held.some((h) => h.limit > 21)).toBe(true);
    holding = false;
    // The press's answer comes first: the focus goes to the first incident it added, and the user goes on down the list.
    for (const h of held.filter((x) => x.limit !== 21)) await h.route.continue();
    const all = INCIDENTS + 1;
    await more.filter({ hasText: `Showing all ${all} incidents.` }).waitFor({ timeout: 20_000 });
    const focusedId = () => page.evaluate(() => (document.activeElement?.closest('details.inc') as HTMLElement | null)?.dataset.id ?? document.activeElement?.tagName);
    expect(await focusedId()).toBe(`inc-race-${String(all - 21).padStart(2, '0')}`);
    for (let i = 0; i < 5; i++) await page.keyboard.press('Tab');
    expect(await focusedId()).toBe(`inc-race-${String(all - 26).padStart(2, '0')}`);
    // Then the reload asked before the press: its newest 20 are not what the page shows any more.
    for (const h of held.filter((x) => x.limit === 21)) await h.route.continue();
    await page.waitForTimeout(1_000);
    expect(await more.textContent()).toMatch(`Showing all ${all} incidents.`);
    expect(await page.locator('#incidents details.inc').count()).toBe(all);
    expect(await focusedId()).toBe(`inc-race-${String(all - 26).padStart(2, '0')}`);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);
});
