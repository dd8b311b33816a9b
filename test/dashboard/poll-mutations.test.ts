// A poll redraws only what changed: with 100 services every 2-second poll rebuilt each card's probe list, note and both
// sparklines whether or not anything changed (about 57 DOM changes a card, 5,750 a poll), counted here with a
// MutationObserver in headless Chromium.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { waitFor } from '../helpers/processes.js';

const SERVICES = 100;

describe.skipIf(!existsSync(CHROMIUM) || !existsSync('/bin/sleep'))('dashboard: a poll changes only what changed', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    // Half with probes whose readings go on (a process probe, a memory probe), half with none (nothing ever changes).
    const services = Array.from({ length: SERVICES }, (_, i) => ({
      name: `svc${i}`,
      command: ['/bin/sleep', '600'],
      probes: i % 2 === 0 ? [{ kind: 'process', interval: '1s' }, { kind: 'memory', limit: '1GiB', interval: '1s' }] : [],
    }));
    td = await startTestDaemon({ services }, { plugins: [dashboardPlugin()] });
  }, 60_000);
  afterAll(async () => {
    await td?.stop();
    await browser?.close();
  });

  it(`a poll of ${SERVICES} services makes a few DOM changes a card, not a rebuild of every card`, async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // Without the event stream the page polls the status every 2 s (with it live, only every 10 s): polls to watch.
    await page.route('**/api/events', (route) => route.abort());
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    await page.locator(`article[data-service="svc${SERVICES - 1}"]`).waitFor({ timeout: 30_000 });
    // Every probe has a reading (the memory sparklines drawn) before counting.
    await page.waitForFunction(() => document.querySelectorAll('.spark.mem svg path.line').length >= 50, undefined, { timeout: 30_000 });
    // And every service's health has settled: a service with no probe is "pending" until its start is confirmed, and
    // that change landing inside the counted polls read as 1.0 changes a quiet card a poll (data-health, its text).
    const port = td.daemon.api!.port;
    await waitFor(
      async () => {
        const st = (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as { services: Array<{ state: string; health: string }> };
        return st.services.every((x) => x.state === 'running' && x.health !== 'pending') || undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, message: 'every service running with its health settled' },
    );
    // The page draws that at its next poll, which is not counted either.
    const seen = await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/status')).length);
    await page.waitForFunction((n) => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/status')).length >= n + 1, seen, { timeout: 30_000, polling: 200 });
    await page.evaluate(() => {
      const w = window as unknown as { muts: { quiet: number; busy: number; quietWhat: string[] } };
      w.muts = { quiet: 0, busy: 0, quietWhat: [] };
      // The times that go on every second (uptimes, "open for") are not the poll's doing: left out.
      const ticking = (n: Node): boolean => !!(n instanceof Element ? n : n.parentElement)?.closest('[data-field="uptime"], [data-field="daemon-uptime"], [data-opened-at]');
      new MutationObserver((records) => {
        for (const r of records) {
          if (ticking(r.target)) continue;
          const card = (r.target instanceof Element ? r.target : r.target.parentElement)?.closest('article.card') as HTMLElement | null;
          if (!card) continue;
          if (Number(card.dataset.service!.slice(3)) % 2 === 0) w.muts.busy++;
          else {
            w.muts.quiet++;
            // What changed on a card that should not change, for the failure message (a CI run once saw 1.0 a card a poll).
            if (w.muts.quietWhat.length < 12) {
              const at = r.target instanceof Element ? r.target : r.target.parentElement;
              w.muts.quietWhat.push(`${card.dataset.service} ${r.type}${r.attributeName ? `:${r.attributeName}` : ''} on ${at?.tagName.toLowerCase()}${at?.getAttribute('data-field') ? `[${at.getAttribute('data-field')}]` : at?.getAttribute('class') ? `.${at.getAttribute('class')}` : ''}`);
            }
          }
        }
      }).observe(document.getElementById('services')!, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    const polls = (): Promise<number> => page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/status')).length);
    const pollsBefore = await polls();
    await page.waitForFunction((n) => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/status')).length >= n + 3, pollsBefore, { timeout: 60_000, polling: 200 });
    const redraws = (await polls()) - pollsBefore;
    const muts = await page.evaluate(() => (window as unknown as { muts: { quiet: number; busy: number; quietWhat: string[] } }).muts);
    const perCard = { quiet: muts.quiet / redraws / (SERVICES / 2), busy: muts.busy / redraws / (SERVICES / 2) };
    console.log(`dashboard poll mutations: ${redraws} polls, per card per poll: quiet ${perCard.quiet.toFixed(1)}, busy ${perCard.busy.toFixed(1)}; per poll ${((muts.quiet + muts.busy) / redraws).toFixed(0)}`);
    // A card whose service did nothing changes nothing (the sparklines' time axis aside: one path each at most).
    expect(perCard.quiet, `quiet cards changed: ${muts.quietWhat.join('; ')}`).toBeLessThan(1);
    // A card with new readings: its numbers, its probes' texts and the sparklines' paths, not a rebuild.
    expect(perCard.busy).toBeLessThan(20);
    await page.close();
  }, 120_000);
});
