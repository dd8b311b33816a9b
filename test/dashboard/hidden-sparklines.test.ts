// Cards the filter hides draw no sparklines: each hidden card's two charts were measured and redrawn on every poll
// (at a made-up 200 px, as a hidden chart has no width), for nobody to see; they are drawn again when shown.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

const SERVICES = 6;

describe.skipIf(!existsSync(CHROMIUM) || !existsSync('/bin/sleep'))('dashboard: hidden cards draw no sparklines', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    const services = Array.from({ length: SERVICES }, (_, i) => ({
      name: `svc-${i}`,
      command: ['/bin/sleep', '600'],
      probes: [{ kind: 'process', interval: '1s' }, { kind: 'memory', limit: '1GiB', interval: '1s' }],
    }));
    td = await startTestDaemon({ services }, { plugins: [dashboardPlugin()] });
  }, 60_000);
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it('a filtered-out card\'s charts are left alone while hidden, and drawn at their width once shown', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Without the event stream the page polls the status every 2 s (with it live, only every 10 s): polls to watch.
    await page.route('**/api/events', (route) => route.abort());
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    await page.waitForFunction((n) => document.querySelectorAll('.spark.mem svg path.line').length >= n, SERVICES, { timeout: 30_000 });
    await page.getByLabel('Filter services by name or state').fill('svc-0');
    await page.waitForFunction(() => document.querySelectorAll('article.card:not([hidden])').length === 1, undefined, { timeout: 5_000 });
    // Count every change inside the hidden cards' charts over the next three polls.
    await page.evaluate(() => {
      const w = window as unknown as { hiddenChartChanges: number };
      w.hiddenChartChanges = 0;
      new MutationObserver((records) => {
        for (const r of records) {
          const card = (r.target instanceof Element ? r.target : r.target.parentElement)?.closest('article.card') as HTMLElement | null;
          if (card?.hidden && (r.target instanceof Element ? r.target : r.target.parentElement)?.closest('.charts')) w.hiddenChartChanges++;
        }
      }).observe(document.getElementById('services')!, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    const polls = (): Promise<number> => page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/status')).length);
    const seen = await polls();
    await page.waitForFunction((n) => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/status')).length >= n + 3, seen, { timeout: 30_000, polling: 200 });
    // The shown card's charts went on (the polls drew), the hidden ones' did not change.
    expect(await page.evaluate(() => (window as unknown as { hiddenChartChanges: number }).hiddenChartChanges)).toBe(0);

    // Shown again: drawn at once, each at its own rendered width (viewBox = CSS pixels).
    await page.getByLabel('Filter services by name or state').fill('');
    await page.waitForFunction(
      () => {
        const svgs = Array.from(document.querySelectorAll<SVGSVGElement>('article.card .spark svg'));
        return svgs.length > 0 && svgs.every((s) => s.getAttribute('viewBox') === `0 0 ${Math.max(40, Math.round(s.getBoundingClientRect().width))} 44`);
      },
      undefined,
      { timeout: 5_000 },
    );
    await page.close();
  }, 90_000);
});
