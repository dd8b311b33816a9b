// The page with many services stays responsive: a poll redraws every card, and a layout forced per sparkline (a width
// read between DOM writes) held the main thread for up to half a second a poll with 100 services.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const SERVICES = 60;

describe.skipIf(!existsSync(CHROMIUM) || !existsSync('/bin/sleep'))('dashboard: many services', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    const services = Array.from({ length: SERVICES }, (_, i) => ({ name: `svc${i}`, command: ['/bin/sleep', '600'] }));
    td = await startTestDaemon({ services }, { plugins: [dashboardPlugin()] });
  });
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it(`redraws ${SERVICES} cards each poll with a bounded number of layouts, not one per sparkline`, async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // Without the event stream the page polls the status every 2 s (with it live, only every 10 s): redraws to count.
    await page.route('**/api/events', (route) => route.abort());
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    await page.locator(`article[data-service="svc${SERVICES - 1}"]`).waitFor({ timeout: 30_000 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const layouts = async (): Promise<number> => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'LayoutCount')!.value;
    };
    // Count the layouts over the redraws of this window.
    const polls = (): Promise<number> => page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/status')).length);
    const before = await layouts();
    const pollsBefore = await polls();
    await page.waitForTimeout(6_500);
    const redraws = (await polls()) - pollsBefore;
    const perRedraw = ((await layouts()) - before) / Math.max(1, redraws);
    expect(redraws).toBeGreaterThanOrEqual(2);
    // A redraw with its widths read together costs a layout or two (plus a frame's); one per sparkline is 2 × SERVICES.
    expect(perRedraw).toBeLessThan(SERVICES / 4);
    await page.close();
  }, 90_000);
});
