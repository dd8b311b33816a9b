// After a burst of live events the page re-fetched the incident history and built every incident's whole timeline,
// closed or not, with a new time formatter set up for each event's time (toLocaleTimeString with options): main-thread
// tasks of 0.2-3.5 s with the CPU slowed 4x, growing with the history. A timeline is now built when its incident is
// opened, and times are formatted by one formatter made once. Durations are not asserted (too noisy here): the work is.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';

const INCIDENTS = 5;
const PER_INCIDENT = 100;

describe.skipIf(!existsSync(CHROMIUM))('dashboard: incident timelines after a burst of events', () => {
  const env = dashboardSuite();

  it('builds a timeline only for an opened incident and sets up no time formatter per event', async () => {
    // The default plugins: the dashboard and the incident history (/api/incidents).
    env.td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const page = await env.browser.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { localeCalls: number };
      w.localeCalls = 0;
      for (const name of ['toLocaleTimeString', 'toLocaleDateString', 'toLocaleString'] as const) {
        const real = Date.prototype[name];
        Date.prototype[name] = function (this: Date, ...a: unknown[]) { w.localeCalls++; return (real as (...x: unknown[]) => string).apply(this, a); };
      }
    });
    await page.goto(`http://127.0.0.1:${env.td.daemon.api!.port}/`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    await page.waitForTimeout(1_000);
    await page.evaluate(() => {
      const w = window as unknown as { localeCalls: number; incidentItems: number };
      w.localeCalls = 0;
      w.incidentItems = 0;
      new MutationObserver((records) => {
        for (const r of records) r.addedNodes.forEach((n) => { if (n instanceof Element) w.incidentItems += (n.matches('li') ? 1 : 0) + n.querySelectorAll('li').length; });
      }).observe(document.getElementById('incidents')!, { childList: true, subtree: true });
    });

    const t0 = Date.now();
    for (let k = 0; k < INCIDENTS; k++) {
      for (let i = 0; i < PER_INCIDENT; i++) {
        const event = { type: i === 0 ? 'incident.opened' : 'incident.action', time: t0 + k * PER_INCIDENT + i, severity: 'warning', service: 'steady', incidentId: `inc-lazy-${k}`, level: 1, message: `step ${k}.${i}` };
        env.td.daemon.ctx.bus.emit(event as unknown as ClawbackEvent);
      }
    }
    const last = page.locator(`#incidents details.inc[data-id="inc-lazy-${INCIDENTS - 1}"]`);
    await last.waitFor({ timeout: 30_000 });
    await page.locator('#events li', { hasText: `step ${INCIDENTS - 1}.${PER_INCIDENT - 1}` }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1_000);

    const before = await page.evaluate(() => {
      const w = window as unknown as { localeCalls: number; incidentItems: number };
      return { localeCalls: w.localeCalls, incidentItems: w.incidentItems, shown: document.querySelectorAll('#incidents .timeline li').length };
    });
    // Before: 500 timeline items built into closed incidents (on every reload), and one locale set-up per time shown.
    expect(before.shown).toBe(0);
    expect(before.incidentItems).toBe(0);
    expect(before.localeCalls).toBe(0);

    // Opened, it shows its whole timeline, newest first; it stays open (and drawn) across the history's reloads.
    await last.locator('summary').click();
    await expect.poll(() => last.locator('.timeline li').count(), { timeout: 10_000 }).toBe(PER_INCIDENT);
    expect(await last.locator('.timeline li').first().textContent()).toContain(`step ${INCIDENTS - 1}.${PER_INCIDENT - 1}`);
    env.td.daemon.ctx.bus.emit({ type: 'incident.action', time: Date.now(), severity: 'info', service: 'steady', incidentId: 'inc-lazy-0', level: 1, message: 'one more' } as unknown as ClawbackEvent);
    await page.locator('#events li', { hasText: 'one more' }).waitFor({ timeout: 10_000 });
    await page.waitForTimeout(1_500);
    expect(await page.locator(`#incidents details.inc[data-id="inc-lazy-${INCIDENTS - 1}"][open] .timeline li`).count()).toBe(PER_INCIDENT);
    expect(await page.locator('#incidents details.inc:not([open]) .timeline li').count()).toBe(0);
    await page.close();
  }, 90_000);
});
