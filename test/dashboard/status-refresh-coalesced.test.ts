// In a crash loop the page asked /api/status ~60 ms after every live event: ~80 requests a minute per open page (a
// restart is 4-5 events). A stream of events now gets one status request per REFRESH_GAP_MS (1.5 s in app.js) at most,
// and the state after the last event is still shown.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { CHROMIUM } from '../helpers/chromium.js';
import { dashboardSuite } from '../helpers/dashboard-suite.js';

const EVENTS = 50;
const SPACING_MS = 100; // above the old 60 ms: each event got a request of its own

describe.skipIf(!existsSync(CHROMIUM))('dashboard: status requests during a stream of events', () => {
  const env = dashboardSuite();

  it(`asks the status at most every 1.5 s for ${EVENTS} events ${SPACING_MS} ms apart, and shows the state after them`, async () => {
    env.td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { plugins: [dashboardPlugin()] });
    const page = await env.browser.newPage();
    const asked: number[] = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/status') asked.push(Date.now()); });
    await page.goto(`http://127.0.0.1:${env.td.daemon.api!.port}/`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    await page.locator('article[data-service="steady"] [data-field="state"]', { hasText: 'running' }).waitFor({ timeout: 20_000 });

    const t0 = Date.now();
    for (let i = 0; i < EVENTS; i++) {
      env.td.daemon.ctx.bus.emit({ type: 'probe.failed', time: Date.now(), severity: 'warning', service: 'steady', message: `tick ${i}` } as unknown as ClawbackEvent);
      await new Promise((r) => setTimeout(r, SPACING_MS));
    }
    const t1 = Date.now();
    // The page takes every event (the list is not what is coalesced).
    await page.waitForFunction((n) => document.querySelector('#events li')?.textContent?.includes(`tick ${n - 1}`), EVENTS, { timeout: 20_000 });
    const during = asked.filter((t) => t >= t0 && t <= t1 + 500).length;
    const seconds = (t1 + 500 - t0) / 1000;
    console.log(`status requests: ${during} in ${seconds.toFixed(1)} s for ${EVENTS} events`);
    // Timers fire late, never early: at most one per 1.5 s (plus the one in flight as the window opened and the trailing one).
    expect(during).toBeLessThanOrEqual(Math.ceil(seconds / 1.5) + 2);

    // The state after the events is shown: a restart (a new pid) reaches the card.
    const before = env.td.daemon.runtimes.get('steady')!.status().pid;
    const pidField = page.locator('article[data-service="steady"] [data-field="pid"]');
    expect(await pidField.textContent()).toBe(String(before));
    await env.td.daemon.runtimes.get('steady')!.restart();
    const after = env.td.daemon.runtimes.get('steady')!.status().pid;
    expect(after).not.toBe(before);
    await page.locator('article[data-service="steady"] [data-field="pid"]', { hasText: String(after) }).waitFor({ timeout: 20_000 });
    await page.close();
  }, 90_000);
});
