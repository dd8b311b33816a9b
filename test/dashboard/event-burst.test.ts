// A burst of live events (1000 at once: a reload of many services, a flapping fleet) was drawn one DOM insert and one
// removal each, in main-thread tasks of up to a second on a slow machine: the page froze. The burst is drawn in one go,
// and only the events that stay (the newest 200) get a node.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const BURST = 1000;
const SHOWN = 200; // MAX_EVENTS in app.js

describe.skipIf(!existsSync(CHROMIUM))('dashboard: a burst of live events', () => {
  let browser: Browser;
  let td: TestDaemon | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it(`draws ${BURST} events at once with a node for each of the ${SHOWN} it keeps, newest first`, async () => {
    td = await startTestDaemon({ services: [{ name: 'steady', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { plugins: [dashboardPlugin()] });
    const page = await browser.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) w.longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20_000 });
    await page.locator('#events li[data-type="service.started"]').waitFor({ state: 'attached', timeout: 20_000 });
    await page.waitForTimeout(1_000); // the backlog and the first status drawn
    await page.evaluate(() => {
      const w = window as unknown as { longTasks: number[]; added: number };
      w.longTasks = [];
      w.added = 0;
      new MutationObserver((records) => { for (const r of records) w.added += r.addedNodes.length; }).observe(document.getElementById('events')!, { childList: true });
    });

    const t0 = Date.now();
    for (let i = 0; i < BURST; i++) {
      const event = { type: i % 10 === 0 ? 'incident.action' : 'probe.failed', time: t0 + i, severity: 'warning', service: 'steady', incidentId: 'inc-burst', level: 1, message: `burst ${i} ${'x'.repeat(80)}` };
      td.daemon.ctx.bus.emit(event as unknown as ClawbackEvent);
    }
    await page.waitForFunction((n) => document.querySelector('#events li')?.textContent?.includes(`burst ${n - 1} `), BURST, { timeout: 30_000 });
    await page.waitForTimeout(1_000);

    const shown = await page.locator('#events li[data-type]').evaluateAll((lis) => lis.map((li) => /burst (\d+) /.exec(li.textContent ?? '')?.[1]));
    expect(shown).toHaveLength(SHOWN);
    expect(shown).toEqual(Array.from({ length: SHOWN }, (_, i) => String(BURST - 1 - i)));
    expect(await page.locator('#events-count').textContent()).toBe(String(SHOWN));
    const { added, longTasks } = await page.evaluate(() => {
      const w = window as unknown as { added: number; longTasks: number[] };
      return { added: w.added, longTasks: w.longTasks };
    });
    // The work is bounded by what is shown, not by the burst: one node per event kept (it was one per event received).
    expect(added).toBeLessThanOrEqual(SHOWN);
    console.log(`event burst: ${added} nodes added, long tasks ${JSON.stringify(longTasks.map(Math.round))} ms`);
    await page.close();
  }, 90_000);
});
